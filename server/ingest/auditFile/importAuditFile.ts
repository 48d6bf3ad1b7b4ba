import type { Readable } from "node:stream";
import type { AuditIngestor } from "../audit/ingest";
import { addIngestResult, addUnreadable, createImportSummary, type ImportSummary } from "./importSummary";
import { readAuditBatches, type ReadAuditOptions } from "./readAuditFile";

export interface ImportAuditFileOptions {
  input: Readable;
  cluster: string;
  batchSize: number;
  ingestor: AuditIngestor;
  /** Called after each batch is stored. */
  onBatch?: (summary: ImportSummary, bytesRead: number) => void;
  /**
   * When aborted, the import stops after the batch being stored (what was stored stays); when it
   * was waiting for input (a pipe from a live log), it stores the events read so far and stops.
   */
  signal?: AbortSignal;
  maxItemBytes?: ReadAuditOptions["maxItemBytes"];
}

/**
 * Reads an audit log and stores its events batch by batch, each batch in one transaction
 * (the same ingestion as the webhook, so the same dedup), counting what became of every event.
 *
 * Batches are stored one at a time, in file order, so that each write is diffed against the one
 * before it. The next batch is read and parsed while the one before is being stored: the
 * database's time and the parsing overlap, and at most two batches are held at once.
 */
export async function importAuditFile(options: ImportAuditFileOptions): Promise<{ summary: ImportSummary; interrupted: boolean }> {
  const summary = createImportSummary();
  const batches = readAuditBatches(options.input, { batchSize: options.batchSize, maxItemBytes: options.maxItemBytes, signal: options.signal });
  let next = batches.next();
  try {
    for (;;) {
      const { value: batch, done } = await next;
      if (done) return { summary, interrupted: false };
      const raws: unknown[] = [];
      const positions: number[] = [];
      for (const item of batch.items) {
        if ("raw" in item) {
          raws.push(item.raw);
          positions.push(item.line);
        } else {
          addUnreadable(summary, item);
        }
      }
      // Given as a function, so that the ingestor may read the batch again to store it once more
      // after a deadlock with another writer (a server storing the same cluster): the ingestor
      // never changes the events it is given (givenEvents.integration-test.ts), and `raws` is
      // alive here until the batch is stored anyway.
      const stored = raws.length > 0 ? options.ingestor.ingest(options.cluster, () => raws) : null;
      next = batches.next();
      // A read error is taken up when the loop comes back to it; until then it must not count as unhandled.
      next.catch(() => undefined);
      if (stored) addIngestResult(summary, await stored, positions);
      options.onBatch?.(summary, batch.bytesRead);
      if (options.signal?.aborted) return { summary, interrupted: true };
    }
  } finally {
    // Stopped early (aborted, or the store failed): the batch read ahead is dropped, unstored,
    // and the reader closed behind it.
    await next.catch(() => undefined);
    await batches.return(undefined);
  }
}
