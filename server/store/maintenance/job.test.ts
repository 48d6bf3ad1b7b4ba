import { describe, expect, it } from "vitest";
import { maintenanceApplies } from "./job";

describe("maintenanceApplies", () => {
  it("maintains the embedded database, whose SHOW autovacuum says on though no launcher runs in it", () => {
    expect(maintenanceApplies("auto", "pglite", "on")).toBe(true);
  });

  it("maintains Postgres only where autovacuum is off", () => {
    expect(maintenanceApplies("auto", "postgres", "off")).toBe(true);
    expect(maintenanceApplies("auto", "postgres", "on")).toBe(false);
  });

  it("maintains nothing when turned off", () => {
    expect(maintenanceApplies("off", "pglite", "on")).toBe(false);
    expect(maintenanceApplies("off", "postgres", "off")).toBe(false);
  });
});
