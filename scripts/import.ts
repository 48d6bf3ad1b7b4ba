// `npm run import -- <file|-> [--cluster NAME] [--batch-size N]`: imports a kube-apiserver
// audit log into the configured database. Exit codes: 0 done (even with rejected events),
// 1 fatal error, or nothing in the input could be stored, 2 bad arguments, 130 interrupted.
import { loadConfig } from "../server/config/config";
import { openDatabase } from "../server/store/open";
import { maintainOnce } from "../server/store/maintenance/job";
import { createConfiguredAuditIngestor } from "../server/ingest/audit/ingest";
import { IMPORT_USAGE, parseImportArgs } from "../server/ingest/auditFile/importArgs";
import { importAuditFile } from "../server/ingest/auditFile/importAuditFile";
import { formatImportSummary, nothingStorable } from "../server/ingest/auditFile/importSummary";
import { openImportSource } from "./lib/importSource";
import { runImport } from "./lib/runImport";

async function main(): Promise<number> {
  const parsed = parseImportArgs(process.argv.slice(2));
  if (parsed.kind === "help") {
    console.log(IMPORT_USAGE);
    return 0;
  }
  if (parsed.kind === "invalid") {
    console.error(`import: ${parsed.message}\n\n${IMPORT_USAGE}`);
    return 2;
  }
  const { args } = parsed;
  const config = loadConfig();
  const cluster = args.cluster ?? config.defaultCluster;
  const source = await openImportSource(args.file, { command: "import", what: "audit events" });
  const db = await openDatabase(config);
  try {
    const code = await runImport({
      command: "import",
      itemsRead: "the events read",
      source,
      async run(signal, onBatch) {
        const ingestor = await createConfiguredAuditIngestor(db, config);
        return importAuditFile({ input: source.input, cluster, batchSize: args.batchSize, ingestor, signal, onBatch });
      },
      progressCounts: (summary) => ({
        eventsRead: summary.valuesRead,
        accepted: summary.accepted,
        skipped: summary.skipped,
        duplicates: summary.duplicates,
        rejected: summary.rejected,
      }),
      formatSummary: (summary, run) => formatImportSummary(summary, { source: source.name, cluster, ...run }),
      nothingStorable,
    });
    // What was stored is planned with statistics from the server's first start (the embedded database).
    await maintainOnce(db, config.maintenance, (message) => console.error(message));
    return code;
  } finally {
    await db.close();
  }
}

try {
  process.exitCode = await main();
} catch (error) {
  console.error(`import: ${(error as Error).message}`);
  process.exitCode = 1;
}
