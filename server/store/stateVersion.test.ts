import { describe, expect, it } from "vitest";
import { afterUntoldChange, isOlderThanState, toldVersion } from "./stateVersion";

describe("the version of a stored state", () => {
  it("is the resourceVersion told, and counts the changes made of it that told none", () => {
    expect(afterUntoldChange("100144")).toBe("100144+1");
    expect(afterUntoldChange("100144+1")).toBe("100144+2");
    expect(afterUntoldChange(null)).toBeNull();
    expect(toldVersion("100144+2")).toBe("100144");
    expect(toldVersion("100144")).toBe("100144");
    expect(toldVersion(null)).toBeNull();
  });

  it("takes a write of the version told for older than a state changed since, and newer ones for newer", () => {
    expect(isOlderThanState("100143", "100144")).toBe(true);
    expect(isOlderThanState("100144", "100144")).toBe(false);
    expect(isOlderThanState("100144", "100144+1")).toBe(true);
    expect(isOlderThanState("100145", "100144+1")).toBe(false);
    // etcd versions compare as integers, not as text.
    expect(isOlderThanState("99999", "100144+1")).toBe(true);
  });

  it("never takes a version that is not an etcd one for older, nor anything for older than no version", () => {
    expect(isOlderThanState("abc", "100144")).toBe(false);
    expect(isOlderThanState("1", "abc+1")).toBe(false);
    expect(isOlderThanState(null, "100144")).toBe(false);
    expect(isOlderThanState("1", null)).toBe(false);
  });
});
