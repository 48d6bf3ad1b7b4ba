// `npm run import:events -- <file|-> [--cluster NAME] [--batch-size N] [--max-size SIZE]`: imports
// Kubernetes Events (kubectl get events -o json/yaml, a must-gather's events.yaml, watch output)
// into the configured database, each as history of the object it is about. Exit codes: 0 done
// (even with rejected Events), 1 fatal error, or nothing in the input could be stored, 2 bad
// arguments, 130 interrupted.
import { loadConfig } from "../server/config/config";
import { openDatabase } from "../server/store/open";
import { maintainOnce } from "../server/store/maintenance/job";
import { createObservedHistoryIngestor } from "../server/ingest/sources/observedHistoryIngestor";
import { IMPORT_EVENTS_USAGE, parseImportEventsArgs } from "../server/ingest/eventFile/importEventsArgs";
import { importEventFile } from "../server/ingest/eventFile/importEventFile";
import { formatEventImportSummary, nothingStorable } from "../server/ingest/eventFile/eventImportSummary";
import { InputTooLargeError } from "../server/ingest/eventFile/readEventFile";
import { formatBytes } from "../server/ingest/auditFile/progress";
import { openImportSource } from "./lib/importSource";
import { runImport } from "./lib/runImport";

const COMMAND = "import:events";

async function main(): Promise<number> {
  const parsed = parseImportEventsArgs(process.argv.slice(2));
  if (parsed.kind === "help") {
    console.log(IMPORT_EVENTS_USAGE);
    return 0;
  }
  if (parsed.kind === "invalid") {
    console.error(`${COMMAND}: ${parsed.message}\n\n${IMPORT_EVENTS_USAGE}`);
    return 2;
  }
  const { args } = parsed;
  const config = loadConfig();
  const cluster = args.cluster ?? config.defaultCluster;
  const source = await openImportSource(args.file, { command: COMMAND, what: "Kubernetes Events" });
  // A file too large is refused before anything is read; decompressed or piped input, once it grows past the limit.
  if (source.totalBytes !== null && source.totalBytes > args.maxBytes) {
    source.input.destroy();
    throw new InputTooLargeError(args.maxBytes, `${source.name} is ${formatBytes(source.totalBytes)}, larger than the limit of ${formatBytes(args.maxBytes)}`);
  }
  const db = await openDatabase(config);
  try {
    const code = await runImport({
      command: COMMAND,
      itemsRead: "the Events read",
      source,
      run: (signal, onBatch) =>
        importEventFile({
          input: source.input,
          cluster,
          batchSize: args.batchSize,
          maxBytes: args.maxBytes,
          ingestor: createObservedHistoryIngestor(db),
          signal,
          onBatch,
        }),
      progressCounts: (summary) => ({
        eventsRead: summary.read,
        accepted: summary.stored,
        skipped: summary.skipped,
        duplicates: summary.duplicates,
        rejected: summary.rejected,
      }),
      formatSummary: (summary, run) => formatEventImportSummary(summary, { source: source.name, cluster, ...run }),
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
  console.error(`${COMMAND}: ${(error as Error).message}`);
  process.exitCode = 1;
}
