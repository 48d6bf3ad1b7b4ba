import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { BenchReport } from "../ingest/report";
import { compareRuns, formatComparison, type ComparedRun } from "./summary";

const report = (name: string): BenchReport => JSON.parse(fs.readFileSync(path.join(import.meta.dirname, "fixtures", `${name}.json`), "utf8")) as BenchReport;

/** The recorded runs in the order they ran: base, head, head, base, base, head. */
const recorded = (): ComparedRun[] => [
  { side: "base", report: report("base-1") },
  { side: "head", report: report("head-1") },
  { side: "head", report: report("head-2") },
  { side: "base", report: report("base-2") },
  { side: "base", report: report("base-3") },
  { side: "head", report: report("head-3") },
];

describe("compareRuns", () => {
  it("gives each side's runs, their means and the ratio of the means", () => {
    const c = compareRuns(recorded());
    expect(c).toMatchObject({ baseCommit: "4b6e625", headCommit: "e1232a6", pairs: 3, problems: [] });
    const throughput = c.figures.find((f) => f.label === "events/s, app end to end")!;
    expect(throughput.base).toEqual([5626, 5875, 5812]);
    expect(throughput.head).toEqual([6260, 6561, 6356]);
    expect(throughput.baseMean).toBeCloseTo(5771, 0);
    expect(throughput.headMean).toBeCloseTo(6392.3, 1);
    expect(throughput.ratio).toBeCloseTo(6392.33 / 5771, 3);
  });

  it("says when every head run beats every base run, and when the runs overlap", () => {
    const c = compareRuns(recorded());
    const figure = (label: string) => c.figures.find((f) => f.label === label)!;
    // 6,260–6,561 against 5,626–5,875 events/s; 30.7–32.3 against 34.5–35.3 s of server CPU.
    expect(figure("events/s, app end to end").separated).toBe("head better");
    expect(figure("server CPU per event (µs)").separated).toBe("head better");
    expect(figure("server CPU per event (µs)").headMean).toBeCloseTo(((32.3 + 30.7 + 31.6) / 3) * 5, 1);
    // COPY runs the same statements on both sides: its figures overlap.
    expect(figure("events/s, COPY of the same rows").separated).toBe("overlapping");
    // Swapped, the same runs make head the worse side.
    const swapped = recorded().map(({ side, report }) => ({ side: side === "base" ? ("head" as const) : ("base" as const), report }));
    expect(compareRuns(swapped).figures.find((f) => f.label === "events/s, app end to end")!.separated).toBe("head worse");
  });

  it("gives each pair's own ratio, base and head of back-to-back runs, whichever ran first", () => {
    const c = compareRuns(recorded());
    const throughput = c.figures.find((f) => f.label === "events/s, app end to end")!;
    // Runs: base 5,626 then head 6,260; head 6,561 then base 5,875; base 5,812 then head 6,356.
    expect(throughput.pairRatios.map((r) => Number(r.toFixed(4)))).toEqual([Number((6260 / 5626).toFixed(4)), Number((6561 / 5875).toFixed(4)), Number((6356 / 5812).toFixed(4))]);
    expect(throughput.everyPair).toBe("head better");
  });

  it("tells every pair better from a spread the means cannot see through", () => {
    // A VM slowing down through the comparison: each side's runs overlap the other's, but
    // within each pair head is 5% faster.
    const runs = recorded().slice(0, 4).map((run) => structuredClone(run));
    const speeds = [10_000, 10_500, 8_400, 8_000];
    runs.forEach((run, i) => (run.report.throughput.eventsPerSecond = speeds[i]!));
    const throughput = compareRuns(runs).figures.find((f) => f.label === "events/s, app end to end")!;
    expect(throughput.separated).toBe("overlapping");
    expect(throughput.everyPair).toBe("head better");
    const mixed = runs.map((run) => structuredClone(run));
    mixed[2]!.report.throughput.eventsPerSecond = 7_900;
    expect(compareRuns(mixed).figures.find((f) => f.label === "events/s, app end to end")!.everyPair).toBe("mixed");
  });

  it("judges no separation from one run of a side", () => {
    const c = compareRuns(recorded().slice(0, 2));
    expect(c.pairs).toBe(1);
    expect(new Set(c.figures.map((f) => f.separated))).toEqual(new Set(["one run"]));
    expect(new Set(c.figures.map((f) => f.everyPair))).toEqual(new Set(["one pair"]));
    expect(formatComparison(c)).not.toContain("every head run");
    expect(formatComparison(c)).not.toContain("pairs");
  });

  it("names runs that lost events or had failed batches", () => {
    const runs = recorded();
    const lossy = structuredClone(runs[1]!.report);
    lossy.stored = { receipts: 279_600, acceptedIn200Answers: 280_000, equal: false };
    lossy.throughput.failedBatches = 2;
    runs[1] = { side: "head", report: lossy };
    const c = compareRuns(runs);
    expect(c.problems).toEqual(["run 2 (head): 279600 stored, 280000 accepted in 200 answers", "run 2 (head): 2 failed batches"]);
    expect(formatComparison(c)).toContain("- run 2 (head): 2 failed batches");
  });

  it("refuses runs of one side only", () => {
    expect(() => compareRuns(recorded().filter((r) => r.side === "base"))).toThrow(/at least one run of each side/);
  });
});

describe("formatComparison", () => {
  it("writes a Markdown table with every run, the means and the ratio", () => {
    const table = formatComparison(compareRuns(recorded())).split("\n");
    expect(table[0]).toBe("| Figure | `4b6e625` (base) | `e1232a6` (head) | head / base |");
    expect(table[1]).toBe("| --- | --- | --- | --- |");
    expect(table).toContain(
      "| events/s, app end to end | 5,626 / 5,875 / 5,812 (mean 5,771) | 6,260 / 6,561 / 6,356 (mean 6,392) | 1.108, every head run better than every base run; pairs 1.11 / 1.12 / 1.09, every pair better |",
    );
    // COPY runs the same statements on both sides: its runs overlap, though the VM made head's faster in each pair.
    expect(table).toContain("| events/s, COPY of the same rows | 23,671 / 24,156 / 24,057 (mean 23,961) | 24,010 / 25,497 / 26,210 (mean 25,239) | 1.053; pairs 1.01 / 1.06 / 1.09, every pair better |");
  });
});
