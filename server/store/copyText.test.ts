import { describe, expect, it } from "vitest";
import { copyField, copyRow, copyStatement } from "./copyText";

describe("COPY text format", () => {
  it("escapes the characters COPY gives a meaning to, and nothing else", () => {
    expect(copyField("plain")).toBe("plain");
    expect(copyField('{"a":"x\\"y"}')).toBe('{"a":"x\\\\"y"}');
    expect(copyField("tab\there\nnew\rret")).toBe("tab\\there\\nnew\\rret");
    expect(copyField("üñí ☃ \\N")).toBe("üñí ☃ \\\\N");
  });

  it("writes null as \\N and other values as text", () => {
    expect(copyField(null)).toBe("\\N");
    expect(copyField(42)).toBe("42");
    expect(copyField(false)).toBe("false");
    expect(copyField("")).toBe("");
  });

  it("joins a row's columns with tabs and ends it with a newline", () => {
    expect(copyRow(["a", null, 1, "b\tc"])).toBe("a\t\\N\t1\tb\\tc\n");
  });

  it("refuses names that are not plain identifiers", () => {
    expect(copyStatement("history_entries", ["id", "object_id"])).toBe("COPY history_entries (id, object_id) FROM STDIN");
    expect(() => copyStatement("t; DROP TABLE x", ["id"])).toThrow(/not a plain SQL identifier/);
    expect(() => copyStatement("t", ['"id"'])).toThrow(/not a plain SQL identifier/);
  });
});
