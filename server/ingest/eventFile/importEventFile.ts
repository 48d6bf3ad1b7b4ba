import type { Readable } from "node:stream";
import type { ObservedHistoryEntry } from "../../plugins/types";
import type { ObservedHistoryIngestor } from "../sources/observedHistoryIngestor";
import { observeKubernetesEvent } from "../events/observeEvent";
import { addRejectedValue, addSkippedValue, addStoreResult, createEventImportSummary, type EventImportSummary } from "./eventImportSummary";
import { describeFound, eventValuesOf } from "./eventValues";
import { readEventFile } from "./readEventFile";

export interface ImportEventFileOptions {
  input: Readable;
  cluster: string;
  /** Events converted and stored at a time, each batch in one transaction. */
  batchSize: number;
  /** The most bytes of text read (decompressed); beyond, the import stops with InputTooLargeError. */
  maxBytes: number;
  ingestor: ObservedHistoryIngestor;
  /** Called after each batch is stored. */
  onBatch?: (summary: EventImportSummary, bytesRead: number) => void;
  /**
   * When aborted, the import stops once the batch in hand is stored (what was stored stays);
   * when it was waiting for input (a pipe from `kubectl get events --watch-only`), it stores the
   * Events read so far and stops.
   */
  signal?: AbortSignal;
}

/** An Event read, where it was, and its list's apiVersion. */
interface PendingEvent {
  raw: unknown;
  apiVersionHint: string | undefined;
  line: number;
}

/**
 * Reads a file of Kubernetes Events and stores each as a history entry of the object it is
 * about (observeEvent.ts), batch by batch, counting what became of every value read. The store
 * keeps each Event occurrence once by its key, so importing a file again stores nothing, and an
 * Event the cluster's Events source stored already counts as a duplicate.
 */
export async function importEventFile(options: ImportEventFileOptions): Promise<{ summary: EventImportSummary; interrupted: boolean }> {
  if (!Number.isInteger(options.batchSize) || options.batchSize <= 0) throw new RangeError("batchSize must be a positive integer");
  const summary = createEventImportSummary();
  const batch: PendingEvent[] = [];
  let bytesRead = 0;
  const aborted = () => options.signal?.aborted === true;

  const store = async () => {
    const events = batch.splice(0);
    const entries: ObservedHistoryEntry[] = [];
    const lines: number[] = [];
    for (const event of events) {
      const observed = observeKubernetesEvent(event.raw, event.apiVersionHint === undefined ? undefined : { apiVersion: event.apiVersionHint });
      if (observed.ok) {
        entries.push(observed.entry);
        lines.push(event.line);
      } else {
        addRejectedValue(summary, { reason: observed.problem, line: event.line, example: nameOf(event.raw), found: describeFound(event.raw) });
      }
    }
    if (entries.length > 0) addStoreResult(summary, await options.ingestor.ingest(options.cluster, entries), lines);
    options.onBatch?.(summary, bytesRead);
  };

  for await (const chunk of readEventFile(options.input, { maxBytes: options.maxBytes, signal: options.signal })) {
    bytesRead = chunk.bytesRead;
    for (const item of chunk.items) {
      if ("error" in item) {
        addRejectedValue(summary, { reason: item.reason, line: item.line, example: item.error, found: item.reason });
        continue;
      }
      for (const value of eventValuesOf(item.raw, item.listApiVersion)) {
        if (value.kind === "skipped") addSkippedValue(summary);
        else if (value.kind === "rejected") addRejectedValue(summary, { reason: value.reason, line: item.line, example: value.example, found: value.reason });
        else batch.push({ raw: value.raw, apiVersionHint: value.apiVersionHint, line: item.line });
        if (batch.length < options.batchSize) continue;
        await store();
        // Stopped: the batch in hand is stored; the rest read with it is not (import again to finish).
        if (aborted()) return { summary, interrupted: true };
      }
    }
  }
  if (batch.length > 0) await store();
  return { summary, interrupted: aborted() };
}

/** The Event's (or other object's) kind, namespace and name, to show with its rejection. */
function nameOf(raw: unknown): string | null {
  const metadata = (raw as { metadata?: { namespace?: unknown; name?: unknown } } | null)?.metadata;
  if (typeof metadata?.name !== "string") return null;
  const name = typeof metadata.namespace === "string" && metadata.namespace !== "" ? `${metadata.namespace}/${metadata.name}` : metadata.name;
  return `${describeFound(raw)} ${name}`;
}
