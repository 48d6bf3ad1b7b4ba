import { describe, expect, it } from "vitest";
import { QUICK_RANGES, quickRangeOf } from "./quickRanges";

describe("quick ranges", () => {
  it("stand for an absolute range ending at the next whole second, or none for any time", () => {
    const now = Date.parse("2026-12-07T10:11:12.345Z");
    const span = (label: string) => QUICK_RANGES.find((range) => range.label === label)!.span;
    expect(quickRangeOf(span("Last hour"), now)).toEqual({ from: "2026-12-07T09:11:13Z", to: "2026-12-07T10:11:13Z" });
    expect(quickRangeOf(span("Last day"), now)).toEqual({ from: "2026-12-06T10:11:13Z", to: "2026-12-07T10:11:13Z" });
    expect(quickRangeOf(span("Last week"), now)).toEqual({ from: "2026-11-30T10:11:13Z", to: "2026-12-07T10:11:13Z" });
    expect(quickRangeOf(span("Any time"), now)).toEqual({ from: "", to: "" });
  });
});
