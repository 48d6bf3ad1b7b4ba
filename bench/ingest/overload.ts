import { sleep, type AuditPoster } from "./client";
import { RssSampler } from "./procfs";
import { tally } from "./stats";

/**
 * The overload phase: far more batches in flight than the server admits, resent after a
 * short fixed pause whatever Retry-After says (a misbehaving sender), while the server's
 * RSS is sampled. It ends by itself: when every batch is stored, or at the time limit.
 */

export interface OverloadOptions {
  inFlight: number;
  /** Pause before resending a refused batch. */
  pauseMs: number;
  timeLimitMs: number;
  /** The server process whose RSS is sampled. */
  pid: number;
  sampleEveryMs: number;
}

export interface OverloadResult {
  wallMs: number;
  /** Every answer by status (0: no answer). */
  statuses: Record<string, number>;
  okBatches: number;
  /** Batches not stored when the phase ended. */
  undeliveredBatches: number;
  acceptedEvents: number;
  latenciesMs: number[];
  rssSamplesKb: number[];
  timedOut: boolean;
}

export async function runOverload(poster: AuditPoster, batches: Buffer[], options: OverloadOptions): Promise<OverloadResult> {
  const statuses: number[] = [];
  const latenciesMs: number[] = [];
  let next = 0;
  let okBatches = 0;
  let acceptedEvents = 0;
  let undeliveredBatches = 0;
  const deadline = performance.now() + options.timeLimitMs;
  let timedOut = false;

  async function worker(): Promise<void> {
    for (let index = next++; index < batches.length; index = next++) {
      for (;;) {
        if (performance.now() > deadline) {
          timedOut = true;
          undeliveredBatches++;
          break;
        }
        const result = await poster.post(batches[index]!);
        statuses.push(result.status);
        if (result.status === 200) {
          okBatches++;
          acceptedEvents += result.accepted ?? 0;
          latenciesMs.push(result.ms);
          break;
        }
        await sleep(options.pauseMs);
      }
    }
  }

  const sampler = new RssSampler(options.pid, options.sampleEveryMs);
  const started = performance.now();
  try {
    await Promise.all(Array.from({ length: options.inFlight }, worker));
  } finally {
    sampler.stop();
  }
  return {
    wallMs: performance.now() - started,
    statuses: tally(statuses),
    okBatches,
    undeliveredBatches,
    acceptedEvents,
    latenciesMs,
    rssSamplesKb: sampler.samplesKb,
    timedOut,
  };
}
