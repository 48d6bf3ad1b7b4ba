import { sleep, type AuditPoster } from "./client";
import { tally } from "./stats";

/**
 * The throughput phase: every batch posted once, `concurrency` at a time, behaving as
 * kube-apiserver's webhook backend does: a 429 or 503 is retried after its Retry-After, a
 * lost connection after a second. Every answer is counted.
 */

export interface ThroughputResult {
  wallMs: number;
  /** Per batch answered 200: the time of that request. */
  latenciesMs: number[];
  /** Per batch answered 200: its index in the workload, when its answering request started (ms into the phase), and its latency. */
  timeline: Array<[batch: number, startMs: number, ms: number]>;
  /** Every answer, retries included, by status (0: no answer). */
  statuses: Record<string, number>;
  okBatches: number;
  acceptedEvents: number;
  /** Batches answered 200 with `accepted` other than their event count. */
  shortBatches: number;
  /** Batches given up on (an answer that must not be retried, or too many tries). */
  failedBatches: number;
  /** The first few failures, for the report. */
  failures: string[];
}

const MAX_TRIES = 20;
const MAX_LISTED_FAILURES = 10;

export async function runThroughput(poster: AuditPoster, batches: Buffer[], eventsPerBatch: (index: number) => number, concurrency: number): Promise<ThroughputResult> {
  const statuses: number[] = [];
  const latenciesMs: number[] = [];
  const timeline: ThroughputResult["timeline"] = [];
  const failures: string[] = [];
  let next = 0;
  let okBatches = 0;
  let acceptedEvents = 0;
  let shortBatches = 0;
  let failedBatches = 0;
  const started = performance.now();

  const fail = (message: string) => {
    failedBatches++;
    if (failures.length < MAX_LISTED_FAILURES) failures.push(message);
  };

  async function worker(): Promise<void> {
    for (let index = next++; index < batches.length; index = next++) {
      for (let tries = 1; ; tries++) {
        const sentAt = performance.now() - started;
        const result = await poster.post(batches[index]!);
        statuses.push(result.status);
        if (result.status === 200) {
          okBatches++;
          latenciesMs.push(result.ms);
          timeline.push([index, Math.round(sentAt), Math.round(result.ms * 10) / 10]);
          acceptedEvents += result.accepted ?? 0;
          if (result.accepted !== eventsPerBatch(index)) shortBatches++;
          break;
        }
        const retriable = result.status === 429 || result.status === 503 || result.status === 0;
        if (!retriable || tries === MAX_TRIES) {
          fail(`batch ${index}: ${result.status} ${result.error ?? ""}`.trim());
          break;
        }
        await sleep((result.retryAfterS ?? 1) * 1000);
      }
    }
  }

  await Promise.all(Array.from({ length: concurrency }, worker));
  return {
    wallMs: performance.now() - started,
    latenciesMs,
    timeline,
    statuses: tally(statuses),
    okBatches,
    acceptedEvents,
    shortBatches,
    failedBatches,
    failures,
  };
}
