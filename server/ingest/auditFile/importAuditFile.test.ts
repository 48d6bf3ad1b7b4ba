import { createReadStream } from "node:fs";
import { PassThrough, Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import type { AuditIngestor, IngestSummary } from "../audit/ingest";
import { falcoEventLines } from "../../testing/fixtures";
import { HKERMA_CSV } from "../../testing/hkermaCsv";
import { importAuditFile } from "./importAuditFile";

/** Accepts each auditID once, rejects items without one; records the batches it got. */
function fakeIngestor() {
  const seen = new Set<string>();
  const batches: unknown[][] = [];
  const ingestor: AuditIngestor = {
    async ingest(_cluster, rawItems) {
      const raws = typeof rawItems === "function" ? rawItems() : rawItems;
      batches.push(raws);
      const summary: IngestSummary = { received: raws.length, accepted: 0, duplicates: 0, skipped: 0, history: 0, reads: 0, rejected: [] };
      raws.forEach((raw, index) => {
        const id = (raw as { auditID?: unknown }).auditID;
        if (typeof id !== "string") summary.rejected.push({ index, auditId: null, reason: "auditID: required" });
        else if (seen.has(id)) summary.duplicates++;
        else {
          seen.add(id);
          summary.accepted++;
          summary.history++;
        }
      });
      return summary;
    },
  };
  return { ingestor, batches };
}

describe("importAuditFile", () => {
  it("feeds batches to the ingestor and reports rejections at their file lines", async () => {
    const lines = falcoEventLines().slice(0, 10);
    lines.splice(3, 0, "{not json");
    lines.splice(7, 0, '{"kind":"Event"}');
    const { ingestor, batches } = fakeIngestor();
    const progress: number[] = [];
    const { summary, interrupted } = await importAuditFile({
      input: Readable.from([lines.join("\n")]),
      cluster: "c",
      batchSize: 4,
      ingestor,
      onBatch: (s) => progress.push(s.valuesRead + s.unreadable),
    });
    expect(interrupted).toBe(false);
    expect(batches.map((b) => b.length)).toEqual([3, 4, 4]);
    expect(progress).toEqual([4, 8, 12]);
    expect(summary).toMatchObject({ valuesRead: 11, unreadable: 1, accepted: 10, duplicates: 0, rejected: 2 });
    expect([...summary.rejections.values()]).toEqual([
      { reason: "invalid JSON", count: 1, positions: [4], morePositions: false, example: expect.stringMatching(/^line 4 \(byte \d+\): invalid JSON: /) },
      { reason: "auditID: required", count: 1, positions: [8], morePositions: false, example: null },
    ]);
  });

  it("reads a file that holds no JSON (the hkerma dataset's CSV of audit events) as lines of text, not as events", async () => {
    const { ingestor, batches } = fakeIngestor();
    const { summary } = await importAuditFile({ input: createReadStream(HKERMA_CSV), cluster: "c", batchSize: 400, ingestor });
    expect(batches).toEqual([]);
    // 16,563 rows and the short one at the end (PROVENANCE.md): a piece of text each.
    expect(summary).toMatchObject({ valuesRead: 0, unreadable: 16_564, accepted: 0, rejected: 16_564 });
    expect([...summary.rejections.keys()]).toEqual(["unexpected text outside of a JSON document"]);
  });

  it("stops after the batch being stored when aborted", async () => {
    const { ingestor, batches } = fakeIngestor();
    const stop = new AbortController();
    const { summary, interrupted } = await importAuditFile({
      input: Readable.from([falcoEventLines().join("\n")]),
      cluster: "c",
      batchSize: 5,
      ingestor,
      signal: stop.signal,
      onBatch: () => stop.abort(),
    });
    expect(interrupted).toBe(true);
    expect(batches).toHaveLength(1);
    expect(summary.valuesRead).toBe(5);
  });

  it("stores what it read and stops when aborted while waiting for input that may never come (a live pipe)", async () => {
    const { ingestor, batches } = fakeIngestor();
    const stop = new AbortController();
    const pipe = new PassThrough();
    const lines = falcoEventLines().slice(0, 7);
    // Seven whole lines and the start of an eighth, and the writer goes quiet without closing.
    pipe.write(`${lines.join("\n")}\n${falcoEventLines()[7]!.slice(0, 100)}`);
    const { summary, interrupted } = await importAuditFile({
      input: pipe,
      cluster: "c",
      batchSize: 5,
      ingestor,
      signal: stop.signal,
      // Once the first five are stored, the other two wait for a batch to fill: Ctrl-C.
      onBatch: () => void setTimeout(() => stop.abort(), 20),
    });
    expect(interrupted).toBe(true);
    expect(batches.map((b) => b.length)).toEqual([5, 2]);
    // The line cut short by the stop is not the file's fault: not counted as invalid.
    expect(summary).toMatchObject({ valuesRead: 7, unreadable: 0, accepted: 7, rejected: 0 });
    expect(pipe.destroyed).toBe(true);
  });

  it("reads the next batch while the one before is being stored, and stores them in file order", async () => {
    const lines = falcoEventLines().slice(0, 12);
    let linesRead = 0;
    // One line per read, nothing read ahead by the stream itself.
    const input = new Readable({
      highWaterMark: 1,
      read() {
        this.push(linesRead < lines.length ? `${lines[linesRead++]}\n` : null);
      },
    });
    const { ingestor: counting, batches } = fakeIngestor();
    let linesReadWhileFirstStored = 0;
    const ingestor: AuditIngestor = {
      async ingest(cluster, raws) {
        if (batches.length === 0) {
          // Stored slowly: the event loop turns over while the reader may go on.
          for (let turn = 0; turn < 100 && linesRead < 8; turn++) await new Promise((resolve) => setImmediate(resolve));
          linesReadWhileFirstStored = linesRead;
        }
        return counting.ingest(cluster, raws);
      },
    };
    const { summary } = await importAuditFile({ input, cluster: "c", batchSize: 4, ingestor });
    expect(linesReadWhileFirstStored).toBeGreaterThanOrEqual(8);
    expect(batches.map((b) => b.map((raw) => (raw as { auditID: string }).auditID))).toEqual(
      [0, 4, 8].map((start) => lines.slice(start, start + 4).map((line) => (JSON.parse(line) as { auditID: string }).auditID)),
    );
    expect(summary.accepted).toBe(12);
  });

  it("closes the reader and reports the store's failure", async () => {
    const failing: AuditIngestor = { ingest: async () => Promise.reject(new Error("database gone")) };
    const input = Readable.from(falcoEventLines().map((line) => `${line}\n`));
    await expect(importAuditFile({ input, cluster: "c", batchSize: 3, ingestor: failing })).rejects.toThrow("database gone");
    expect(input.destroyed).toBe(true);
  });
});
