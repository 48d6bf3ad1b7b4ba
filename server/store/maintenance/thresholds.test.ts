import { describe, expect, it } from "vitest";
import { maintenanceNeeded, type TableActivity } from "./thresholds";

const analysed: TableActivity = { table: "objects", reltuples: 1000, relpages: 10, pages: 10, modifiedSinceAnalyze: 0, deadRows: 0 };

describe("maintenanceNeeded", () => {
  it("analyses once more rows changed than autovacuum's threshold (50 + 10% of the rows)", () => {
    expect(maintenanceNeeded({ ...analysed, modifiedSinceAnalyze: 150 })).toEqual({ analyze: false, vacuum: false });
    expect(maintenanceNeeded({ ...analysed, modifiedSinceAnalyze: 151 })).toEqual({ analyze: true, vacuum: false });
  });

  it("vacuums once more rows are dead than autovacuum's threshold (50 + 20% of the rows)", () => {
    expect(maintenanceNeeded({ ...analysed, deadRows: 250 })).toEqual({ analyze: false, vacuum: false });
    expect(maintenanceNeeded({ ...analysed, deadRows: 251 })).toEqual({ analyze: false, vacuum: true });
  });

  it("analyses a table that holds rows and was never analysed, whatever the counters say (they start at zero when PGlite opens)", () => {
    expect(maintenanceNeeded({ ...analysed, reltuples: -1, relpages: 0, pages: 3 })).toEqual({ analyze: true, vacuum: false });
    expect(maintenanceNeeded({ ...analysed, reltuples: -1, relpages: 0, pages: 0 })).toEqual({ analyze: false, vacuum: false });
  });

  it("analyses and vacuums a table whose file grew by more than a fifth since it was last analysed or vacuumed (changes the counters lost on a restart)", () => {
    expect(maintenanceNeeded({ ...analysed, relpages: 100, pages: 128 })).toEqual({ analyze: false, vacuum: false });
    expect(maintenanceNeeded({ ...analysed, relpages: 100, pages: 129 })).toEqual({ analyze: true, vacuum: true });
  });
});
