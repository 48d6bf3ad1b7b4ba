/** The benchmark's settings, from environment variables (each documented in docs/benchmarks.md). */

export interface BenchSettings {
  /** Events of the throughput phase (BENCH_EVENTS). */
  events: number;
  /** Batches in flight in the throughput phase (BENCH_CONCURRENCY). */
  concurrency: number;
  /** Events of the overload phase (BENCH_OVERLOAD_EVENTS). */
  overloadEvents: number;
  /** Batches in flight in the overload phase (BENCH_OVERLOAD_IN_FLIGHT). */
  overloadInFlight: number;
  /** Run the server under `node --cpu-prof` and summarise the profile (BENCH_SERVER_CPU_PROF=1). */
  cpuProfile: boolean;
  /** Sample pg_stat_activity during the throughput phase (BENCH_PG_ACTIVITY=1). */
  pgActivity: boolean;
  /**
   * Server settings to try instead of the defaults (BENCH_SERVER_ENV, e.g.
   * `KUBETRAIL_INGEST_CONCURRENCY=4,KUBETRAIL_INGEST_QUEUE=16`); empty for the reference run.
   */
  serverEnv: Record<string, string>;
}

/** Events per EventList, as kube-apiserver's batching webhook backend sends them (--audit-webhook-batch-max-size default). */
export const BATCH_SIZE = 400;
/** Overload phase: pause before resending a refused batch, time limit, RSS sampling. */
export const OVERLOAD_PAUSE_MS = 50;
export const OVERLOAD_TIME_LIMIT_MS = 300_000;
export const RSS_SAMPLE_EVERY_MS = 250;
export const PG_ACTIVITY_SAMPLE_EVERY_MS = 20;

/** The goals the figures are judged against. */
export const GOALS = {
  eventsPerSecond: 20_000,
  /** App events/s over COPY events/s. */
  copyRatio: 0.6,
  p99BatchMs: 250,
  /**
   * "Memory flat under sustained overload": the overload phase's RSS does not trend up (the
   * largest sample of its second half over that of its first half) …
   */
  rssTrend: 1.1,
  /** … and stays within this of the throughput phase's peak (VmHWM): overload costs no more memory than load. */
  rssOverThroughputPeak: 1.25,
};

function positiveInt(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === "") return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got "${text}"`);
  return value;
}

function serverEnv(text: string | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const item of (text ?? "").split(",").map((i) => i.trim()).filter(Boolean)) {
    const eq = item.indexOf("=");
    if (eq <= 0 || !item.startsWith("KUBETRAIL_")) throw new Error(`BENCH_SERVER_ENV: expected KUBETRAIL_NAME=value items, got "${item}"`);
    env[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return env;
}

export function readSettings(): BenchSettings {
  return {
    events: positiveInt("BENCH_EVENTS", 200_000),
    concurrency: positiveInt("BENCH_CONCURRENCY", 4),
    overloadEvents: positiveInt("BENCH_OVERLOAD_EVENTS", 80_000),
    overloadInFlight: positiveInt("BENCH_OVERLOAD_IN_FLIGHT", 64),
    cpuProfile: process.env.BENCH_SERVER_CPU_PROF === "1",
    pgActivity: process.env.BENCH_PG_ACTIVITY === "1",
    serverEnv: serverEnv(process.env.BENCH_SERVER_ENV),
  };
}
