import { describe, expect, it } from "vitest";
import { ParamError } from "../params";
import { DEFAULT_LOOKBACK_MICROS, lookbackMicrosOf, searchRangeOf } from "./searchRange";

describe("searchRangeOf (v1 search times, as Jaeger's query parser reads them)", () => {
  const now = Date.parse("2021-09-13T16:00:00Z") * 1000;
  const hour = 3_600_000_000;

  it("defaults end to now and start to 2 days before now", () => {
    expect(searchRangeOf({}, now)).toEqual({ start: now - DEFAULT_LOOKBACK_MICROS, end: now });
    expect(DEFAULT_LOOKBACK_MICROS).toBe(48 * hour);
    // Before now, not before end.
    expect(searchRangeOf({ end: BigInt(now - hour) }, now)).toEqual({ start: now - 48 * hour, end: now - hour });
    expect(searchRangeOf({ start: BigInt(now - hour) }, now)).toEqual({ start: now - hour, end: now });
  });

  it("takes start and end as given, before 1970 and empty ranges included", () => {
    expect(searchRangeOf({ start: -5n, end: -1n }, now)).toEqual({ start: -5, end: -1 });
    expect(searchRangeOf({ start: BigInt(now), end: BigInt(now) }, now)).toEqual({ start: now, end: now });
  });

  it("compares int64 times exactly, then saturates them into Numbers", () => {
    const max = 2n ** 63n - 1n;
    expect(() => searchRangeOf({ start: max, end: max - 1n }, now)).toThrow(new ParamError("start", "'start' should not be after 'end'"));
    expect(searchRangeOf({ start: -max - 1n, end: max }, now)).toEqual({ start: -Number.MAX_SAFE_INTEGER, end: Number.MAX_SAFE_INTEGER });
    expect(searchRangeOf({ end: max, lookbackMicros: hour }, now)).toEqual({ start: Number.MAX_SAFE_INTEGER - hour, end: Number.MAX_SAFE_INTEGER });
  });

  it("refuses start after end, naming the parameter to change", () => {
    expect(() => searchRangeOf({ start: BigInt(now), end: BigInt(now - 1) }, now)).toThrow(new ParamError("start", "'start' should not be after 'end'"));
    try {
      searchRangeOf({ end: BigInt(now - 49 * hour) }, now);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ParamError);
      expect(error).toMatchObject({ param: "end", message: "'end' should not be before 'start', which is 2 days before now when not given" });
    }
  });

  it("reaches back lookback from end when start is not given, and ignores it when start is", () => {
    expect(searchRangeOf({ end: BigInt(now - hour), lookbackMicros: 2 * hour }, now)).toEqual({ start: now - 3 * hour, end: now - hour });
    expect(searchRangeOf({ lookbackMicros: 7 * 24 * hour }, now)).toEqual({ start: now - 7 * 24 * hour, end: now });
    expect(searchRangeOf({ start: BigInt(now - hour), lookbackMicros: 7 * 24 * hour }, now)).toEqual({ start: now - hour, end: now });
  });

  it("reads lookback as a positive duration, custom as none", () => {
    expect(lookbackMicrosOf("2h")).toBe(2 * hour);
    expect(lookbackMicrosOf("7d")).toBe(7 * 24 * hour);
    expect(lookbackMicrosOf("custom")).toBeUndefined();
    expect(lookbackMicrosOf(undefined)).toBeUndefined();
    expect(lookbackMicrosOf("forever")).toBeNull();
    expect(lookbackMicrosOf("0s")).toBeNull();
  });
});
