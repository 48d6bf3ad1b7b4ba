import type { BenchReport } from "../ingest/report";

/**
 * What `npm run bench:compare` prints: the runs of two builds, alternated in the same minutes,
 * side by side, with each side's mean and the ratio of the means. On a VM whose speed moves by
 * a quarter between back-to-back runs, only such pairs tell a change from the machine.
 *
 * Each pair's own ratio too (head over base of two back-to-back runs): the VM's speed also
 * drifts over a comparison's quarter of an hour, which moves both runs of a pair alike but
 * spreads each side's runs, so that a change the means cannot tell from the spread may still
 * show in every pair.
 */

export type Side = "base" | "head";

export interface ComparedRun<R = BenchReport> {
  side: Side;
  report: R;
}

/** One figure of a run, how it is read from the report, and which way is better. */
export interface Figure<R> {
  label: string;
  of(report: R): number;
  better: "higher" | "lower";
  digits: number;
}

/** What a comparison reads from one kind of report (bench:ingest's, bench:cpu's). */
export interface ComparisonSpec<R> {
  figures: ReadonlyArray<Figure<R>>;
  commitOf(report: R): string;
  /** Why a run's figures mean nothing, if they don't. */
  problemsOf(report: R): string[];
}

const perEvent = (seconds: number, report: BenchReport) => (seconds * 1e6) / report.workload.events;

export const FIGURES: ReadonlyArray<Figure<BenchReport>> = [
  { label: "events/s, app end to end", of: (r) => r.throughput.eventsPerSecond, better: "higher", digits: 0 },
  { label: "batch latency p50 (ms)", of: (r) => r.throughput.batchLatencyMs.p50, better: "lower", digits: 1 },
  { label: "batch latency p99 (ms)", of: (r) => r.throughput.batchLatencyMs.p99, better: "lower", digits: 1 },
  { label: "server CPU per event (µs)", of: (r) => perEvent(r.throughput.cpu.serverS, r), better: "lower", digits: 1 },
  { label: "Postgres CPU per event (µs)", of: (r) => perEvent(r.throughput.cpu.postgresS, r), better: "lower", digits: 1 },
  { label: "server minor page faults", of: (r) => r.throughput.cpu.serverMinorFaults, better: "lower", digits: 0 },
  { label: "server peak RSS (MiB)", of: (r) => r.throughput.peakRssMiB, better: "lower", digits: 1 },
  { label: "events/s, COPY of the same rows", of: (r) => r.copy.eventsPerSecond, better: "higher", digits: 0 },
  { label: "app / COPY", of: (r) => r.appOverCopy, better: "higher", digits: 2 },
  { label: "overload: events stored per second", of: (r) => r.overload.eventsPerSecond, better: "higher", digits: 0 },
  { label: "overload RSS trend", of: (r) => r.overload.trend, better: "lower", digits: 2 },
];

export interface FigureComparison {
  label: string;
  digits: number;
  base: number[];
  head: number[];
  baseMean: number;
  headMean: number;
  /** headMean / baseMean. */
  ratio: number;
  /**
   * Every head run better than every base run, or every one worse: a change the runs' spread
   * does not explain. Not judged from a single run of a side.
   */
  separated: "head better" | "head worse" | "overlapping" | "one run";
  /** Head over base in each pair of back-to-back runs, in run order. */
  pairRatios: number[];
  /** Head better in every pair, or worse in every one. Not judged from a single pair. */
  everyPair: "head better" | "head worse" | "mixed" | "one pair";
}

export interface Comparison {
  baseCommit: string;
  headCommit: string;
  pairs: number;
  figures: FigureComparison[];
  /** Runs that lost events (stored ≠ accepted in 200 answers) or had failed batches: their figures mean nothing. */
  problems: string[];
}

const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;

/** bench:ingest's reports. */
export const INGEST_COMPARISON: ComparisonSpec<BenchReport> = {
  figures: FIGURES,
  commitOf: (report) => report.source.commit,
  problemsOf(report) {
    const problems: string[] = [];
    if (!report.stored.equal) problems.push(`${report.stored.receipts} stored, ${report.stored.acceptedIn200Answers} accepted in 200 answers`);
    if (report.throughput.failedBatches > 0) problems.push(`${report.throughput.failedBatches} failed batches`);
    return problems;
  },
};

export function compareRuns(runs: ReadonlyArray<ComparedRun<BenchReport>>): Comparison;
export function compareRuns<R>(runs: ReadonlyArray<ComparedRun<R>>, spec: ComparisonSpec<R>): Comparison;
export function compareRuns<R>(runs: ReadonlyArray<ComparedRun<R>>, spec: ComparisonSpec<R> = INGEST_COMPARISON as unknown as ComparisonSpec<R>): Comparison {
  const base = runs.filter((r) => r.side === "base").map((r) => r.report);
  const head = runs.filter((r) => r.side === "head").map((r) => r.report);
  if (base.length === 0 || head.length === 0) throw new Error("a comparison needs at least one run of each side");
  const problems: string[] = [];
  runs.forEach(({ side, report }, i) => {
    for (const problem of spec.problemsOf(report)) problems.push(`run ${i + 1} (${side}): ${problem}`);
  });
  const pairs = pairsOf(runs);
  const figures = spec.figures.map((figure): FigureComparison => {
    const b = base.map(figure.of);
    const h = head.map(figure.of);
    const pairRatios = pairs.map(([baseRun, headRun]) => figure.of(headRun) / figure.of(baseRun));
    const improves = (ratio: number) => (figure.better === "higher" ? ratio > 1 : ratio < 1);
    const worsens = (ratio: number) => (figure.better === "higher" ? ratio < 1 : ratio > 1);
    const headAbove = Math.min(...h) > Math.max(...b);
    const headBelow = Math.max(...h) < Math.min(...b);
    const better = figure.better === "higher" ? headAbove : headBelow;
    const worse = figure.better === "higher" ? headBelow : headAbove;
    return {
      label: figure.label,
      digits: figure.digits,
      base: b,
      head: h,
      baseMean: mean(b),
      headMean: mean(h),
      ratio: mean(h) / mean(b),
      separated: b.length < 2 || h.length < 2 ? "one run" : better ? "head better" : worse ? "head worse" : "overlapping",
      pairRatios,
      everyPair: pairRatios.length < 2 ? "one pair" : pairRatios.every(improves) ? "head better" : pairRatios.every(worsens) ? "head worse" : "mixed",
    };
  });
  return { baseCommit: spec.commitOf(base[0]!), headCommit: spec.commitOf(head[0]!), pairs: Math.min(base.length, head.length), figures, problems };
}

/** Runs 1 and 2, 3 and 4, … as [base, head] when they are one of each (bench:compare alternates base, head, head, base, …). */
function pairsOf<R>(runs: ReadonlyArray<ComparedRun<R>>): Array<[R, R]> {
  const pairs: Array<[R, R]> = [];
  for (let i = 0; i + 1 < runs.length; i += 2) {
    const [a, b] = [runs[i]!, runs[i + 1]!];
    if (a.side === b.side) continue;
    pairs.push(a.side === "base" ? [a.report, b.report] : [b.report, a.report]);
  }
  return pairs;
}

function formatNumber(value: number, digits: number): string {
  return value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** The comparison as a Markdown table, ready for docs/benchmarks.md. */
export function formatComparison(c: Comparison): string {
  const lines = [
    `| Figure | \`${c.baseCommit}\` (base) | \`${c.headCommit}\` (head) | head / base |`,
    "| --- | --- | --- | --- |",
  ];
  for (const f of c.figures) {
    const d = f.digits;
    const runs = (values: number[], m: number) => `${values.map((v) => formatNumber(v, d)).join(" / ")} (mean ${formatNumber(m, d)})`;
    const note = f.separated === "head better" ? ", every head run better than every base run" : f.separated === "head worse" ? ", every head run worse than every base run" : "";
    const pairs = f.pairRatios.length < 2 ? "" : `; pairs ${f.pairRatios.map((r) => r.toFixed(2)).join(" / ")}${f.everyPair === "head better" ? ", every pair better" : f.everyPair === "head worse" ? ", every pair worse" : ""}`;
    lines.push(`| ${f.label} | ${runs(f.base, f.baseMean)} | ${runs(f.head, f.headMean)} | ${f.ratio.toFixed(3)}${note}${pairs} |`);
  }
  if (c.problems.length > 0) lines.push("", "Problems (these runs' figures mean nothing):", ...c.problems.map((p) => `- ${p}`));
  return lines.join("\n");
}
