import { describe, expect, it } from "vitest";
import { compareRuns } from "../compare/summary";
import { CPU_COMPARISON, figuresOf, medianOf, type CpuReport, type CpuRound } from "./report";

/** A round as bench/cpu/measure.ts prints it: the figures of a 100,000-event round of 2026-12-06. */
function round(ingestUserS: number, parseS: number): CpuRound {
  return {
    events: 100_000,
    ingest: { wallS: 9.7, userS: ingestUserS, systemS: 0.77, minorFaults: 66_000, postgresS: 5.11, gcS: 0.68 },
    // Every fourth batch of 400 events parsed once more: 63 batches.
    parseSample: { events: 25_200, cpuS: parseS },
    floor: { cpuS: 2.4, rows: 60_000 },
    lean: { cpuS: 4.2, rows: 60_000 },
  };
}

describe("bench:cpu figures", () => {
  it("turns a round's seconds into microseconds per event, and ingest's CPU into parses of the same bytes", () => {
    const figures = figuresOf(round(7.58, 0.23688));
    expect(figures.ingestUs).toBeCloseTo(83.5, 5);
    expect(figures.parseUs).toBeCloseTo(9.4, 5);
    expect(figures.ingestOverParse).toBeCloseTo(83.5 / 9.4, 5);
    expect(figures.floorUs).toBeCloseTo(24, 5);
    expect(figures.ingestOverFloor).toBeCloseTo(83.5 / 24, 5);
    // A round from before the floor was measured (a report read back) has none.
    expect(figuresOf({ ...round(7.58, 0.23688), floor: undefined }).floorUs).toBeNaN();
    expect(figures.leanUs).toBeCloseTo(42, 5);
    expect(figures.leanOverFloor).toBeCloseTo(42 / 24, 5);
    expect(figures.ingestOverLean).toBeCloseTo(83.5 / 42, 5);
    expect(figuresOf({ ...round(7.58, 0.23688), lean: undefined }).ingestOverLean).toBeNaN();
    expect(figures).toMatchObject({ minorFaults: 0.66, eventsPerSecond: 100_000 / 9.7 });
    expect(figures.ingestSystemUs).toBeCloseTo(7.7, 5);
    expect(figures.gcUs).toBeCloseTo(6.8, 5);
    expect(figures.postgresUs).toBeCloseTo(51.1, 5);
  });

  it("takes each figure's median over the rounds on its own", () => {
    const rounds = [figuresOf(round(7.86, 0.23688)), figuresOf(round(7.47, 0.21168)), figuresOf(round(7.58, 0.252))];
    const median = medianOf(rounds);
    expect(median.ingestUs).toBeCloseTo(83.5, 5); // the third round's
    expect(median.parseUs).toBeCloseTo(9.4, 5); // the first round's: 9.4 between 8.4 and 10
    expect(median.ingestOverParse).toBeCloseTo(86.3 / 9.4, 5); // the first round's: 9.18 between 8.35 and 9.81
    // Of an even number of rounds, the mean of the middle two: 86.3 and 82.4 µs.
    expect(medianOf(rounds.slice(0, 2)).ingestUs).toBeCloseTo(84.35, 5);
  });

  it("compares two commits' runs by their medians, lower CPU being better", () => {
    const report = (commit: string, ingestUserS: number): CpuReport => {
      const figures = [figuresOf(round(ingestUserS, 0.23688))];
      return { source: { commit }, median: medianOf(figures), rounds: figures } as unknown as CpuReport;
    };
    const c = compareRuns(
      [
        { side: "base", report: report("aaaaaaa", 7.58) },
        { side: "head", report: report("bbbbbbb", 6.82) },
        { side: "head", report: report("bbbbbbb", 6.9) },
        { side: "base", report: report("aaaaaaa", 7.7) },
      ],
      CPU_COMPARISON,
    );
    expect(c).toMatchObject({ baseCommit: "aaaaaaa", headCommit: "bbbbbbb", pairs: 2, problems: [] });
    const ingest = c.figures.find((f) => f.label === "ingest, CPU per event (µs)")!;
    expect(ingest).toMatchObject({ separated: "head better", everyPair: "head better" });
    expect(ingest.ratio).toBeCloseTo((75.9 + 76.7) / (83.5 + 84.7), 5);
    expect(c.figures.find((f) => f.label === "events/s on one thread")!.separated).toBe("overlapping");
  });
});
