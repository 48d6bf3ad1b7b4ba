import type { Config } from "../../config/config";
import type { CommittedBatch } from "../audit/ingest";
import type { EventListOutcome } from "../eventList";

/** The messages between the server's thread and an ingest worker (structured-cloned). */

/** `workerData` of an ingest worker: the configuration the server parsed, so both agree. */
export interface IngestWorkerData {
  config: Config;
}

export type ToIngestWorker =
  /** `body` arrives in a buffer of its own, transferred rather than copied. */
  | { type: "ingest"; id: number; cluster: string; body: Uint8Array }
  /** Finish the batches in hand, close the database, exit. */
  | { type: "close" };

export type FromIngestWorker =
  | { type: "ready" }
  /** Could not start (a bad plugin, an unreachable database): the message says why. */
  | { type: "startFailed"; message: string }
  | { type: "done"; id: number; outcome: EventListOutcome }
  /** The store failed for batch `id` (its transaction rolled back): the sender may retry it. */
  | { type: "failed"; id: number; message: string }
  /** A batch that wrote history was committed (for trace export, on the server's thread). */
  | { type: "committed"; batch: CommittedBatch };
