import fs from "node:fs";
import path from "node:path";
import type { BenchReport } from "../ingest/report";
import type { MachineInfo } from "../ingest/procfs";
import type { CaseGroup, CasePath, Produced } from "./cases";
import type { TraceBreakdown } from "./breakdown";
import type { LoadStats } from "./dataset/load";
import type { CaseProfile, Summary } from "./measure";
import { round } from "../ingest/stats";

/** What a run of `npm run bench:query` found, printed and written as JSON. */
export interface QueryReport {
  date: string;
  source: BenchReport["source"];
  machine: MachineInfo & { postgres: Record<string, string> };
  /** 1-minute load average before loading, before measuring and after (the machine is shared). */
  loadAverage: { beforeLoad: number; beforeMeasuring: number; after: number };
  settings: { runs: number; warmup: number; http: boolean; namespaces: number };
  data: {
    cluster: string;
    objects: number;
    entries: number;
    relations: number;
    /** Of the simulated cluster, by resource. */
    byResource: Array<{ resource: string; objects: number; entries: number; entriesInWindow: number }>;
    /** Rows in the three template clusters (real scenarios through the real ingestor). */
    templateEntries: number;
    databaseMiB: number;
    historyEntriesMiB: { heap: number; toast: number; indexes: number };
    load: LoadStats[];
    loadSeconds: number;
    window: { start: string; end: string };
  };
  subjects: Array<{ subject: string; object: string; traceObjects: number; traceEntries: number; json: { detailsKiB: number; diffKiB: number; snapshotKiB: number; snapshots: number } }>;
  cases: Array<
    { group: CaseGroup; subject: string; path: CasePath; goalMs?: number; baseline?: string; produced: Produced; statements?: number; statementMs?: number; byKind?: CaseProfile["byKind"]; profileWallMs?: number; profileCpuMs?: number; gcMsPerRun: number; runsMs: number[] } & Summary
  >;
  ratios: Array<{ what: string; ratio: number }>;
  goals: Array<{ goal: string; value: string; met: boolean }>;
  breakdowns: TraceBreakdown[];
  explain: Array<{ case: string; statementMs: number; serverMs: number; text: string; plan: string }>;
}

const PATH_ORDER: CasePath[] = ["sql", "roots", "model", "api", "http"];
const GROUP_TITLES: Record<CaseGroup, string> = {
  baseline: "baselines",
  "single object": "one object's trace over 24 h",
  "full tree": "full tree of a Deployment with 100 Pods, 24 h",
  search: "searches (Jaeger v3 trace-summaries: any service, one tag, 24 h, up to 20 traces built)",
};

export function printReport(r: QueryReport): void {
  const line = (label: string, value: string | number) => console.log(`  ${label.padEnd(30)} ${value}`);
  console.log("\n=== Kubetrail query benchmark ===");
  line("date", r.date);
  line("source", `${r.source.commit}${r.source.changedFiles > 0 ? ` + ${r.source.changedFiles} changed files` : " (no changes outside bench/ and docs/)"}`);
  line("machine", `${r.machine.cpus} CPUs (nproc), ${r.machine.cpuModel}, ${r.machine.memoryGiB} GiB, Linux ${r.machine.kernel}`);
  const { server_version: postgresVersion, ...postgresSettings } = r.machine.postgres;
  line("software", `node ${r.machine.node}, PostgreSQL ${postgresVersion}`);
  line("postgres settings", Object.entries(postgresSettings).map(([k, v]) => `${k}=${v}`).join(", "));
  line("load average (1 min)", `${r.loadAverage.beforeLoad} before loading, ${r.loadAverage.beforeMeasuring} before measuring, ${r.loadAverage.after} after`);
  line("runs", `${r.settings.runs} timed per case after ${r.settings.warmup} warm-up rounds, round-robin`);

  const d = r.data;
  console.log(`\n-- data (cluster "${d.cluster}", a simulated week; the window is the last day)`);
  line("stored", `${d.entries} history entries over ${d.objects} objects, ${d.relations} relations (all clusters; ${d.templateEntries} entries are the real template scenarios)`);
  for (const row of d.byResource) line(`  ${row.resource}`, `${row.objects} objects, ${row.entries} entries (${row.entriesInWindow} in the window)`);
  line("database size", `${d.databaseMiB} MiB; history_entries ${d.historyEntriesMiB.heap} MiB heap + ${d.historyEntriesMiB.toast} MiB TOAST + ${d.historyEntriesMiB.indexes} MiB indexes`);
  line("load", `${d.loadSeconds} s (${d.load.map((s) => `${s.table} ${s.seconds} s`).join(", ")})`);
  line("window", `${d.window.start} .. ${d.window.end}`);
  for (const s of r.subjects) {
    line(s.subject, `${s.object}: ${s.traceObjects} objects, ${s.traceEntries} entries in its trace`);
    line("", `stored JSON: details ${s.json.detailsKiB} KiB, diffs ${s.json.diffKiB} KiB, ${s.json.snapshots} snapshots ${s.json.snapshotKiB} KiB`);
  }

  for (const group of Object.keys(GROUP_TITLES) as CaseGroup[]) {
    const cases = r.cases.filter((c) => c.group === group);
    if (cases.length === 0) continue;
    const goal = cases.find((c) => c.goalMs !== undefined)?.goalMs;
    console.log(`\n-- ${GROUP_TITLES[group]}${goal ? ` (goal: p95 < ${goal} ms)` : ""}: p50 / p95 / max ms [statements per run; this process's CPU ms / wall ms, medians of 5 more runs; mean GC pause ms per timed run]`);
    const subjects = [...new Set(cases.map((c) => c.subject))];
    for (const subject of subjects) {
      console.log(`  ${subject}`);
      for (const c of cases.filter((x) => x.subject === subject).sort((a, b) => PATH_ORDER.indexOf(a.path) - PATH_ORDER.indexOf(b.path))) {
        const produced = Object.entries(c.produced).map(([k, v]) => `${v} ${k}`).join(", ");
        const statements = c.statements !== undefined ? ` [${c.statements}; ${c.profileCpuMs} / ${c.profileWallMs}; gc ${c.gcMsPerRun}]` : ` [gc ${c.gcMsPerRun}]`;
        const flag = c.goalMs !== undefined && c.p95 >= c.goalMs ? "  <-- over the goal" : "";
        console.log(`      ${c.path.padEnd(6)} ${`${c.p50} / ${c.p95} / ${c.max}`.padEnd(26)}${statements.padEnd(32)} ${produced}${flag}`);
        if (group === "search" && c.path === "api" && c.byKind) {
          console.log(`             statements (count × summed ms, overlapping): ${Object.entries(c.byKind).map(([kind, k]) => `${kind} ${k.count} × ${k.ms}`).join(", ")}`);
        }
      }
    }
  }

  console.log("\n-- ratios (p50 over p50, same run)");
  for (const ratio of r.ratios) line(ratio.what, ratio.ratio);

  console.log("\n-- where a trace's time goes (ms, medians, warm): assemble [statements, server plan+execute] + layout + OTLP JSON text");
  for (const b of r.breakdowns) {
    line(b.subject.replace(", 24 h", "").replace(/ \(.*\)/, ""), `${b.assembleMs} [${b.statements}, ${b.serverPlanAndExecuteMs}] + ${b.layoutMs} + ${b.otlpJsonMs} (${round(b.otlpJsonBytes / 2 ** 20, 2)} MiB)`);
  }

  console.log("\n-- goals");
  for (const g of r.goals) line(`${g.met ? "met    " : "NOT MET"} ${g.goal}`, g.value);

  for (const e of r.explain) {
    console.log(`\n-- EXPLAIN (ANALYZE, BUFFERS) of ${e.case}: ${e.serverMs} ms on the server, ${e.statementMs} ms seen by the client in the profiled run`);
    console.log(e.text.trim().replace(/^\s+/gm, "    "));
    console.log(e.plan.replace(/^/gm, "    "));
  }
}

export function writeReport(r: QueryReport, dir: string, stamp: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `query-${stamp}.json`);
  fs.writeFileSync(file, JSON.stringify(r, null, 2) + "\n");
  return file;
}
