import { describe, expect, it } from "vitest";
import { isOlderVersion } from "./resourceVersion";

describe("isOlderVersion", () => {
  it("compares etcd's integer versions as numbers, not as text", () => {
    expect(isOlderVersion("9", "10")).toBe(true);
    expect(isOlderVersion("10", "9")).toBe(false);
    expect(isOlderVersion("22003", "22003")).toBe(false);
    expect(isOlderVersion("123456789012345678901234567", "123456789012345678901234568")).toBe(true);
  });

  it("calls nothing older that is not an integer on both sides", () => {
    expect(isOlderVersion("abc", "10")).toBe(false);
    expect(isOlderVersion("9", "abc")).toBe(false);
    expect(isOlderVersion(null, "10")).toBe(false);
    expect(isOlderVersion("9", null)).toBe(false);
  });
});
