import { createProgressWriter, type ImportProgressState } from "../../server/ingest/auditFile/progress";
import type { ImportSource } from "./importSource";

/** The counts the progress line shows. */
export type ProgressCounts = Pick<ImportProgressState, "eventsRead" | "accepted" | "skipped" | "duplicates" | "rejected">;

/** What `npm run import` and `npm run import:events` differ in; runImport does the rest alike. */
export interface ImportRun<Summary> {
  /** The command's name, as its messages begin ("import"). */
  command: string;
  /** What it reads, as the message about Ctrl-C names it ("the events read"). */
  itemsRead: string;
  source: ImportSource;
  /** Reads and stores everything; `onBatch` after each batch stored. Stops once the batch in hand is stored when `signal` aborts. */
  run(signal: AbortSignal, onBatch: (summary: Summary, bytesRead: number) => void): Promise<{ summary: Summary; interrupted: boolean }>;
  progressCounts(summary: Summary): ProgressCounts;
  formatSummary(summary: Summary, run: { elapsedMs: number; interrupted: boolean }): string;
  nothingStorable(summary: Summary): boolean;
}

/**
 * Runs an import with a progress line on stderr and its summary on stdout; the first Ctrl-C
 * stops it once the batch in hand is stored, the second at once. Resolves with the exit code:
 * 0 done, 1 nothing in the input could be stored, 130 interrupted. When the import fails, the
 * summary of what was stored before is printed and the error thrown on.
 */
export async function runImport<Summary>(run: ImportRun<Summary>): Promise<number> {
  // Held in an object: TypeScript does not see the callback below set a plain variable.
  const last: { batch: { summary: Summary; bytesRead: number } | null } = { batch: null };
  const startedAtMs = Date.now();
  const noCounts: ProgressCounts = { eventsRead: 0, accepted: 0, skipped: 0, duplicates: 0, rejected: 0 };
  const progressState = (): ImportProgressState => ({
    startedAtMs,
    bytesRead: last.batch?.bytesRead ?? 0,
    totalBytes: run.source.totalBytes,
    ...(last.batch ? run.progressCounts(last.batch.summary) : noCounts),
  });
  const progress = createProgressWriter(process.stderr);
  const stop = new AbortController();
  const onSigint = () => {
    if (stop.signal.aborted) process.exit(130);
    stop.abort();
    process.stderr.write(`\n${run.command}: stopping once ${run.itemsRead} are stored (Ctrl-C again quits at once)\n`);
  };
  process.on("SIGINT", onSigint);

  try {
    const { summary, interrupted } = await run.run(stop.signal, (summary, bytesRead) => {
      last.batch = { summary, bytesRead };
      progress.update(progressState());
    });
    progress.finish(progressState());
    console.log(run.formatSummary(summary, { elapsedMs: Date.now() - startedAtMs, interrupted }));
    // A script that imports the wrong file (a YAML manifest, a binary) should notice.
    return interrupted ? 130 : run.nothingStorable(summary) ? 1 : 0;
  } catch (error) {
    // What was stored stays stored: say how far the import got.
    if (last.batch) {
      progress.finish(progressState());
      console.log(run.formatSummary(last.batch.summary, { elapsedMs: Date.now() - startedAtMs, interrupted: true }));
    }
    throw error;
  } finally {
    process.off("SIGINT", onSigint);
  }
}
