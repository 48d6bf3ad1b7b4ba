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
  /** When aborted, the import stops after the batch being stored; what was stored stays. */
  signal?: AbortSignal;
  maxItemBytes?: ReadAuditOptions["maxItemBytes"];
}

/**
 * Reads an audit log and stores its events batch by batch, each batch in one transaction
 * (the same ingestion as the webhook, so the same dedup), counting what became of every event.
 */
export async function importAuditFile(options: ImportAuditFileOptions): Promise<{ summary: ImportSummary; interrupted: boolean }> {
  const summary = createImportSummary();
  for await (const batch of readAuditBatches(options.input, { batchSize: options.batchSize, maxItemBytes: options.maxItemBytes })) {
    summary.unit = batch.unit;
    const raws: unknown[] = [];
    const positions: number[] = [];
    for (const item of batch.items) {
      if ("raw" in item) {
        raws.push(item.raw);
        positions.push(item.lineOrIndex);
      } else {
        addUnreadable(summary, item);
      }
    }
    if (raws.length > 0) addIngestResult(summary, await options.ingestor.ingest(options.cluster, raws), positions);
    options.onBatch?.(summary, batch.bytesRead);
    if (options.signal?.aborted) return { summary, interrupted: true };
  }
  return { summary, interrupted: false };
}
