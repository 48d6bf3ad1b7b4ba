import { describe, expect, it } from "vitest";
import { axisLabelShift } from "./axisLabels";

describe("axisLabelShift", () => {
  it("leaves a label that fits centred on its tick", () => {
    expect(axisLabelShift(600, 50, 1200)).toBe(0);
    expect(axisLabelShift(25, 50, 1200)).toBe(0);
  });

  it("moves a label at the lane's left edge right, and one at its right edge left, to just inside", () => {
    // "17:58:30" (about 50 px of 11 px text) on a tick 3 px from either edge.
    expect(axisLabelShift(3, 50, 1200)).toBe(22);
    expect(axisLabelShift(1197, 50, 1200)).toBe(-22);
    expect(axisLabelShift(0, 50, 1200)).toBe(25);
  });

  it("keeps the start of a label wider than the lane in view", () => {
    expect(axisLabelShift(40, 120, 100)).toBe(20);
  });
});
