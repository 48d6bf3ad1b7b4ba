import fs from "node:fs";
import path from "node:path";
import type { MachineInfo } from "../ingest/procfs";
import type { ComparisonSpec } from "../compare/summary";
import type { BenchReport } from "../ingest/report";

/** What the ingest pass of a round used: its process's CPU, faults and GC, and Postgres's CPU. */
export interface PassUse {
  wallS: number;
  userS: number;
  systemS: number;
  minorFaults: number;
  /** Every Postgres process's CPU over the pass (nothing else uses the server meanwhile). */
  postgresS: number;
  /** Garbage collection pauses of the process, within userS and systemS (the parse samples' too). */
  gcS: number;
}

/** One round (bench/cpu/measure.ts): the batches stored, and some of them parsed on the side. */
export interface CpuRound {
  events: number;
  /** Storing every batch, without the parse samples' CPU. */
  ingest: PassUse;
  /** The baseline: CPU of parsing the sampled batches' bodies once more, and their events. */
  parseSample: { events: number; cpuS: number };
  /** The floor (bench/cpu/floor.ts) over every batch, after ingest: its CPU, and the history rows it made. Absent in reports from before 2026-12-06 16:00. */
  floor?: { cpuS: number; rows: number };
  /** The lean pass (bench/cpu/lean.ts) over every batch, after the floor. Absent in reports from before 2026-12-06 18:00. */
  lean?: { cpuS: number; rows: number };
}

/** A round's figures per event, in microseconds (faults: per event). */
export interface RoundFigures {
  parseUs: number;
  ingestUs: number;
  ingestSystemUs: number;
  gcUs: number;
  minorFaults: number;
  postgresUs: number;
  /** ingestUs / parseUs: what ingest costs in parses of the same bytes, the machine's speed divided out. */
  ingestOverParse: number;
  /** The floor's CPU per event (bench/cpu/floor.ts): the least an ingest with every object's body in memory could spend. NaN when not measured. */
  floorUs: number;
  /** ingestUs / floorUs: how far the store's design is from that least. */
  ingestOverFloor: number;
  /** The lean pass's CPU per event (bench/cpu/lean.ts): ingest's own work without the store's reads, updates and locks. NaN when not measured. */
  leanUs: number;
  /** leanUs / floorUs: what validation, conversion, redaction, relations and the rest add to the floor. */
  leanOverFloor: number;
  /** ingestUs / leanUs: what the present store's reads, updates, locks and protocol add to that. */
  ingestOverLean: number;
  /** One thread's ingest rate (no other ingest thread competes for the CPUs). */
  eventsPerSecond: number;
}

export interface CpuReport {
  kind: "cpu";
  date: string;
  source: BenchReport["source"];
  machine: MachineInfo & { postgresConnection: string };
  /** The Postgres server's version string. */
  postgres: string;
  settings: { events: number; rounds: number; inFlight: number; batchSize: number; nodeFlags: readonly string[] };
  workload: { events: number; writes: number; reads: number; averageEventBytes: number };
  rounds: RoundFigures[];
  /** The median of each figure over the rounds. */
  median: RoundFigures;
}

export function figuresOf(round: CpuRound): RoundFigures {
  const perEvent = (seconds: number) => (seconds * 1e6) / round.events;
  const parseUs = (round.parseSample.cpuS * 1e6) / round.parseSample.events;
  const ingestUs = perEvent(round.ingest.userS + round.ingest.systemS);
  const floorUs = round.floor ? perEvent(round.floor.cpuS) : Number.NaN;
  const leanUs = round.lean ? perEvent(round.lean.cpuS) : Number.NaN;
  return {
    parseUs,
    ingestUs,
    ingestSystemUs: perEvent(round.ingest.systemS),
    gcUs: perEvent(round.ingest.gcS),
    minorFaults: round.ingest.minorFaults / round.events,
    postgresUs: perEvent(round.ingest.postgresS),
    ingestOverParse: ingestUs / parseUs,
    floorUs,
    ingestOverFloor: ingestUs / floorUs,
    leanUs,
    leanOverFloor: leanUs / floorUs,
    ingestOverLean: ingestUs / leanUs,
    eventsPerSecond: round.events / round.ingest.wallS,
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function medianOf(rounds: readonly RoundFigures[]): RoundFigures {
  if (rounds.length === 0) throw new Error("no rounds");
  const keys = Object.keys(rounds[0]!) as Array<keyof RoundFigures>;
  return Object.fromEntries(keys.map((key) => [key, median(rounds.map((r) => r[key]))])) as unknown as RoundFigures;
}

const LABELS: Array<[keyof RoundFigures, string, number]> = [
  ["parseUs", "parse only, CPU per event (µs) [baseline]", 2],
  ["ingestUs", "ingest, CPU per event (µs)", 1],
  ["ingestOverParse", "ingest / parse", 2],
  ["floorUs", "floor, CPU per event (µs)", 1],
  ["ingestOverFloor", "ingest / floor", 2],
  ["leanUs", "lean pass, CPU per event (µs)", 1],
  ["leanOverFloor", "lean / floor", 2],
  ["ingestOverLean", "ingest / lean", 2],
  ["ingestSystemUs", "  of which in the kernel (µs)", 1],
  ["gcUs", "  of which GC pauses (µs)", 1],
  ["minorFaults", "minor page faults per event", 2],
  ["postgresUs", "Postgres CPU per event (µs)", 1],
  ["eventsPerSecond", "events/s on one thread", 0],
];

export function printCpuReport(r: CpuReport): void {
  const line = (label: string, value: string) => console.log(`  ${label.padEnd(44)} ${value}`);
  console.log("\n=== Kubetrail ingest CPU benchmark ===");
  line("date", r.date);
  line("source", `${r.source.commit}${r.source.changedFiles > 0 ? ` + ${r.source.changedFiles} changed files` : " (no changes outside bench/ and docs/)"}`);
  line("machine", `${r.machine.cpus} CPUs (nproc), ${r.machine.cpuModel}, ${r.machine.memoryGiB} GiB, Linux ${r.machine.kernel}`);
  line("software", `node ${r.machine.node}, ${r.postgres} (${r.machine.postgresConnection})`);
  line("workload", `${r.workload.events} events (${r.workload.writes} writes, ${r.workload.reads} reads), average ${r.workload.averageEventBytes} bytes`);
  line("settings", `${r.settings.rounds} rounds, batches of ${r.settings.batchSize} events, ${r.settings.inFlight} in flight, node ${r.settings.nodeFlags.join(" ")}`);
  console.log(`\n  ${"figure".padEnd(44)} ${"median".padStart(9)}   rounds`);
  for (const [key, label, digits] of LABELS) {
    const rounds = r.rounds.map((round) => round[key].toFixed(digits)).join(" / ");
    console.log(`  ${label.padEnd(44)} ${r.median[key].toFixed(digits).padStart(9)}   ${rounds}`);
  }
}

export function writeCpuReport(r: CpuReport, dir: string, stamp: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `cpu-${stamp}.json`);
  fs.writeFileSync(file, JSON.stringify(r, null, 2) + "\n");
  return file;
}

/** bench:cpu's reports, as `npm run bench:compare -- <base> --cpu` compares them: each run's medians. */
export const CPU_COMPARISON: ComparisonSpec<CpuReport> = {
  figures: [
    { label: "ingest, CPU per event (µs)", of: (r) => r.median.ingestUs, better: "lower", digits: 1 },
    { label: "parse only, CPU per event (µs) [baseline]", of: (r) => r.median.parseUs, better: "lower", digits: 1 },
    { label: "ingest / parse", of: (r) => r.median.ingestOverParse, better: "lower", digits: 2 },
    { label: "ingest / floor", of: (r) => r.median.ingestOverFloor, better: "lower", digits: 2 },
    { label: "ingest / lean", of: (r) => r.median.ingestOverLean, better: "lower", digits: 2 },
    { label: "ingest, CPU in the kernel per event (µs)", of: (r) => r.median.ingestSystemUs, better: "lower", digits: 1 },
    { label: "ingest, GC pauses per event (µs)", of: (r) => r.median.gcUs, better: "lower", digits: 1 },
    { label: "minor page faults per event", of: (r) => r.median.minorFaults, better: "lower", digits: 2 },
    { label: "Postgres CPU per event (µs)", of: (r) => r.median.postgresUs, better: "lower", digits: 1 },
    { label: "events/s on one thread", of: (r) => r.median.eventsPerSecond, better: "higher", digits: 0 },
  ],
  commitOf: (r) => r.source.commit,
  problemsOf: () => [], // a round that stores less than it was given fails (bench/cpu/measure.ts)
};
