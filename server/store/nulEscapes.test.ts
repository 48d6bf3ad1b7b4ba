import { describe, expect, it } from "vitest";
import { withoutNulEscapes } from "./nulEscapes";

describe("withoutNulEscapes", () => {
  it("replaces each NUL of the JSON's strings and keys by U+FFFD", () => {
    const json = JSON.stringify({ "k\u0000": ["a\u0000b", "\u0000\u0000"] });
    expect(JSON.parse(withoutNulEscapes(json))).toEqual({ "k\ufffd": ["a\ufffdb", "\ufffd\ufffd"] });
  });

  it("keeps an escaped backslash followed by the letters u0000, and the NUL after escaped backslashes", () => {
    const value = { text: "\\u0000", mixed: "\\\u0000", even: "\\\\u0000" };
    expect(JSON.parse(withoutNulEscapes(JSON.stringify(value)))).toEqual({ text: "\\u0000", mixed: "\\\ufffd", even: "\\\\u0000" });
  });

  it("returns JSON without a NUL as it was", () => {
    const json = JSON.stringify({ a: "b", c: [1, 2] });
    expect(withoutNulEscapes(json)).toBe(json);
  });
});
