import { describe, expect, it } from "vitest";
import { parseDurationMs } from "./duration";

describe("parseDurationMs", () => {
  it.each([
    ["90", 90_000],
    ["90s", 90_000],
    ["250ms", 250],
    ["15m", 900_000],
    ["1.5h", 5_400_000],
    ["14d", 1_209_600_000],
    ["2w", 1_209_600_000],
  ])("%s is %d ms", (text, ms) => expect(parseDurationMs(text)).toBe(ms));

  it.each(["", "h", "14 days", "-1s", "1y"])("rejects %j", (text) => expect(parseDurationMs(text)).toBeNull());
});
