import { PerformanceObserver, type PerformanceEntry } from "node:perf_hooks";
import type { Sql } from "../../server/store/database";
import { percentile, round } from "../ingest/stats";
import type { Produced, QueryCase } from "./cases";
import { StatementLog, type LoggedStatement } from "./statementLog";
import { CHILDREN_SQL, ENTRIES_SQL, OBJECTS_SQL, PARENTS_SQL, RELATED_SQL } from "../../server/query/trace/assemble";

const KNOWN_STATEMENTS: Array<[string, string]> = [
  [ENTRIES_SQL, "entries"],
  [OBJECTS_SQL, "objects"],
  [PARENTS_SQL, "walk up"],
  [CHILDREN_SQL, "walk down"],
  [RELATED_SQL, "related"],
];

/** What a statement is for, by the trace and search code's own SQL. */
function statementKind(text: string): string {
  const known = KNOWN_STATEMENTS.find(([sql]) => sql === text);
  if (known) return known[1];
  if (text.startsWith("SELECT 1 FROM objects")) return "root exists";
  if (text.includes("ORDER BY h.start_time DESC")) return "search: recent entries";
  if (text.includes("CROSS JOIN LATERAL") && text.includes("min(h.start_time)")) return "search: roots";
  return text.trim().split(/\s+/).slice(0, 4).join(" ");
}

export interface CaseTiming {
  case: QueryCase;
  /** Wall time of each timed run, ms. */
  ms: number[];
  /** Garbage-collection pauses of this process during each timed run, ms. */
  gcMs: number[];
  produced: Produced;
}

export interface Summary {
  p50: number;
  p95: number;
  max: number;
  mean: number;
}

export function summarize(ms: number[]): Summary {
  return { p50: round(percentile(ms, 50), 2), p95: round(percentile(ms, 95), 2), max: round(Math.max(...ms), 2), mean: round(ms.reduce((a, b) => a + b, 0) / ms.length, 2) };
}

function checkProduced(c: QueryCase, produced: Produced): void {
  const empty = (produced.spans ?? 1) === 0 || (produced.traces ?? 1) === 0 || (produced.rows ?? 1) === 0 || (produced.bytes ?? 1) === 0;
  if (empty) throw new Error(`${c.subject} (${c.path}) found nothing: ${JSON.stringify(produced)}`);
}

/**
 * Runs every case `warmup + runs` times, one at a time, round-robin: each round runs each case
 * once, so that a burst of load from elsewhere on the machine lands on all cases alike rather
 * than on whichever case was running then. The warm-up rounds are not timed. Garbage-collection
 * pauses are recorded too and charged to the run they fell in (a pause may be the bill for
 * garbage an earlier case left).
 */
export async function measure(cases: QueryCase[], sql: Sql, rounds: { runs: number; warmup: number }, log: (line: string) => void): Promise<CaseTiming[]> {
  const timings: CaseTiming[] = cases.map((c) => ({ case: c, ms: [], gcMs: [], produced: {} }));
  const pauses: PerformanceEntry[] = [];
  const observer = new PerformanceObserver((list) => pauses.push(...list.getEntries()));
  observer.observe({ entryTypes: ["gc"] });
  const runs: Array<{ timing: CaseTiming; from: number; to: number }> = [];
  const total = rounds.warmup + rounds.runs;
  const started = performance.now();
  try {
    for (let round = 0; round < total; round++) {
      for (const timing of timings) {
        const begun = performance.now();
        const produced = await timing.case.run(sql);
        const ended = performance.now();
        if (round === 0) {
          checkProduced(timing.case, produced);
          timing.produced = produced;
        }
        if (round >= rounds.warmup) {
          timing.ms.push(ended - begun);
          runs.push({ timing, from: begun, to: ended });
        }
      }
      if ((round + 1) % 10 === 0 || round + 1 === rounds.warmup) log(`  round ${round + 1}/${total}${round < rounds.warmup ? " (warm-up)" : ""}, ${Math.round((performance.now() - started) / 1000)} s`);
    }
    // The observer delivers entries asynchronously: let it catch up.
    await new Promise((resolve) => setTimeout(resolve, 50));
  } finally {
    observer.disconnect();
  }
  let next = 0;
  pauses.sort((a, b) => a.startTime - b.startTime);
  for (const run of runs) {
    let gc = 0;
    while (next < pauses.length && pauses[next]!.startTime < run.from) next++;
    for (let i = next; i < pauses.length && pauses[i]!.startTime < run.to; i++) gc += pauses[i]!.duration;
    run.timing.gcMs.push(gc);
  }
  return timings;
}

/** What one run of a case asks of the database, and of this process's CPU. */
export interface CaseProfile {
  statements: number;
  /** Statements by what they are for: count and summed client-side ms. */
  byKind: Record<string, { count: number; ms: number }>;
  /** Sum of the statements' times (concurrent ones overlap). */
  statementMs: number;
  /** Median wall time and CPU time (user + system) of this process over the profiling runs. */
  wallMs: number;
  cpuMs: number;
  log: LoggedStatement[];
}

const PROFILE_RUNS = 5;

/**
 * A few more runs of `c`: the statements of the last one recorded, and how much of the wall
 * time this process spent on the CPU (close to all of it: the case is bound by JavaScript work
 * here — parsing rows, laying out spans, writing JSON — rather than waiting for Postgres).
 */
export async function profileCase(c: QueryCase, sql: Sql): Promise<CaseProfile> {
  const walls: number[] = [];
  const cpus: number[] = [];
  let log = new StatementLog(sql);
  for (let i = 0; i < PROFILE_RUNS; i++) {
    log = new StatementLog(sql);
    const cpu = process.cpuUsage();
    const started = performance.now();
    await c.run(log);
    walls.push(performance.now() - started);
    const used = process.cpuUsage(cpu);
    cpus.push((used.user + used.system) / 1000);
  }
  const byKind: CaseProfile["byKind"] = {};
  for (const statement of log.statements) {
    const kind = (byKind[statementKind(statement.text)] ??= { count: 0, ms: 0 });
    kind.count++;
    kind.ms = round(kind.ms + statement.ms, 2);
  }
  return { statements: log.statements.length, byKind, statementMs: round(log.totalMs, 2), wallMs: round(percentile(walls, 50), 2), cpuMs: round(percentile(cpus, 50), 2), log: log.statements };
}
