import path from "node:path";
import { Worker } from "node:worker_threads";
import type { Config } from "../../config/config";
import type { CommittedBatch } from "../audit/ingest";
import type { EventListIngestor, EventListOutcome } from "../eventList";
import type { FromIngestWorker, IngestWorkerData, ToIngestWorker } from "./protocol";

/**
 * Ingest on worker threads (KUBETRAIL_INGEST_WORKERS). The server's thread keeps HTTP, admission
 * and the answers; each worker parses, converts, diffs and stores whole batches on its own
 * connections. One thread doing all of it is the limit on a machine with a core to spare
 * (docs/benchmarks.md): with workers, the work of batches in flight runs on every core.
 *
 * Batches go to the worker with the fewest in hand. Workers share nothing but the database:
 * each object is locked for a batch's transaction (advisory locks), and a worker's state cache
 * is used only while it matches the resourceVersion stored, so a write that another worker
 * stored last costs a read, never a wrong diff.
 *
 * A worker that dies fails the batches it held (the apiserver retries them: ingest is
 * idempotent) and is started again.
 */

/** The worker's entry module (it loads workerMain.ts through tsx). */
const WORKER_ENTRY = path.join(/*turbopackIgnore: true*/ process.cwd(), "server", "ingest", "workers", "entry.mjs");

const RESTART_DELAY_MS = 1_000;
const MAX_RESTART_DELAY_MS = 30_000;
const CLOSE_TIMEOUT_MS = 10_000;

export interface IngestWorkerPoolOptions {
  workers: number;
  /** Given to every worker as it is: all threads run the same configuration. */
  config: Config;
  /** On the server's thread, for each batch a worker committed with history. */
  onCommitted?(batch: CommittedBatch): void;
  log(message: string): void;
  /** The worker's entry module (tests give one of their own to make a worker fail). */
  entry?: string;
}

interface Pending {
  resolve(outcome: EventListOutcome): void;
  reject(error: Error): void;
}

/** One worker's place in the pool: the thread (null while it is being restarted) and its batches. */
interface Slot {
  index: number;
  worker: Worker | null;
  pending: Map<number, Pending>;
  /** Restarts in a row that failed to start: backs the next restart off. */
  failedStarts: number;
}

export class IngestWorkerPool implements EventListIngestor {
  private readonly slots: Slot[];
  private nextId = 1;
  /** Where the search for the least busy worker starts. */
  private turn = 0;
  private closing = false;
  private readonly restartTimers = new Set<NodeJS.Timeout>();
  /** Every thread not yet exited, ready or still starting. */
  private readonly live = new Set<Worker>();

  private constructor(private readonly options: IngestWorkerPoolOptions) {
    this.slots = Array.from({ length: options.workers }, (_, index) => ({ index, worker: null, pending: new Map(), failedStarts: 0 }));
  }

  /** Starts every worker and waits until each is ready; if one cannot start, stops them all and throws why. */
  static async start(options: IngestWorkerPoolOptions): Promise<IngestWorkerPool> {
    if (!Number.isInteger(options.workers) || options.workers < 1) throw new Error(`an ingest worker pool needs at least one worker, got ${options.workers}`);
    const pool = new IngestWorkerPool(options);
    const started = await Promise.allSettled(pool.slots.map((slot) => pool.startWorker(slot)));
    const failure = started.find((result) => result.status === "rejected");
    if (failure) {
      await pool.close();
      throw failure.reason;
    }
    return pool;
  }

  /** How many workers are running now. */
  get running(): number {
    return this.slots.filter((slot) => slot.worker !== null).length;
  }

  /** Takes `body`: when it spans its whole buffer, that buffer is moved to the worker and is empty here afterwards. */
  ingest(cluster: string, body: Uint8Array): Promise<EventListOutcome> {
    if (this.closing) return Promise.reject(new Error("ingest workers are closing"));
    const slot = this.leastBusy();
    if (!slot?.worker) return Promise.reject(new Error("no ingest worker is running"));
    const worker = slot.worker;
    const id = this.nextId++;
    // Moved, not copied, when the body spans its whole buffer (the webhook's always does): its
    // memory then goes with it, and is freed by the worker, whose collector runs often, rather
    // than by this thread's, which allocates little and under overload let bodies pile up.
    // A view into a larger buffer is copied (into one of its own size; a Buffer's slice() would be
    // another view): the rest of that buffer is not ours to move.
    const moved = body.byteOffset === 0 && body.byteLength === body.buffer.byteLength && body.buffer instanceof ArrayBuffer ? body : new Uint8Array(body);
    return new Promise<EventListOutcome>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      const message: ToIngestWorker = { type: "ingest", id, cluster, body: moved };
      worker.postMessage(message, [moved.buffer as ArrayBuffer]);
    });
  }

  /** Lets the workers finish the batches they hold, then stops them. */
  async close(): Promise<void> {
    this.closing = true;
    for (const timer of this.restartTimers) clearTimeout(timer);
    this.restartTimers.clear();
    const ready = new Set(this.slots.map((slot) => slot.worker));
    await Promise.all(
      [...this.live].map(async (worker) => {
        const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
        if (ready.has(worker)) worker.postMessage({ type: "close" } satisfies ToIngestWorker);
        else void worker.terminate(); // still starting: it holds no batch
        const timeout = setTimeout(() => void worker.terminate(), CLOSE_TIMEOUT_MS);
        await exited;
        clearTimeout(timeout);
      }),
    );
  }

  /** The running worker with the fewest batches in hand; among equals, each in turn. */
  private leastBusy(): Slot | undefined {
    let best: Slot | undefined;
    for (let i = 0; i < this.slots.length; i++) {
      const slot = this.slots[(this.turn + i) % this.slots.length]!;
      if (slot.worker && (!best || slot.pending.size < best.pending.size)) best = slot;
    }
    if (best) this.turn = (best.index + 1) % this.slots.length;
    return best;
  }

  /** Starts the slot's worker; resolves once it is ready, rejects with the worker's own reason if it cannot start. */
  private startWorker(slot: Slot): Promise<void> {
    const workerData: IngestWorkerData = { config: this.options.config };
    // Of the server's execArgv only the CPU profiler's (bench:ingest's BENCH_SERVER_CPU_PROF):
    // a worker accepts few of the others, and V8's flags (the young generation's size) are the
    // process's anyway.
    const execArgv = process.execArgv.filter((flag) => flag.startsWith("--cpu-prof"));
    const worker = new Worker(this.options.entry ?? WORKER_ENTRY, { workerData, execArgv, name: `kubetrail-ingest-${slot.index + 1}` });
    this.live.add(worker);
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      let startError: Error | null = null;
      worker.on("message", (message: FromIngestWorker) => {
        switch (message.type) {
          case "ready":
            ready = true;
            slot.worker = worker;
            slot.failedStarts = 0;
            // Restarted while the pool was closing: nothing will be sent to it.
            if (this.closing) worker.postMessage({ type: "close" } satisfies ToIngestWorker);
            resolve();
            return;
          case "startFailed":
            startError = new Error(`ingest worker ${slot.index + 1} could not start: ${message.message}`);
            return;
          case "done":
            this.settle(slot, message.id, (pending) => pending.resolve(message.outcome));
            return;
          case "failed":
            this.settle(slot, message.id, (pending) => pending.reject(new Error(message.message)));
            return;
          case "committed":
            try {
              this.options.onCommitted?.(message.batch);
            } catch {
              // The batch is stored; a failing observer must not turn that into an error.
            }
            return;
        }
      });
      worker.on("error", (error) => {
        // An exception the worker did not catch; "exit" follows.
        if (!ready) startError ??= new Error(`ingest worker ${slot.index + 1} could not start: ${error.message}`);
        else this.options.log(`ingest worker ${slot.index + 1} failed: ${error.stack ?? error.message}`);
      });
      worker.on("exit", (code) => {
        this.live.delete(worker);
        if (!ready) {
          reject(startError ?? new Error(`ingest worker ${slot.index + 1} exited with code ${code} before it was ready`));
          return;
        }
        slot.worker = null;
        const lost = [...slot.pending.values()];
        slot.pending.clear();
        for (const pending of lost) pending.reject(new Error(`ingest worker ${slot.index + 1} stopped (exit code ${code}) before the batch was stored`));
        if (!this.closing) {
          this.options.log(`ingest worker ${slot.index + 1} stopped (exit code ${code}); starting it again`);
          this.restartLater(slot);
        }
      });
    });
  }

  private restartLater(slot: Slot): void {
    const delay = Math.min(MAX_RESTART_DELAY_MS, RESTART_DELAY_MS * 2 ** slot.failedStarts);
    const timer = setTimeout(() => {
      this.restartTimers.delete(timer);
      if (this.closing) return;
      this.startWorker(slot).catch((error: Error) => {
        slot.failedStarts++;
        this.options.log(`${error.message}; trying again`);
        this.restartLater(slot);
      });
    }, delay);
    this.restartTimers.add(timer);
  }

  private settle(slot: Slot, id: number, action: (pending: Pending) => void): void {
    const pending = slot.pending.get(id);
    if (!pending) return;
    slot.pending.delete(id);
    action(pending);
  }
}
