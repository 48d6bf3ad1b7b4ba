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

/** Where `line` (1-based) starts in `text`, in bytes. */
function byteOfLine(text: string, line: number): number {
  return Buffer.byteLength(text.split("\n").slice(0, line - 1).join("\n")) + (line > 1 ? 1 : 0);
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
    expect(items.map((i) => i.line)).toEqual(events.map((_, i) => i + 1));
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
    expect(items.map((i) => i.line)).toEqual([2, 5, 8]);
  });

  it("reports a corrupt line with its number and byte offset and reads on", async () => {
    const damaged = [...lines];
    damaged[19] = lines[19]!.slice(0, 200);
    damaged[29] = lines[29]!.replace('"auditID":"', '"auditID":tru,"');
    const text = damaged.join("\n");
    const { items } = await readAll(chunked(text, 4096));
    expect(items).toHaveLength(events.length);
    const reason = "unexpected end of line inside a JSON document";
    expect(items[19]).toEqual({ line: 20, error: `line 20 (byte ${byteOfLine(text, 20)}): ${reason}`, reason });
    expect(items[29]).toEqual({ line: 30, error: expect.stringMatching(new RegExp(`^line 30 \\(byte ${byteOfLine(text, 30)}\\): invalid JSON: `)), reason: "invalid JSON" });
    expect(raws([...items.slice(0, 19), ...items.slice(20, 29), ...items.slice(30)])).toEqual([...events.slice(0, 19), ...events.slice(20, 29), ...events.slice(30)]);
  });

  it("keeps braces, escaped quotes and multi-byte characters inside strings, split anywhere", async () => {
    const tricky = { kind: "Event", auditID: "tricky", annotations: { note: 'a "quoted" {brace} ] and \\ é € 😀', more: "\u0001\t\n" } };
    const text = JSON.stringify(tricky) + "\n" + lines[0];
    const { items } = await readAll(chunked(text, 1));
    expect(raws(items)).toEqual([tricky, events[0]]);
  });

  it("reports an event over the limit and reads on", async () => {
    const big = JSON.stringify({ ...(events[2] as object), annotations: { note: "x".repeat(5000) } });
    const text = [lines[0], big, lines[1]].join("\n");
    for (const chunkSize of [1000, 65536]) {
      const { items } = await readAll(chunked(text, chunkSize), { maxItemBytes: 4000 });
      const reason = "item longer than 4000 bytes";
      expect(raws(items)).toEqual([events[0], { line: 2, error: `line 2 (byte ${byteOfLine(text, 2)}): ${reason} (${big.length} bytes)`, reason }, events[1]]);
    }
  });

  it("expands a line that holds an EventList into its items", async () => {
    const text = [lines[0], JSON.stringify({ kind: "EventList", items: events.slice(1, 4) })].join("\n");
    const { items } = await readAll(chunked(text, 100));
    expect(raws(items)).toEqual(events.slice(0, 4));
    expect(items.map((i) => i.line)).toEqual([1, 2, 2, 2]);
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
    it(`streams the items of a ${name} EventList, each with the line it starts on`, async () => {
      const { items } = await readAll(chunked(text, 65536));
      expect(raws(items)).toEqual(events);
      // JSON.stringify's indentation puts each item's opening brace alone on its line.
      const itemLines = text.split("\n").flatMap((line, i) => (line === "    {" ? [i + 1] : []));
      expect(items.map((i) => i.line)).toEqual(name === "compact" ? events.map(() => 1) : itemLines);
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

  it("reads on after a line cut short among EventLists one per line, wherever the cut: the bad line costs only itself", async () => {
    const list = (from: number, to: number) => JSON.stringify({ kind: "EventList", apiVersion: "audit.k8s.io/v1", items: events.slice(from, to) });
    const first = list(0, 5);
    const second = list(5, 10);
    const itemsAt = second.indexOf('"items":[') + '"items":['.length;
    // Where each of the second list's items ends in it.
    const itemEnds = events.slice(5, 10).map((_, k) => itemsAt + events.slice(5, 6 + k).reduce((n: number, e) => n + JSON.stringify(e).length + 1, 0) - 1);
    const secondAt = Buffer.byteLength(first) + 2;
    // Every cut in the list's head and first item, and around the ends of the others.
    const cuts = [...Array(itemEnds[0]! + 3).keys(), ...itemEnds.slice(1).flatMap((end) => [end - 2, end - 1, end, end + 1, end + 2]), second.length - 1].filter((cut) => cut > 0 && cut < second.length);
    for (const cut of cuts) {
      const text = [first, second.slice(0, cut), list(10, 13)].join("\r\n") + "\n";
      // One chunk, and at a few cuts one byte at a time, so that a cut falls on a chunk's edge too.
      for (const chunkSize of cut % 301 === 0 ? [65536, 1] : [65536]) {
        const { items } = await readAll(chunked(text, chunkSize));
        const kept = itemEnds.filter((end) => end <= cut).length;
        const errors = items.filter((i) => "error" in i);
        expect(errors, `cut at ${cut}`).toEqual([{ line: 2, error: expect.stringMatching(/^line 2 \(byte \d+\): unexpected end of (line|input)/), reason: expect.any(String) }]);
        const error = errors[0] as { error: string };
        expect(Number(/byte (\d+)/.exec(error.error)![1]), `cut at ${cut}`).toBeGreaterThanOrEqual(secondAt);
        expect(raws(items.filter((i) => "raw" in i)), `cut at ${cut}`).toEqual([...events.slice(0, 5 + kept), ...events.slice(10, 13)]);
      }
    }
    // Cut inside a string: the error comes where the line was, and names the broken item.
    const cut = itemsAt + JSON.stringify(events[5]).length + 6;
    const text = [first, second.slice(0, cut), list(10, 20)].join("\n");
    const { items } = await readAll(chunked(text, 256));
    const reason = "unexpected end of line inside an item";
    const byte = Buffer.byteLength(first) + 1 + itemsAt + JSON.stringify(events[5]).length + 1;
    expect(raws(items)).toEqual([...events.slice(0, 6), { line: 2, error: `line 2 (byte ${byte}): ${reason}`, reason }, ...events.slice(10, 20)]);
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

  it("reports a damaged item with its line and byte offset and reads on", async () => {
    const text = `{"kind":"EventList","items":[\n${lines[0]},\n{"kind":"Event","auditID":tru},\n${lines[1]}\n]}`;
    const { items } = await readAll(chunked(text, 64));
    const byte = Buffer.byteLength(`{"kind":"EventList","items":[\n${lines[0]},\n`);
    expect(raws(items)).toEqual([events[0], { line: 3, error: expect.stringMatching(new RegExp(`^line 3 \\(byte ${byte}\\): invalid JSON: `)), reason: "invalid JSON" }, events[1]]);
  });

  it("reports an item over the limit and reads on", async () => {
    const big = { kind: "Event", auditID: "big", requestObject: { data: "x".repeat(5000) } };
    const text = JSON.stringify({ kind: "EventList", items: [events[0], big, events[1]] });
    const { items } = await readAll(chunked(text, 1000), { maxItemBytes: 4000 });
    const byte = text.indexOf('{"kind":"Event","auditID":"big"');
    const reason = "item longer than 4000 bytes";
    expect(raws(items)).toEqual([events[0], { line: 1, error: `line 1 (byte ${byte}): ${reason} (${JSON.stringify(big).length} bytes)`, reason }, events[1]]);
  });

  it("reports a list cut off in the middle of an item", async () => {
    const cut = compactList.indexOf(JSON.stringify(events[3])) + 40;
    const { items } = await readAll(chunked(compactList.slice(0, cut), 100));
    expect(raws(items.slice(0, 3))).toEqual(events.slice(0, 3));
    const byte = Buffer.byteLength(compactList.slice(0, cut - 40));
    expect(items[3]).toEqual({ line: 1, error: `line 1 (byte ${byte}): unexpected end of input inside an item`, reason: "unexpected end of input inside an item" });
    expect(items).toHaveLength(4);
  });

  it("reads a top-level JSON array and pretty-printed events one after another", async () => {
    expect(raws((await readAll(chunked(JSON.stringify(events.slice(0, 3)), 50))).items)).toEqual(events.slice(0, 3));
    const pretty = events.slice(0, 3).map((e) => JSON.stringify(e, null, 2)).join("\n");
    expect(raws((await readAll(chunked(pretty, 50))).items)).toEqual(events.slice(0, 3));
  });
});

describe("readAuditBatches: JSON values one after another, in any layout", () => {
  const list = (items: unknown[]) => ({ kind: "EventList", apiVersion: "audit.k8s.io/v1", metadata: {}, items });
  const pretty = (value: unknown) => JSON.stringify(value, null, 2);

  it("reads JSON lines followed by a pretty-printed EventList, and every other mix, each event with the line it starts on", async () => {
    const parts: string[] = [
      lines.slice(0, 3).join("\n"), // JSON lines
      pretty(list(events.slice(3, 6))), // a pretty-printed EventList
      JSON.stringify(list(events.slice(6, 8))), // a compact EventList on one line
      pretty(events[8]), // a pretty-printed Event
      lines[9]!, // a JSON line again
      `{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[\n${lines.slice(10, 12).join(",\n")}\n]}`, // events one per line inside a list
      JSON.stringify(events.slice(12, 14)), // a JSON array of events
      pretty(list(events.slice(14, 16))) + " " + JSON.stringify(events[16]), // a value right after another on its line
      lines[17]!,
    ];
    const text = parts.join("\n") + "\n";
    for (const eol of ["\n", "\r\n"]) {
      for (const chunkSize of [65536, 97, 1]) {
        const { items } = await readAll(chunked(text.replaceAll("\n", eol), chunkSize));
        expect(items.filter((i) => "error" in i)).toEqual([]);
        expect(raws(items), `chunks of ${chunkSize}`).toEqual(events.slice(0, 18));
      }
    }
    const { items } = await readAll(chunked(text, 65536));
    const height = (value: string) => value.split("\n").length;
    const partLine = (k: number) => 1 + parts.slice(0, k).reduce((n, part) => n + height(part), 0);
    // A pretty-printed list's items start after its head's five lines ("{", kind, apiVersion, metadata, "items": [).
    const prettyItemLines = (k: number, items: unknown[]) => items.map((_, i) => partLine(k) + 5 + items.slice(0, i).reduce((n: number, e) => n + height(pretty(e)), 0));
    expect(items.map((i) => i.line)).toEqual([
      ...[1, 2, 3],
      ...prettyItemLines(1, events.slice(3, 6)),
      ...[partLine(2), partLine(2)],
      partLine(3),
      partLine(4),
      ...[partLine(5) + 1, partLine(5) + 2],
      ...[partLine(6), partLine(6)],
      ...prettyItemLines(7, events.slice(14, 16)),
      partLine(7) + height(parts[7]!) - 1,
      partLine(8),
    ]);
  });

  it("costs only the cut line when a JSON line is cut anywhere and the next one is whole", async () => {
    const cutLine = lines[1]!;
    for (let cut = 1; cut < cutLine.length; cut++) {
      const text = [lines[0], cutLine.slice(0, cut), lines[2], lines[3]].join("\n") + "\n";
      const { items } = await readAll(chunked(text, cut % 113 === 0 ? 1 : 65536));
      expect(raws([items[0]!, ...items.slice(2)]), `cut at ${cut}`).toEqual([events[0], events[2], events[3]]);
      const reason = (items[1] as { reason?: string }).reason;
      expect(items[1], `cut at ${cut}`).toEqual({ line: 2, error: `line 2 (byte ${lines[0]!.length + 1}): ${reason}`, reason: "unexpected end of line inside a JSON document" });
    }
  });

  it("says where a pretty-printed event cut short is, and reads the values after it", async () => {
    const cutEvent = pretty(events[1]);
    const cut = cutEvent.slice(0, cutEvent.indexOf('"objectRef"'));
    const text = [lines[0], cut, lines[2], pretty(events[3])].join("\n");
    const { items } = await readAll(chunked(text, 64));
    const reason = "unexpected end of line inside a JSON document";
    const last = cut.split("\n").length + 1;
    expect(raws(items)).toEqual([
      events[0],
      { line: 2, error: `line 2 (byte ${lines[0]!.length + 1}): ${reason} (lines 2–${last})`, reason },
      events[2],
      events[3],
    ]);
  });

  it("costs only the pretty-printed event or item cut short inside a string, not every value after it", async () => {
    // Most of a pretty-printed event's bytes are in strings: a cut there left the rest of the input read as inside one.
    const cutInString = (text: string) => text.slice(0, text.indexOf('"username": "') + 16);
    const cut = cutInString(pretty(events[1]));
    const lastLine = cut.split("\n").length + 1;
    for (const after of [lines.slice(2, 5), events.slice(2, 5).map((e) => pretty(e))]) {
      const text = [lines[0], cut, ...after].join("\n") + "\n";
      for (const chunkSize of [65536, 1]) {
        const { items } = await readAll(chunked(text, chunkSize));
        const reason = "unexpected end of line inside a JSON document";
        expect(raws(items), `chunks of ${chunkSize}`).toEqual([events[0], { line: 2, error: `line 2 (byte ${lines[0]!.length + 1}): ${reason} (lines 2–${lastLine})`, reason }, ...events.slice(2, 5)]);
      }
    }
    const items3 = events.slice(0, 3).map((e) => pretty(e));
    const cutItem = cutInString(items3[1]!);
    const text = `{"kind":"EventList","items":[\n${items3[0]},\n${cutItem}\n${items3[2]}\n]}\n${lines[3]}\n`;
    const { items } = await readAll(chunked(text, 100));
    const line = items3[0]!.split("\n").length + 2;
    const reason = "unexpected end of line inside an item";
    expect(raws(items)).toEqual([events[0], { line, error: `line ${line} (byte ${text.indexOf(cutItem)}): ${reason} (lines ${line}–${line + cutItem.split("\n").length - 1})`, reason }, events[2], events[3]]);
  });

  it("in a list written over several lines, costs only the item cut short", async () => {
    const items3 = events.slice(0, 3).map((e) => pretty(e));
    const cut = items3[1]!.slice(0, items3[1]!.indexOf('"user"'));
    const text = `{"kind":"EventList","items":[\n${items3[0]},\n${cut}\n${items3[2]}\n]}\n${lines[3]}\n`;
    const { items } = await readAll(chunked(text, 100));
    const line = items3[0]!.split("\n").length + 2;
    const reason = "unexpected end of line inside an item";
    expect(raws(items)).toEqual([events[0], { line, error: `line ${line} (byte ${text.indexOf(cut)}): ${reason} (lines ${line}–${line + cut.split("\n").length - 1})`, reason }, events[2], events[3]]);
  });

  it("skips the byte order mark each file starts with when files are concatenated, split anywhere", async () => {
    // `cat a.json b.json c.json` of files saved by editors that write a BOM: one at the start of each.
    const bom = "\uFEFF";
    const parts = [bom + lines.slice(0, 2).join("\n"), bom + pretty(events[2]), bom + JSON.stringify(list(events.slice(3, 5))) + bom + lines[5]!, bom + pretty(list(events.slice(6, 8)))];
    const text = parts.join("\n") + "\n";
    for (const chunkSize of [65536, 2, 1]) {
      const { items } = await readAll(chunked(text, chunkSize));
      expect(raws(items), `chunks of ${chunkSize}`).toEqual(events.slice(0, 8));
    }
    const { items } = await readAll(chunked(text, 65536));
    const partLine = (k: number) => 1 + parts.slice(0, k).reduce((n, part) => n + part.split("\n").length, 0);
    expect(items.slice(0, 6).map((i) => i.line)).toEqual([1, 2, partLine(1), partLine(2), partLine(2), partLine(2)]);
  });

  it("reports the start of a byte order mark that goes on as other text, quoting it", async () => {
    const bytes = Buffer.concat([Buffer.from(`${lines[0]}\n\uFEFF${lines[1]}\n`), Buffer.from([0xef, 0xbb]), Buffer.from(`x\n${lines[2]}`)]);
    const reason = "unexpected text outside of a JSON document";
    for (const chunkSize of [65536, 1]) {
      const { items } = await readAll(chunked(bytes, chunkSize));
      const at = bytes.indexOf(Buffer.from([0xef, 0xbb, 0x78]));
      expect(raws(items)).toEqual([events[0], events[1], { line: 3, error: `line 3 (byte ${at}): ${reason}: ${JSON.stringify(Buffer.from([0xef, 0xbb, 0x78]).toString("utf8"))}`, reason }, events[2]]);
    }
  });

  it("reports text between values that starts none, quoting it, and reads on", async () => {
    const junk = "-- log rotated at 2018-10-25T17:44:00Z by logrotate --";
    const text = [lines[0], junk, "", `${lines[1]}   `, "]}", lines[2]].join("\r\n");
    const { items } = await readAll(chunked(text, 10));
    const reason = "unexpected text outside of a JSON document";
    expect(raws(items)).toEqual([
      events[0],
      { line: 2, error: `line 2 (byte ${lines[0]!.length + 2}): ${reason}: ${JSON.stringify(junk.slice(0, 32))}…`, reason },
      events[1],
      { line: 5, error: `line 5 (byte ${text.lastIndexOf("\r\n]}") + 2}): ${reason}: "]}"`, reason },
      events[2],
    ]);
  });

  it("reports a value cut off by the end of the input where it starts, and one that goes wrong before its end as invalid JSON", async () => {
    const cutEvent = pretty(events[1]);
    const text = `${lines[0]}\n${cutEvent.slice(0, cutEvent.length - 10)}`;
    const reason = "unexpected end of input inside a JSON document";
    expect(raws((await readAll(chunked(text, 50))).items)).toEqual([events[0], { line: 2, error: `line 2 (byte ${lines[0]!.length + 1}): ${reason}`, reason }]);

    const broken = `${lines[0]}\n{"kind":"Event","auditID" "x",\n${lines[2]}`;
    const { items } = await readAll(chunked(broken, 50));
    const byte = lines[0]!.length + 1;
    expect(raws(items)).toEqual([events[0], { line: 2, error: expect.stringMatching(new RegExp(`^line 2 \\(byte ${byte}\\): invalid JSON: .* at position 26`)), reason: "invalid JSON" }, events[2]]);
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
          line: events.length + 1,
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

  it("streams JSON lines and then a 60 MB pretty-printed EventList holding only a few MB", async () => {
    const template = JSON.parse(lines.find((line) => line.length > 1400 && line.length < 2000)!) as Record<string, unknown>;
    const item = (n: number) => JSON.stringify({ ...template, auditID: `generated-${n}` }, null, 2).replaceAll("\n", "\n    ");
    const totalBytes = 60 * 1024 * 1024;
    let produced = 0;
    let generated = 0;
    // JSON lines first, then one EventList whose items are written as they are asked for.
    const head = `${lines.slice(0, 5).join("\n")}\n{\n  "kind": "EventList",\n  "apiVersion": "audit.k8s.io/v1",\n  "items": [\n    `;
    const source = new Readable({
      read() {
        if (produced === 0) {
          produced += head.length;
          this.push(head);
        } else if (produced >= totalBytes) {
          this.push("\n  ]\n}\n");
          this.push(null);
        } else {
          const text = (generated > 0 ? ",\n    " : "") + Array.from({ length: 50 }, () => item(generated++)).join(",\n    ");
          produced += text.length;
          this.push(text);
        }
      },
    });
    const stats: AuditReaderStats = { bufferedBytes: 0, peakBufferedBytes: 0 };
    let count = 0;
    let errors = 0;
    for await (const batch of readAuditBatches(source, { batchSize: 400, stats })) {
      count += batch.items.length;
      errors += batch.items.filter((i) => "error" in i).length;
    }
    expect(errors).toBe(0);
    expect(count).toBe(5 + generated);
    expect(produced).toBeGreaterThanOrEqual(totalBytes);
    expect(stats.peakBufferedBytes).toBeLessThan(3 * 1024 * 1024);
  });
});
