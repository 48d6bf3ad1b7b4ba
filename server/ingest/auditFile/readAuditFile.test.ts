import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { falcoEventLines } from "../../testing/fixtures";
import { readAuditBatches, type AuditFileBatch, type AuditFileItem, type AuditReaderStats, type ReadAuditOptions } from "./readAuditFile";

const lines = falcoEventLines();
const events: unknown[] = lines.map((line) => JSON.parse(line));
const jsonLines = lines.join("\n") + "\n";
const eventList = { kind: "EventList", apiVersion: "audit.k8s.io/v1", metadata: {}, items: events };
const compactList = JSON.stringify(eventList);
const prettyList = JSON.stringify(eventList, null, 2);

/** A Readable that hands out `bytes` in chunks of `chunkSize` bytes. */
function chunked(bytes: Buffer | string, chunkSize: number): Readable {
  const buf = Buffer.from(bytes);
  const chunks: Buffer[] = [];
  for (let i = 0; i < buf.length; i += chunkSize) chunks.push(buf.subarray(i, i + chunkSize));
  return Readable.from(chunks);
}

async function readAll(input: Readable, opts: Partial<ReadAuditOptions> = {}): Promise<{ batches: AuditFileBatch[]; items: AuditFileItem[] }> {
  const batches: AuditFileBatch[] = [];
  for await (const batch of readAuditBatches(input, { batchSize: 10, ...opts })) batches.push(batch);
  return { batches, items: batches.flatMap((b) => b.items) };
}

function raws(items: AuditFileItem[]): unknown[] {
  return items.map((item) => ("raw" in item ? item.raw : item));
}

describe("readAuditBatches: closed early", () => {
  it("closes its input when the reader is closed while the input's only chunk is being read, plain or gzipped", async () => {
    for (const bytes of [Buffer.from(jsonLines), gzipSync(jsonLines)]) {
      const input = Readable.from([bytes]);
      for await (const batch of readAuditBatches(input, { batchSize: 10 })) {
        expect(batch.items).toHaveLength(10);
        break;
      }
      expect(input.destroyed).toBe(true);
    }
  });
});

describe("readAuditBatches: JSON lines", () => {
  it("reads one event per line, numbering lines from 1", async () => {
    expect(events.length).toBeGreaterThan(40);
    const { batches, items } = await readAll(chunked(jsonLines, 65536));
    expect(raws(items)).toEqual(events);
    expect(items.map((i) => i.lineOrIndex)).toEqual(events.map((_, i) => i + 1));
    expect(batches.every((b) => b.unit === "line")).toBe(true);
    expect(batches.map((b) => b.items.length)).toEqual([...Array(Math.floor(events.length / 10)).fill(10), events.length % 10]);
  });

  it("reads the same from 1-byte chunks", async () => {
    const { items } = await readAll(chunked(jsonLines, 1));
    expect(raws(items)).toEqual(events);
  });

  it("accepts CRLF line endings, blank lines and a missing final newline", async () => {
    const text = "\r\n" + lines.slice(0, 3).join("\r\n\r\n   \r\n");
    const { items } = await readAll(chunked(text, 7));
    expect(raws(items)).toEqual(events.slice(0, 3));
    expect(items.map((i) => i.lineOrIndex)).toEqual([2, 5, 8]);
  });

  it("reports a corrupt line with its number and reads on", async () => {
    const damaged = [...lines];
    damaged[19] = lines[19]!.slice(0, 200);
    const { items } = await readAll(chunked(damaged.join("\n"), 4096));
    expect(items).toHaveLength(events.length);
    const bad = items[19]!;
    expect(bad.lineOrIndex).toBe(20);
    expect(bad).toEqual({ lineOrIndex: 20, error: expect.stringMatching(/^line 20: invalid JSON: /), reason: "invalid JSON" });
    expect(raws(items.slice(20))).toEqual(events.slice(20));
  });

  it("keeps braces, escaped quotes and multi-byte characters inside strings, split anywhere", async () => {
    const tricky = { kind: "Event", auditID: "tricky", annotations: { note: 'a "quoted" {brace} ] and \\ é € 😀', more: "\u0001\t\n" } };
    const text = JSON.stringify(tricky) + "\n" + lines[0];
    const { items } = await readAll(chunked(text, 1));
    expect(raws(items)).toEqual([tricky, events[0]]);
  });

  it("reports a line over the limit and reads on", async () => {
    const { items } = await readAll(chunked([lines[0], "x".repeat(5000), lines[1]].join("\n"), 1000), { maxItemBytes: 4000 });
    expect(raws(items)).toEqual([events[0], { lineOrIndex: 2, error: "line 2: line longer than 4000 bytes (5000 bytes)", reason: "line longer than 4000 bytes" }, events[1]]);
  });

  it("expands a line that holds an EventList into its items", async () => {
    const text = [lines[0], JSON.stringify({ kind: "EventList", items: events.slice(1, 4) })].join("\n");
    const { items } = await readAll(chunked(text, 100));
    expect(raws(items)).toEqual(events.slice(0, 4));
    expect(items.map((i) => i.lineOrIndex)).toEqual([1, 2, 2, 2]);
  });

  it("skips a UTF-8 byte order mark and yields nothing for an empty file", async () => {
    const { items } = await readAll(chunked(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(lines[0]!)]), 2));
    expect(raws(items)).toEqual([events[0]]);
    expect((await readAll(chunked("", 1))).batches).toEqual([]);
    expect((await readAll(chunked("\n \n", 1))).batches).toEqual([]);
  });
});

describe("readAuditBatches: EventList documents", () => {
  for (const [name, text] of [
    ["compact", compactList],
    ["pretty-printed", prettyList],
  ] as const) {
    it(`streams the items of a ${name} EventList, numbering items from 1`, async () => {
      const { batches, items } = await readAll(chunked(text, 65536));
      expect(raws(items)).toEqual(events);
      expect(items.map((i) => i.lineOrIndex)).toEqual(events.map((_, i) => i + 1));
      expect(batches.every((b) => b.unit === "item")).toBe(true);
    });

    it(`streams a ${name} EventList from 1-byte chunks`, async () => {
      const { items } = await readAll(chunked(text, 1));
      expect(raws(items)).toEqual(events);
    });
  }

  it("reads several EventLists, one per line, and ignores fields after the items", async () => {
    const text = [
      JSON.stringify({ kind: "EventList", apiVersion: "audit.k8s.io/v1", items: events.slice(0, 5), metadata: { note: "]}" } }),
      JSON.stringify({ kind: "EventList", apiVersion: "audit.k8s.io/v1", items: [] }),
      JSON.stringify({ kind: "EventList", apiVersion: "audit.k8s.io/v1", items: events.slice(5) }),
    ].join("\n");
    const { items } = await readAll(chunked(text, 333));
    expect(raws(items)).toEqual(events);
  });

  it("reads on after a line cut short among EventLists one per line: the bad line costs only itself", async () => {
    const list = (from: number, to: number) => JSON.stringify({ kind: "EventList", apiVersion: "audit.k8s.io/v1", items: events.slice(from, to) });
    const second = list(5, 10);
    const itemsAt = second.indexOf('"items":[') + '"items":['.length;
    const afterFirstItem = itemsAt + JSON.stringify(events[5]).length + 1;
    // Cut inside a string: JSON allows no line break there, so the line ended early. (A cut exactly
    // between two values cannot be told from JSON that goes on over lines, which is read on.)
    for (const [cut, kept, reason] of [
      [25, 0, "unexpected end of line inside a JSON document"], // in a string of the list's head
      [itemsAt - 4, 0, "unexpected end of line inside a JSON document"], // in the "items" key
      [itemsAt + 30, 0, "unexpected end of line inside an item"], // in a string of the first item
      [afterFirstItem + 5, 1, "unexpected end of line inside an item"], // in the second item's first key
    ] as const) {
      const text = [list(0, 5), second.slice(0, cut), list(10, 20)].join("\r\n") + "\n";
      for (const chunkSize of [256, 1]) {
        const { items } = await readAll(chunked(text, chunkSize));
        const index = 6 + kept;
        expect(raws(items)).toEqual([
          ...events.slice(0, 5 + kept),
          { lineOrIndex: index, error: `item ${index} (line 2): ${reason}`, reason },
          ...events.slice(10, 20),
        ]);
      }
    }
    // Cut on the first line, while the format is not yet known.
    const { items } = await readAll(chunked([second.slice(0, afterFirstItem + 5), list(10, 20)].join("\n"), 256));
    expect(raws(items)).toEqual([events[5], { lineOrIndex: 2, error: "item 2 (line 1): unexpected end of line inside an item", reason: "unexpected end of line inside an item" }, ...events.slice(10, 20)]);
  });

  it("reads JSON that starts on one line and goes on over others: a list of events, and EventLists broken after a field or an item", async () => {
    const list = (items: unknown[]) => ({ kind: "EventList", apiVersion: "audit.k8s.io/v1", metadata: {}, items });
    const texts = [
      // A top-level array, the first event on the bracket's line, one event per line after it.
      `[${events.slice(0, 5).map((e) => JSON.stringify(e)).join(",\n")}]\n`,
      // An EventList whose first item is on the items array's line.
      `{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{},"items":[${events.slice(0, 5).map((e) => JSON.stringify(e)).join(",\n")}]}\n`,
      // An EventList broken after a field of its head, then its items one per line.
      `{"kind":"EventList","apiVersion":"audit.k8s.io/v1",\n"metadata":{},"items":[\n${events.slice(0, 5).map((e) => JSON.stringify(e)).join(",\n")}\n]}\n`,
      JSON.stringify(list(events.slice(0, 5)), null, 2),
    ];
    for (const text of texts) {
      for (const chunkSize of [256, 1]) {
        const { items } = await readAll(chunked(text, chunkSize));
        expect(raws(items), text.slice(0, 60)).toEqual(events.slice(0, 5));
      }
    }
  });

  it("keeps braces, escaped quotes and multi-byte characters inside strings, split anywhere", async () => {
    const tricky = { kind: "Event", auditID: "tricky", annotations: { "items": '"items": [ {"a" } ] \\" é € 😀' } };
    const text = JSON.stringify({ kind: "EventList", items: [tricky, events[0]] }, null, 1);
    const { items } = await readAll(chunked(text, 1));
    expect(raws(items)).toEqual([tricky, events[0]]);
  });

  it("reports a damaged item with its number and line and reads on", async () => {
    const text = `{"kind":"EventList","items":[\n${lines[0]},\n{"kind":"Event","auditID":tru},\n${lines[1]}\n]}`;
    const { items } = await readAll(chunked(text, 64));
    expect(raws(items)).toEqual([events[0], { lineOrIndex: 2, error: expect.stringMatching(/^item 2 \(line 3\): invalid JSON: /), reason: "invalid JSON" }, events[1]]);
  });

  it("reports an item over the limit and reads on", async () => {
    const big = { kind: "Event", auditID: "big", requestObject: { data: "x".repeat(5000) } };
    const text = JSON.stringify({ kind: "EventList", items: [events[0], big, events[1]] });
    const { items } = await readAll(chunked(text, 1000), { maxItemBytes: 4000 });
    expect(raws(items)).toEqual([events[0], { lineOrIndex: 2, error: "item 2 (line 1): item longer than 4000 bytes (" + JSON.stringify(big).length + " bytes)", reason: "item longer than 4000 bytes" }, events[1]]);
  });

  it("reports a list cut off in the middle of an item", async () => {
    const cut = compactList.indexOf(JSON.stringify(events[3])) + 40;
    const { items } = await readAll(chunked(compactList.slice(0, cut), 100));
    expect(raws(items.slice(0, 3))).toEqual(events.slice(0, 3));
    expect(items[3]).toEqual({ lineOrIndex: 4, error: "item 4 (line 1): unexpected end of input inside an item", reason: "unexpected end of input inside an item" });
    expect(items).toHaveLength(4);
  });

  it("reads a top-level JSON array and pretty-printed events one after another", async () => {
    expect(raws((await readAll(chunked(JSON.stringify(events.slice(0, 3)), 50))).items)).toEqual(events.slice(0, 3));
    const pretty = events.slice(0, 3).map((e) => JSON.stringify(e, null, 2)).join("\n");
    expect(raws((await readAll(chunked(pretty, 50))).items)).toEqual(events.slice(0, 3));
  });
});

describe("readAuditBatches: gzip", () => {
  for (const [name, text] of [
    ["JSON lines", jsonLines],
    ["an EventList", prettyList],
  ] as const) {
    it(`gunzips ${name} and counts compressed bytes`, async () => {
      // Large enough that reading takes several steps of the pipe's buffer.
      const gz = gzipSync(text.repeat(100));
      const { batches, items } = await readAll(chunked(gz, 512), { batchSize: 5 });
      expect(items).toHaveLength(events.length * 100);
      expect(raws(items.slice(0, events.length))).toEqual(events);
      const read = batches.map((b) => b.bytesRead);
      expect(read).toEqual([...read].sort((a, b) => a - b));
      expect(read.at(-1)).toBe(gz.length);
      expect(read[0]).toBeLessThan(gz.length / 2);
    });
  }

  it("gunzips from 1-byte chunks and concatenated gzip members", async () => {
    const half = Math.floor(lines.length / 2);
    const gz = Buffer.concat([gzipSync(lines.slice(0, half).join("\n") + "\n"), gzipSync(lines.slice(half).join("\n"))]);
    expect(raws((await readAll(chunked(gz, 1))).items)).toEqual(events);
  });

  it("keeps what was read from a truncated gzip file and reports where it stopped", async () => {
    const gz = gzipSync(jsonLines);
    const { items } = await readAll(chunked(gz.subarray(0, Math.floor(gz.length * 0.9)), 1024));
    const last = items.at(-1)!;
    expect("error" in last && last.error).toMatch(/^line \d+: cannot decompress the rest of the file: unexpected end of file$/);
    const good = items.filter((i) => "raw" in i);
    expect(good.length).toBeGreaterThan(events.length / 2);
    expect(raws(good)).toEqual(events.slice(0, good.length));
  });

  it("reads every event before junk after the last gzip member, then reports the junk", async () => {
    const half = Math.floor(lines.length / 2);
    const members = Buffer.concat([gzipSync(lines.slice(0, half).join("\n") + "\n"), gzipSync(lines.slice(half).join("\n") + "\n")]);
    const notGzip = `the data after the gzip data, from byte ${members.length} on, is not gzip data`;
    for (const [junk, message] of [
      [Buffer.from("rotated by logrotate\n"), notGzip],
      [Buffer.from([0x00, 0x00, 0x2a]), notGzip],
      [Buffer.from([0x1f, 0x8b, 0x01, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]), "unknown compression method"],
      [Buffer.from([0x1f, 0x8b, 0x08]), "unexpected end of file"],
    ] as const) {
      for (const chunkSize of [members.length + junk.length, 1024, 1]) {
        const { items } = await readAll(chunked(Buffer.concat([members, junk]), chunkSize));
        expect(raws(items.slice(0, -1))).toEqual(events);
        expect(items.at(-1)).toEqual({
          lineOrIndex: events.length + 1,
          error: `line ${events.length + 1}: cannot decompress the rest of the file: ${message}`,
          reason: "cannot decompress the rest of the file",
        });
      }
    }
    // Zero bytes after the data are padding (tape blocks), as gzip itself reads them.
    expect(raws((await readAll(chunked(Buffer.concat([members, Buffer.alloc(512)]), 100))).items)).toEqual(events);
  });

  it("reads a gzip header with a file name and a comment, as gzip(1) writes them", async () => {
    const gz = gzipSync(jsonLines);
    const flags = 0x08 | 0x10;
    const named = Buffer.concat([gz.subarray(0, 3), Buffer.from([flags]), gz.subarray(4, 10), Buffer.from("audit.log\0rotated\0"), gz.subarray(10)]);
    expect(raws((await readAll(chunked(named, 7))).items)).toEqual(events);
  });

  it("reports a gzip member whose check value does not match", async () => {
    const gz = gzipSync(jsonLines);
    gz[gz.length - 8]! ^= 0xff;
    const { items } = await readAll(chunked(gz, 1024));
    expect(raws(items.slice(0, -1))).toEqual(events);
    expect(items.at(-1)).toMatchObject({ error: `line ${events.length + 1}: cannot decompress the rest of the file: incorrect data check` });
  });

  it("refuses other compressions with advice instead of reading them as text", async () => {
    const zstd = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x58, 0x01, 0x02]);
    await expect(readAll(chunked(zstd, 1))).rejects.toThrow(/^the input is zstd-compressed; only gzip is read: decompress it first \(zstd -dc FILE/);
  });

  it("counts plain bytes for an uncompressed source", async () => {
    const { batches } = await readAll(chunked(jsonLines, 1000));
    expect(batches.at(-1)!.bytesRead).toBe(Buffer.byteLength(jsonLines));
  });
});

describe("readAuditBatches: memory", () => {
  it("hands out a batch early once its text reaches maxBatchBytes", async () => {
    const { batches } = await readAll(chunked(jsonLines, 65536), { batchSize: 1000, maxBatchBytes: 4000 });
    expect(batches.length).toBeGreaterThan(10);
    expect(batches.flatMap((b) => b.items)).toHaveLength(events.length);
  });

  it("streams 200 MB of JSON lines holding only a few MB", async () => {
    const template = lines.find((line) => line.includes('"auditID"') && line.length > 1400 && line.length < 2000)!;
    const auditIdPattern = /"auditID":"[^"]*"/;
    const totalBytes = 200 * 1024 * 1024;
    let produced = 0;
    let generatedLines = 0;
    let carry = Buffer.alloc(0);
    // Chunks cut at an odd size so that lines span chunks, as they do in a file.
    const source = new Readable({
      read() {
        if (produced >= totalBytes) {
          if (carry.length > 0) this.push(carry);
          carry = Buffer.alloc(0);
          this.push(null);
          return;
        }
        const parts: string[] = [];
        for (let size = 0; size < 65521; generatedLines++) {
          const line = template.replace(auditIdPattern, `"auditID":"generated-${generatedLines}"`) + "\n";
          parts.push(line);
          size += line.length;
        }
        const buf = Buffer.concat([carry, Buffer.from(parts.join(""))]);
        this.push(buf.subarray(0, 65521));
        carry = buf.subarray(65521);
        produced += 65521;
      },
    });

    const stats: AuditReaderStats = { bufferedBytes: 0, peakBufferedBytes: 0 };
    let count = 0;
    let errors = 0;
    let maxReadAhead = 0;
    const lineBytes = Buffer.byteLength(template) + 1 + 10;
    for await (const batch of readAuditBatches(source, { batchSize: 400, stats })) {
      count += batch.items.length;
      errors += batch.items.filter((i) => "error" in i).length;
      // Bytes taken from the source beyond what has been handed out: the reader does not read ahead.
      maxReadAhead = Math.max(maxReadAhead, batch.bytesRead - count * lineBytes);
    }
    expect(errors).toBe(0);
    expect(count).toBe(generatedLines);
    expect(produced).toBeGreaterThanOrEqual(totalBytes);
    expect(stats.peakBufferedBytes).toBeGreaterThan(0);
    expect(stats.peakBufferedBytes).toBeLessThan(3 * 1024 * 1024);
    expect(maxReadAhead).toBeLessThan(3 * 1024 * 1024);
  });
});
