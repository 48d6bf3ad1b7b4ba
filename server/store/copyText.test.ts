import { describe, expect, it } from "vitest";
import { CopyTextBuilder, copyField, copyRow, copyStatement } from "./copyText";

describe("COPY text format", () => {
  it("escapes the characters COPY gives a meaning to, and nothing else", () => {
    expect(copyField("plain")).toBe("plain");
    expect(copyField('{"a":"x\\"y"}')).toBe('{"a":"x\\\\"y"}');
    expect(copyField("tab\there\nnew\rret")).toBe("tab\\there\\nnew\\rret");
    expect(copyField("üñí ☃ \\N")).toBe("üñí ☃ \\\\N");
    // Backslashes and control characters in one value, and backslashes in a row.
    expect(copyField("a\\b\tc\\\\\n")).toBe("a\\\\b\\tc\\\\\\\\\\n");
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

  it("builds text in pieces of whole rows that together are the rows in order", () => {
    const builder = new CopyTextBuilder();
    const rows = Array.from({ length: 300 }, (_, i) => [i, "x".repeat(i * 7), i % 3 ? null : "tab\there"] as const);
    for (const row of rows) builder.addRow(row);
    expect(builder.rows).toBe(300);
    const pieces = builder.take();
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces.join("")).toBe(rows.map((row) => copyRow(row)).join(""));
    for (const piece of pieces) {
      expect(piece.endsWith("\n")).toBe(true);
      // A piece passes the limit by at most one row (the longest row here is 2,100 characters).
      expect(piece.length).toBeLessThan(32 * 1024 + 2200);
    }
    expect(builder.take()).toEqual([]);
    expect(builder.rows).toBe(0);
  });

  it("keeps a row longer than a piece whole", () => {
    const builder = new CopyTextBuilder();
    builder.addRow(["a"]);
    builder.addRow(["y".repeat(100_000)]);
    builder.addRow(["b"]);
    expect(builder.take()).toEqual([`a\n${"y".repeat(100_000)}\n`, "b\n"]);
  });
});
