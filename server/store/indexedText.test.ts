import { describe, expect, it } from "vitest";
import { unstorableTextProblem, utf8LongerThan } from "./indexedText";

describe("utf8LongerThan", () => {
  it("counts UTF-8 bytes, not UTF-16 units", () => {
    const samples = ["", "a", "é", "名", "😀", "a名😀é", "\ud800", "x\udc00y"];
    for (const text of samples) {
      // A lone surrogate is written as U+FFFD (3 bytes), as Buffer.byteLength counts it.
      const bytes = Buffer.byteLength(text, "utf8");
      expect(utf8LongerThan(text, bytes)).toBe(false);
      if (bytes > 0) expect(utf8LongerThan(text, bytes - 1)).toBe(true);
    }
  });

  it("decides at the limit on long texts", () => {
    expect(utf8LongerThan("名".repeat(341), 1024)).toBe(false); // 1,023 bytes
    expect(utf8LongerThan("名".repeat(342), 1024)).toBe(true); // 1,026 bytes
    expect(utf8LongerThan("😀".repeat(256), 1024)).toBe(false); // 1,024 bytes
    expect(utf8LongerThan("😀".repeat(256) + "a", 1024)).toBe(true);
  });
});

describe("unstorableTextProblem", () => {
  it("finds a NUL anywhere, and a text over the index's limit", () => {
    expect(unstorableTextProblem("a\u0000")).toBe("contains a NUL character (U+0000), which cannot be stored");
    expect(unstorableTextProblem("a".repeat(300), 256)).toBe("longer than 256 bytes (UTF-8), more than the store indexes");
    expect(unstorableTextProblem("a".repeat(300))).toBeNull();
    expect(unstorableTextProblem("a".repeat(256), 256)).toBeNull();
  });
});
