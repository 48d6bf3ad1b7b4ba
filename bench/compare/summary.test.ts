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

  it("judges no separation from one run of a side", () => {
    const c = compareRuns(recorded().slice(0, 2));
    expect(c.pairs).toBe(1);
    expect(new Set(c.figures.map((f) => f.separated))).toEqual(new Set(["one run"]));
    expect(formatComparison(c)).not.toContain("every head run");
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
      "| events/s, app end to end | 5,626 / 5,875 / 5,812 (mean 5,771) | 6,260 / 6,561 / 6,356 (mean 6,392) | 1.108, every head run better than every base run |",
    );
    expect(table.find((line) => line.startsWith("| events/s, COPY"))).toMatch(/\| \d\.\d{3} \|$/);
  });
});
