/** The query benchmark's settings, from environment variables (each documented in docs/benchmarks.md). */

export interface QuerySettings {
  /** Timed runs of each case (BENCH_QUERY_RUNS). */
  runs: number;
  /** Untimed rounds first (BENCH_QUERY_WARMUP). */
  warmup: number;
  /** Also measure through the production server (`npm start`'s) over loopback HTTP (BENCH_QUERY_HTTP, default 1; builds the app when its build is stale). */
  http: boolean;
  /** Namespaces of the simulated cluster (BENCH_QUERY_NAMESPACES): 50 give ≥ 1,000,000 entries over ≥ 50,000 objects. */
  namespaces: number;
}

/** The data the issue asks for, and the goals the figures are judged against. */
export const MINIMUM_DATA = { entries: 1_000_000, objects: 50_000 };
export const GOALS = { singleObjectP95Ms: 100, fullTreeP95Ms: 300 };

/** The simulated cluster (see dataset/world.ts); only the number of namespaces is a setting. */
export const WORLD = {
  deploymentsPerNamespace: 10,
  configMapsPerNamespace: 200,
  nodes: 100,
  days: 7,
  /** The end of the simulated week: fixed, so that every run stores the same rows. */
  end: "2026-01-12T00:00:00Z",
  seed: 0x6b7151,
  /** The cluster's name in the store. */
  cluster: "prod",
};

/** Every trace and search covers the last day of the week. */
export const WINDOW_SECONDS = 24 * 3600;

function positiveInt(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === "") return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got "${text}"`);
  return value;
}

export function readSettings(): QuerySettings {
  const http = process.env.BENCH_QUERY_HTTP ?? "1";
  if (http !== "0" && http !== "1") throw new Error(`BENCH_QUERY_HTTP must be 0 or 1, got "${http}"`);
  return {
    runs: positiveInt("BENCH_QUERY_RUNS", 50),
    warmup: positiveInt("BENCH_QUERY_WARMUP", 5),
    http: http === "1",
    namespaces: positiveInt("BENCH_QUERY_NAMESPACES", 50),
  };
}
