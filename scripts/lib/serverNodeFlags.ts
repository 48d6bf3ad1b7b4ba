import path from "node:path";

/**
 * Node flags of the production server process (`npm start`, and the ingest benchmark, which
 * must measure what production runs).
 *
 * A 64 MiB young-generation semi-space (V8's default is 16): an audit batch parses into
 * several MB of objects that live until the batch is stored, so with the default most
 * scavenges copied live batches. Measured on the ingest path (docs/benchmarks.md): GC time per
 * event 19 → 12 µs, throughput +6–8%, for about 100 MiB more resident memory, a fixed amount
 * (the young generation does not grow with load).
 *
 * Garbage collection on the collecting thread alone (`--single-threaded-gc`: no parallel
 * scavenge or concurrent marking helpers). Under load every CPU is already busy with an ingest
 * worker or Postgres (KUBETRAIL_INGEST_WORKERS=auto starts one worker per CPU), so helper
 * threads only take turns with them and add their synchronisation. On the 2-CPU benchmark
 * machine (docs/benchmarks.md, "Runs, 2026-12-05"), over three pairs: batches stored under
 * overload +20%, server CPU per event -3%, events/s +2% (within the noise), for 5% more peak
 * memory.
 */
export const SERVER_NODE_FLAGS: readonly string[] = ["--max-semi-space-size=64", "--single-threaded-gc"];

/** The production server's entry point (`scripts/serve.mjs`), run with the current node and the flags above. */
export function serverEntryOf(root: string): string {
  return path.join(root, "scripts", "serve.mjs");
}
