/**
 * Bounded admission for ingest batches: at most `concurrency` batches are written at
 * once, at most `queueLength` more wait, and the bodies of all of them together hold at
 * most `maxPendingBytes`. Past that, callers are turned away (429) instead of being
 * buffered, so memory stays flat however hard the apiserver pushes.
 */
export interface AdmissionLimits {
  concurrency: number;
  queueLength: number;
  maxPendingBytes: number;
}

export interface AdmissionTicket {
  /** Waits for a writer slot; the ticket already holds a queue place. */
  whenRunning(): Promise<void>;
  /** Gives back the queue place, the slot and the bytes. Safe to call twice. */
  release(): void;
}

export class AdmissionGate {
  private running = 0;
  private pendingBatches = 0;
  private pendingBytes = 0;
  private readonly waiters: Array<() => void> = [];

  constructor(private readonly limits: AdmissionLimits) {}

  /** Reserves room for a batch of `bytes`, or returns null when the gate is full. */
  tryAdmit(bytes: number): AdmissionTicket | null {
    const { concurrency, queueLength, maxPendingBytes } = this.limits;
    if (this.pendingBatches >= concurrency + queueLength) return null;
    // One batch may always proceed when nothing else is pending, whatever its size.
    if (this.pendingBatches > 0 && this.pendingBytes + bytes > maxPendingBytes) return null;
    this.pendingBatches++;
    this.pendingBytes += bytes;

    let state: "queued" | "running" | "released" = "queued";
    return {
      whenRunning: () =>
        new Promise<void>((resolve) => {
          const start = () => {
            if (state !== "queued") return resolve();
            state = "running";
            this.running++;
            resolve();
          };
          if (this.running < concurrency) start();
          else this.waiters.push(start);
        }),
      release: () => {
        if (state === "released") return;
        const wasRunning = state === "running";
        state = "released";
        this.pendingBatches--;
        this.pendingBytes -= bytes;
        if (wasRunning) {
          this.running--;
          this.waiters.shift()?.();
        }
      },
    };
  }

  get stats(): { running: number; pendingBatches: number; pendingBytes: number } {
    return { running: this.running, pendingBatches: this.pendingBatches, pendingBytes: this.pendingBytes };
  }
}
