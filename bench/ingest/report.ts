import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type { ProfileSummary } from "./cpuProfile";
import type { PgActivity } from "./pgActivity";
import type { MachineInfo } from "./procfs";
import { round } from "./stats";

/** CPU seconds used during a phase; the machine has `cpus` × wall seconds. */
export interface CpuUse {
  wallS: number;
  serverS: number;
  /** Of serverS, the time in the kernel (system calls, page faults). */
  serverSystemS: number;
  serverMinorFaults: number;
  postgresS: number;
  benchClientS: number;
}

/** What a run of `npm run bench:ingest` found, printed and written as JSON. */
export interface BenchReport {
  date: string;
  /** The commit the app was built from, and how many of the files that go into the app (not bench/ or docs/) differed from it. */
  source: { commit: string; changedFiles: number };
  machine: MachineInfo & { postgres: Record<string, string>; postgresConnection: string };
  configuration: {
    events: number;
    batchSize: number;
    concurrency: number;
    overloadEvents: number;
    overloadInFlight: number;
    overloadPauseMs: number;
    /** The server's ingest limits (its defaults unless serverEnv says otherwise). */
    ingestLimits: { concurrency: number; queue: number; maxPendingBytes: number; maxBodyBytes: number; retryAfterSeconds: number; /** Ingest worker threads (absent in reports before they existed: none). */ workers?: number };
    server: { spawnedPid: number; measuredPid: number; processes: Array<{ pid: number; command: string }>; nodeFlags: readonly string[] };
    cpuProfile: boolean;
    /** Settings given to the server instead of its defaults (BENCH_SERVER_ENV). */
    serverEnv: Record<string, string>;
  };
  workload: {
    events: number;
    writes: number;
    reads: number;
    objects: Record<string, number>;
    avgEventBytes: number;
    batches: number;
    batchMiB: number;
    generationS: number;
  };
  throughput: {
    wallS: number;
    eventsPerSecond: number;
    /** p99AfterFirstSecond: of the batches sent once the phase had run a second (absent in reports before it was measured). */
    batchLatencyMs: { p50: number; p99: number; max: number; p99AfterFirstSecond?: number };
    /** Each batch answered 200, in the order answered: [its index in the workload, ms into the phase its request started, its latency in ms]. Not printed: to see where the tail comes from. */
    timeline: Array<[batch: number, startMs: number, ms: number]>;
    statuses: Record<string, number>;
    okBatches: number;
    failedBatches: number;
    shortBatches: number;
    failures: string[];
    /** VmHWM after the phase (the server's peak since start). */
    peakRssMiB: number;
    endRssMiB: number;
    cpu: CpuUse;
    pgActivity?: PgActivity;
  };
  copy: {
    tables: Array<{ table: string; rows: number; MiB: number; s: number }>;
    s: number;
    eventsPerSecond: number;
  };
  appOverCopy: number;
  overload: {
    events: number;
    wallS: number;
    statuses: Record<string, number>;
    refused429: number;
    okBatches: number;
    undeliveredBatches: number;
    timedOut: boolean;
    rssMiB: { min: number; median: number; max: number; samples: number };
    maxOverMedian: number;
    /** Overload RSS max over the throughput phase's peak (VmHWM). */
    maxOverThroughputPeak: number;
    /**
     * Overload RSS max over the phase's first sample: growth during the phase. (max / median
     * also reads a fall from the RSS the throughput phase left as growth.)
     */
    maxOverFirstSample: number;
    /**
     * The largest RSS sample of the phase's second half over that of its first half: above 1
     * when memory grows as overload goes on. The goal's measure, with maxOverThroughputPeak.
     * (max / median, the earlier measure, reads a fall from the RSS the throughput phase left
     * as growth.)
     */
    trend: number;
    /** Every sample, in order (MiB). */
    rssSamplesMiB: number[];
    /** VmHWM after the phase. */
    peakRssMiB: number;
    batchLatencyMs: { p50: number; p99: number };
    /** Events stored per second of the phase (goodput under overload). */
    eventsPerSecond: number;
    cpu: CpuUse;
  };
  stored: { receipts: number; acceptedIn200Answers: number; equal: boolean };
  goals: Array<{ goal: string; value: string; met: boolean }>;
  profile?: ProfileSummary & { file: string };
  /** The other threads' profiles (ingest workers, and the module loader thread of each), when the server ran any. */
  workerProfiles?: Array<ProfileSummary & { file: string }>;
}

/** The checked-out commit and the number of changed or new files outside bench/ and docs/ (read-only git commands). */
export function sourceRevision(root: string): BenchReport["source"] {
  const git = (...args: string[]) => execFileSync("git", args, { cwd: root, encoding: "utf8" }).trim();
  try {
    const changed = git("status", "--porcelain").split("\n").filter((line) => line !== "" && !/^.. "?(bench|docs)\//.test(line));
    return { commit: git("rev-parse", "--short", "HEAD"), changedFiles: changed.length };
  } catch {
    return { commit: "unknown", changedFiles: -1 };
  }
}

const mib = (kb: number) => round(kb / 1024, 1);
export { mib as kbToMiB };

export function printReport(r: BenchReport): void {
  const line = (label: string, value: string | number) => console.log(`  ${label.padEnd(34)} ${value}`);
  console.log("\n=== Kubetrail ingest benchmark ===");
  line("date", r.date);
  line("source", `${r.source.commit}${r.source.changedFiles > 0 ? ` + ${r.source.changedFiles} changed files` : " (no changes outside bench/ and docs/)"}`);
  line("machine", `${r.machine.cpus} CPUs (nproc), ${r.machine.cpuModel}, ${r.machine.memoryGiB} GiB, Linux ${r.machine.kernel}`);
  const { server_version: postgresVersion, ...postgresSettings } = r.machine.postgres;
  line("software", `node ${r.machine.node}, PostgreSQL ${postgresVersion}`);
  line("postgres settings", Object.entries(postgresSettings).map(([k, v]) => `${k}=${v}`).join(", "));
  line("postgres connection", r.machine.postgresConnection);
  const l = r.configuration.ingestLimits;
  const changed = Object.entries(r.configuration.serverEnv);
  line(`server ingest limits (${changed.length ? "changed" : "defaults"})`, `${l.concurrency} writers, queue ${l.queue}, ${l.maxPendingBytes / 2 ** 20} MiB pending, Retry-After ${l.retryAfterSeconds} s, ${l.workers ?? 0} ingest worker thread(s)`);
  if (changed.length) line("server settings changed", changed.map(([k, v]) => `${k}=${v}`).join(", "));
  line("server process measured", `pid ${r.configuration.server.measuredPid} (spawned ${r.configuration.server.spawnedPid}; ${r.configuration.server.processes.length} process(es))`);
  line("server node flags", r.configuration.server.nodeFlags.join(" ") || "none");
  const w = r.workload;
  line("events", `${w.events} (${w.writes} writes, ${w.reads} reads) in ${w.batches} batches of ${r.configuration.batchSize}`);
  line("objects", Object.entries(w.objects).map(([k, v]) => `${v} ${k}`).join(", "));
  line("average event", `${w.avgEventBytes} bytes (${w.batchMiB} MiB posted)`);

  console.log("\n-- throughput (real HTTP, concurrency " + r.configuration.concurrency + ")");
  const t = r.throughput;
  line("wall time", `${t.wallS} s`);
  line("events/s (app, end to end)", t.eventsPerSecond);
  line("batch latency p50 / p99 / max", `${t.batchLatencyMs.p50} / ${t.batchLatencyMs.p99} / ${t.batchLatencyMs.max} ms`);
  if (t.batchLatencyMs.p99AfterFirstSecond !== undefined) line("batch latency p99 after the first second", `${t.batchLatencyMs.p99AfterFirstSecond} ms`);
  line("answers by status", JSON.stringify(t.statuses));
  line("batches ok / failed / short", `${t.okBatches} / ${t.failedBatches} / ${t.shortBatches}`);
  for (const failure of t.failures) line("  failure", failure);
  line("server RSS peak (VmHWM) / end", `${t.peakRssMiB} / ${t.endRssMiB} MiB`);
  line("CPU s: server / postgres / client", `${t.cpu.serverS} / ${t.cpu.postgresS} / ${t.cpu.benchClientS} (of ${round(t.cpu.wallS * r.machine.cpus)} available)`);
  line("server CPU in the kernel; page faults", `${t.cpu.serverSystemS} s; ${t.cpu.serverMinorFaults} minor faults`);
  if (t.pgActivity) {
    const a = t.pgActivity;
    line("postgres statements running at once", `${Object.entries(a.activeBackends).map(([n, share]) => `${n}: ${share}%`).join(", ")} of ${a.samples} samples`);
    for (const s of a.statements.slice(0, 8)) line(`  ${s.share}% ${s.wait}`, s.statement);
  }

  console.log("\n-- raw limit: COPY FROM STDIN of the same rows (one transaction, indexes in place)");
  for (const table of r.copy.tables) line(`  ${table.table}`, `${table.rows} rows, ${table.MiB} MiB, ${table.s} s`);
  line("COPY time", `${r.copy.s} s`);
  line("events/s (COPY)", r.copy.eventsPerSecond);
  line("app / COPY", r.appOverCopy);

  console.log(`\n-- overload (${r.configuration.overloadInFlight} in flight, resent after ${r.configuration.overloadPauseMs} ms)`);
  const o = r.overload;
  line("events / wall time", `${o.events} in ${o.wallS} s${o.timedOut ? " (time limit reached)" : ""}: ${o.eventsPerSecond} events/s stored`);
  line("answers by status", JSON.stringify(o.statuses));
  line("429 answers", o.refused429);
  line("batches stored / undelivered", `${o.okBatches} / ${o.undeliveredBatches}`);
  line("RSS min / median / max", `${o.rssMiB.min} / ${o.rssMiB.median} / ${o.rssMiB.max} MiB (${o.rssMiB.samples} samples)`);
  line("RSS over the phase (0/25/50/75/100%)", `${[0, 0.25, 0.5, 0.75, 1].map((f) => o.rssSamplesMiB[Math.round(f * (o.rssSamplesMiB.length - 1))]).join(" / ")} MiB`);
  line("RSS max / median", o.maxOverMedian);
  line("RSS max / throughput peak", o.maxOverThroughputPeak);
  line("RSS max / first sample (growth)", o.maxOverFirstSample);
  line("RSS max, 2nd half / 1st half (trend)", o.trend);
  line("server RSS peak (VmHWM) after", `${o.peakRssMiB} MiB`);
  line("batch latency p50 / p99 (200s)", `${o.batchLatencyMs.p50} / ${o.batchLatencyMs.p99} ms`);
  line("CPU s: server / postgres / client", `${o.cpu.serverS} / ${o.cpu.postgresS} / ${o.cpu.benchClientS} (of ${round(o.cpu.wallS * r.machine.cpus)} available)`);

  console.log("\n-- stored");
  line("audit_receipts rows", r.stored.receipts);
  line("accepted in 200 answers", `${r.stored.acceptedIn200Answers} (${r.stored.equal ? "equal" : "DIFFERENT"})`);

  console.log("\n-- goals");
  for (const g of r.goals) line(`${g.met ? "met    " : "NOT MET"} ${g.goal}`, g.value);
}

export function writeReport(r: BenchReport, dir: string, stamp: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `ingest-${stamp}.json`);
  fs.writeFileSync(file, JSON.stringify(r, null, 2) + "\n");
  return file;
}
