// `npm run import -- <file|-> [--cluster NAME] [--batch-size N]`: imports a kube-apiserver
// audit log into the configured database. Exit codes: 0 done (even with rejected events),
// 1 fatal error, or nothing in the input could be stored, 2 bad arguments, 130 interrupted.
import fs from "node:fs";
import path from "node:path";
import type { Readable } from "node:stream";
import { loadConfig } from "../server/config/config";
import { openDatabase } from "../server/store/open";
import { createConfiguredAuditIngestor } from "../server/ingest/audit/ingest";
import { IMPORT_USAGE, parseImportArgs } from "../server/ingest/auditFile/importArgs";
import { importAuditFile } from "../server/ingest/auditFile/importAuditFile";
import { formatImportSummary, nothingStorable, type ImportSummary } from "../server/ingest/auditFile/importSummary";
import { createProgressWriter, type ImportProgressState } from "../server/ingest/auditFile/progress";

class FatalError extends Error {}

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: "no such file or directory",
  EACCES: "permission denied",
  EISDIR: "is a directory",
};

/** The file to read (or stdin) and its size when known, for the progress bar. */
async function openSource(file: string): Promise<{ input: Readable; totalBytes: number | null; name: string }> {
  if (file === "-") {
    if (process.stdin.isTTY) process.stderr.write("import: reading audit events from the terminal; end with Ctrl-D\n");
    const stat = fs.fstatSync(0);
    return { input: process.stdin, totalBytes: stat.isFile() ? stat.size : null, name: "standard input" };
  }
  // `npm run` works in the project folder; a relative path means one from where the user was.
  const resolved = path.resolve(process.env.INIT_CWD ?? process.cwd(), file);
  try {
    const handle = await fs.promises.open(resolved, "r");
    const stat = await handle.stat();
    if (stat.isDirectory()) {
      await handle.close();
      throw Object.assign(new Error("is a directory"), { code: "EISDIR" });
    }
    return { input: handle.createReadStream(), totalBytes: stat.isFile() ? stat.size : null, name: file };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "";
    throw new FatalError(`cannot read ${file}: ${ERRNO_TEXT[code] ?? (error as Error).message}`);
  }
}

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
  const source = await openSource(args.file);
  const db = await openDatabase(config);
  let latest: { summary: ImportSummary; bytesRead: number } | null = null;
  const startedAtMs = Date.now();
  const progressState = (): ImportProgressState => ({
    startedAtMs,
    bytesRead: latest?.bytesRead ?? 0,
    totalBytes: source.totalBytes,
    eventsRead: latest?.summary.valuesRead ?? 0,
    accepted: latest?.summary.accepted ?? 0,
    skipped: latest?.summary.skipped ?? 0,
    duplicates: latest?.summary.duplicates ?? 0,
    rejected: latest?.summary.rejected ?? 0,
  });
  const progress = createProgressWriter(process.stderr);
  const stop = new AbortController();
  const onSigint = () => {
    if (stop.signal.aborted) process.exit(130);
    stop.abort();
    process.stderr.write("\nimport: stopping once the events read are stored (Ctrl-C again quits at once)\n");
  };
  process.on("SIGINT", onSigint);

  try {
    const ingestor = await createConfiguredAuditIngestor(db, config);
    const { summary, interrupted } = await importAuditFile({
      input: source.input,
      cluster,
      batchSize: args.batchSize,
      ingestor,
      signal: stop.signal,
      onBatch: (summary, bytesRead) => {
        latest = { summary, bytesRead };
        progress.update(progressState());
      },
    });
    progress.finish(progressState());
    console.log(formatImportSummary(summary, { source: source.name, cluster, elapsedMs: Date.now() - startedAtMs, interrupted }));
    // A script that imports the wrong file (a YAML manifest, a binary) should notice.
    return interrupted ? 130 : nothingStorable(summary) ? 1 : 0;
  } catch (error) {
    // What was stored stays stored: say how far the import got.
    if (latest) {
      progress.finish(progressState());
      const { summary } = latest;
      console.log(formatImportSummary(summary, { source: source.name, cluster, elapsedMs: Date.now() - startedAtMs, interrupted: true }));
    }
    throw error;
  } finally {
    process.off("SIGINT", onSigint);
    await db.close();
  }
}

try {
  process.exitCode = await main();
} catch (error) {
  console.error(`import: ${(error as Error).message}`);
  process.exitCode = 1;
}
