import { describe, expect, it } from "vitest";
import type { IngestSummary } from "../audit/ingest";
import { addIngestResult, addUnreadable, createImportSummary, formatImportSummary } from "./importSummary";

function result(partial: Partial<IngestSummary>): IngestSummary {
  return { received: 0, accepted: 0, duplicates: 0, skipped: 0, history: 0, reads: 0, rejected: [], ...partial };
}

describe("import summary", () => {
  it("adds up batches and maps rejected batch positions to file lines", () => {
    const summary = createImportSummary();
    addIngestResult(
      summary,
      result({
        received: 4,
        accepted: 2,
        history: 1,
        skipped: 1,
        duplicates: 1,
        rejected: [{ index: 2, auditId: "a", reason: "stage: required" }],
      }),
      [3, 4, 7, 9],
    );
    addUnreadable(summary, { line: 8, error: "line 8 (byte 4711): invalid JSON: Unexpected end of JSON input", reason: "invalid JSON" });
    addIngestResult(summary, result({ received: 1, rejected: [{ index: 0, auditId: null, reason: "stage: required" }] }), [12]);
    expect(summary).toMatchObject({ valuesRead: 5, unreadable: 1, accepted: 2, history: 1, skipped: 1, duplicates: 1, rejected: 3 });
    expect([...summary.rejections.values()]).toEqual([
      { reason: "stage: required", count: 2, positions: [7, 12], morePositions: false, example: null },
      { reason: "invalid JSON", count: 1, positions: [8], morePositions: false, example: "line 8 (byte 4711): invalid JSON: Unexpected end of JSON input" },
    ]);
  });

  it("prints totals and rejections grouped by reason, most frequent first, with the first few lines", () => {
    const summary = createImportSummary();
    addIngestResult(summary, result({ received: 12_345, accepted: 10_000, history: 9_000, reads: 700, skipped: 300, duplicates: 2_338 }), []);
    for (const line of [20, 33, 40, 41, 50, 60, 70]) {
      addUnreadable(summary, { line: line, error: `line ${line}: invalid JSON: Unterminated string`, reason: "invalid JSON" });
    }
    addIngestResult(summary, result({ received: 1, rejected: [{ index: 0, auditId: null, reason: "auditID: required" }] }), [7]);
    expect(formatImportSummary(summary, { source: "audit.log.gz", cluster: "prod", elapsedMs: 61_000, interrupted: false })).toBe(
      [
        `Imported audit.log.gz into cluster "prod" in 1m01s`,
        "  read        12,353  12,346 JSON values, 7 pieces of text not readable as JSON",
        "  accepted    10,000  new: 9,000 history entries, 700 reads counted, 300 skipped as noise",
        "  duplicates   2,338  already stored, unchanged",
        "  rejected         8",
        "    7 × invalid JSON (lines 20, 33, 40, 41, 50, …)",
        "        e.g. line 20: invalid JSON: Unterminated string",
        "    1 × auditID: required (line 7)",
      ].join("\n"),
    );
  });

  it("counts what it read as JSON values, not as events, when the file held nothing else", () => {
    const summary = createImportSummary();
    addIngestResult(summary, result({ received: 3, accepted: 3, history: 3 }), [1, 2, 3]);
    expect(formatImportSummary(summary, { source: "audit.log", cluster: "c", elapsedMs: 0, interrupted: false }).split("\n")[1]).toBe("  read        3  JSON values");
  });

  it("counts the lines of a file that holds no JSON (a CSV) as text, not as events", () => {
    const summary = createImportSummary();
    // What the import makes of shared/fixtures/real/hkerma-kubernetes-event-dataset/audit-logs.csv: a line of text per row.
    for (let line = 1; line <= 16_564; line++) {
      addUnreadable(summary, { line, error: `line ${line} (byte 0): unexpected text outside of a JSON document: "\"{\"\"name"`, reason: "unexpected text outside of a JSON document" });
    }
    const lines = formatImportSummary(summary, { source: "audit-logs.csv", cluster: "c", elapsedMs: 0, interrupted: false }).split("\n");
    expect(lines.slice(0, 3)).toEqual([`Imported nothing from audit-logs.csv into cluster "c" in 0s`, "  read        16,564  pieces of text not readable as JSON", "  accepted         0"]);
  });

  it("says when an import was interrupted, and counts reasons beyond the listed ones", () => {
    const summary = createImportSummary();
    for (let i = 1; i <= 12; i++) addUnreadable(summary, { line: i, error: `line ${i} (byte ${i * 100}): r${i}`, reason: `r${i}` });
    const text = formatImportSummary(summary, { source: "standard input", cluster: "default", elapsedMs: 500, interrupted: true });
    expect(text.split("\n")[0]).toBe(`Interrupted importing standard input into cluster "default" in 1s`);
    expect(text).toContain("    1 × r1 (line 1)\n        e.g. line 1 (byte 100): r1\n    1 × r2 (line 2)");
    expect(text).not.toContain("r11 ");
    expect(text).toContain("    … and 2 more rejections for 2 other reasons");
    expect(text.split("\n").at(-1)).toBe("The rest of standard input was not read. Import it again to finish: events already stored count as duplicates.");
  });

  it("says nothing was imported from a file of which every item was rejected", () => {
    const summary = createImportSummary();
    // What the import makes of shared/fixtures/real/sonobuoy-results-missing-e2e/serverversion.json: JSON, not an audit event.
    addIngestResult(summary, result({ received: 1, rejected: [{ index: 0, auditId: null, reason: "auditID: required; stage: required; level: required; and 2 more" }] }), [1]);
    const lines = formatImportSummary(summary, { source: "serverversion.json", cluster: "c", elapsedMs: 0, interrupted: false }).split("\n");
    expect(lines[0]).toBe(`Imported nothing from serverversion.json into cluster "c" in 0s`);
    expect(lines.at(-1)).toMatch(/^Nothing in serverversion.json could be stored\. Is it a kube-apiserver audit log\?/);
  });

  it("lists a line once however many of its events were rejected, as a compact EventList's are", () => {
    const summary = createImportSummary();
    addIngestResult(summary, result({ received: 9, rejected: [0, 1, 2, 3, 4, 5, 6, 7].map((index) => ({ index, auditId: null, reason: "stage: required" })) }), [1, 1, 1, 1, 1, 1, 2, 2, 3]);
    expect(formatImportSummary(summary, { source: "list.json", cluster: "c", elapsedMs: 0, interrupted: false }).split("\n")).toContain("    8 × stage: required (lines 1, 2)");
    for (const line of [3, 4, 5, 6, 7]) addIngestResult(summary, result({ received: 1, rejected: [{ index: 0, auditId: null, reason: "stage: required" }] }), [line]);
    expect(formatImportSummary(summary, { source: "list.json", cluster: "c", elapsedMs: 0, interrupted: false }).split("\n")).toContain("    13 × stage: required (lines 1, 2, 3, 4, 5, …)");
  });

  it("writes control characters quoted from the file as escapes, not to the terminal", () => {
    const summary = createImportSummary();
    // What JSON.parse says of a line holding an escape sequence, and a reason quoting a decoded value.
    addUnreadable(summary, { line: 1, error: `line 1: invalid JSON: Unexpected token '\u001b', "\u001b]0;title\u0007\u001b[2J" is not valid JSON`, reason: "invalid JSON" });
    addIngestResult(summary, result({ received: 1, rejected: [{ index: 0, auditId: null, reason: 'event: expected object, got "\u001b[31m\nred"' }] }), [2]);
    const text = formatImportSummary(summary, { source: "audit.log", cluster: "c", elapsedMs: 0, interrupted: false });
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expect(text).toContain(`e.g. line 1: invalid JSON: Unexpected token '\\u001b', "\\u001b]0;title\\u0007\\u001b[2J" is not valid JSON`);
    expect(text).toContain(`× event: expected object, got "\\u001b[31m\\u000ared" (line 2)`);
  });
});
