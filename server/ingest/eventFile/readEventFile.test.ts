import { PassThrough, Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import type { JsonObject } from "../audit/types";
import { asEventsV1 } from "../../testing/mustGatherEvents";
import {
  MUST_GATHER_EVENT_NAMESPACES,
  apiEventList,
  kubectlJsonList,
  mustGatherEventItems,
  mustGatherEventsYaml,
  ndjson,
  watchEvents,
  watchOnlyJson,
} from "../../testing/eventFileForms";
import { InputTooLargeError, NotEventTextError, readEventFile, sniffText, type EventFileItem } from "./readEventFile";

/** `bytes` as a file stream would give them, `chunkSize` at a time. */
function streamOf(bytes: Buffer | string, chunkSize = 64 * 1024): Readable {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes);
  const chunks: Buffer[] = [];
  for (let i = 0; i < buffer.length; i += chunkSize) chunks.push(buffer.subarray(i, i + chunkSize));
  return Readable.from(chunks);
}

async function readAll(bytes: Buffer | string, options: { maxBytes?: number; chunkSize?: number } = {}): Promise<EventFileItem[]> {
  const items: EventFileItem[] = [];
  for await (const chunk of readEventFile(streamOf(bytes, options.chunkSize), { maxBytes: options.maxBytes ?? 1024 ** 3 })) items.push(...chunk.items);
  return items;
}

const raws = (items: EventFileItem[]) => items.map((item) => ("raw" in item ? item.raw : item));

// The real Events of the must-gather (395 in four events.yaml files); every other form below is derived from them in the test.
const allEvents = MUST_GATHER_EVENT_NAMESPACES.flatMap(mustGatherEventItems);
const apiserverEvents = mustGatherEventItems("openshift-apiserver");

describe("readEventFile on the real must-gather Events and the forms derived from them", () => {
  it("reads must-gather events.yaml files (YAML, each a --- document holding an EventList), alone and one after another", async () => {
    expect(raws(await readAll(mustGatherEventsYaml("openshift-apiserver")))).toEqual(apiserverEvents);
    const all = MUST_GATHER_EVENT_NAMESPACES.map(mustGatherEventsYaml).join("");
    const items = await readAll(all, { chunkSize: 1000 });
    expect(items).toHaveLength(395);
    expect(raws(items)).toEqual(allEvents);
    expect(items.every((item) => "raw" in item && item.listApiVersion === "v1")).toBe(true);
  });

  it("reads kubectl get events -A -o json (a List, pretty-printed), with the list's apiVersion for each item", async () => {
    const items = await readAll(kubectlJsonList(allEvents), { chunkSize: 4096 });
    expect(raws(items)).toEqual(allEvents);
    // `{`, `"apiVersion": "v1",`, `"items": [`, then the first item.
    expect(items[0]).toMatchObject({ line: 4, listApiVersion: "v1" });
  });

  it("reads the API's own EventList (compact, items without apiVersion), pretty-printed or not: the list's apiVersion is the items' hint", async () => {
    const eventsV1 = apiserverEvents.map(asEventsV1);
    const compact = apiEventList(eventsV1, "events.k8s.io/v1");
    const items = await readAll(compact);
    expect(items).toHaveLength(apiserverEvents.length);
    expect(items.every((item) => "raw" in item && item.listApiVersion === "events.k8s.io/v1" && !("apiVersion" in (item.raw as JsonObject)))).toBe(true);
    // The same list written over many lines is read item by item, the apiVersion taken from before its items.
    const pretty = JSON.stringify(JSON.parse(compact), null, 2);
    const streamed = await readAll(pretty, { chunkSize: 512 });
    expect(raws(streamed)).toEqual(raws(items));
    expect(streamed.every((item) => "raw" in item && item.listApiVersion === "events.k8s.io/v1")).toBe(true);
  });

  it("reads newline-delimited JSON Events, and a JSON array of them, without a list's apiVersion", async () => {
    const lines = await readAll(ndjson(allEvents));
    expect(raws(lines)).toEqual(allEvents);
    expect(lines.map((item) => item.line)).toEqual(allEvents.map((_, i) => i + 1));
    expect(lines.some((item) => "listApiVersion" in item)).toBe(false);
    expect(raws(await readAll(JSON.stringify(allEvents, null, 1)))).toEqual(allEvents);
  });

  it("reads kubectl get events -o json --watch-only: pretty-printed objects one after another, and watch events", async () => {
    expect(raws(await readAll(watchOnlyJson(apiserverEvents), { chunkSize: 333 }))).toEqual(apiserverEvents);
    // With --output-watch-events each is {type, object}: read as is here, taken apart by eventValues.ts.
    const watched = watchEvents(apiserverEvents);
    expect(raws(await readAll(watchOnlyJson(watched)))).toEqual(watched);
  });

  it("reads every form gzipped alike (told by the magic bytes, not the name), counting compressed bytes", async () => {
    const forms = [mustGatherEventsYaml("openshift-apiserver"), kubectlJsonList(apiserverEvents), ndjson(apiserverEvents), watchOnlyJson(apiserverEvents)];
    for (const text of forms) {
      const gzipped = gzipSync(text);
      expect(raws(await readAll(gzipped, { chunkSize: 1000 }))).toEqual(apiserverEvents);
      let bytesRead = 0;
      for await (const chunk of readEventFile(streamOf(gzipped), { maxBytes: 1024 ** 3 })) bytesRead = chunk.bytesRead;
      expect(bytesRead).toBe(gzipped.length);
    }
  });

  it("skips a UTF-8 byte order mark before JSON or YAML", async () => {
    const bom = "\uFEFF";
    expect(raws(await readAll(bom + ndjson(apiserverEvents.slice(0, 3))))).toEqual(apiserverEvents.slice(0, 3));
    expect(raws(await readAll(bom + mustGatherEventsYaml("openshift-console")))).toEqual(mustGatherEventItems("openshift-console"));
  });

  it("reads nothing from an empty file, or one of white space", async () => {
    expect(await readAll("")).toEqual([]);
    expect(await readAll(" \n\n  \n")).toEqual([]);
  });

  it("keeps every Event before damage at the end of a .gz file, then says the rest could not be decompressed", async () => {
    const gzipped = gzipSync(mustGatherEventsYaml("openshift-apiserver"));
    const items = await readAll(gzipped.subarray(0, Math.floor(gzipped.length * 0.6)));
    const last = items.at(-1)!;
    expect(last).toMatchObject({ reason: "cannot decompress the rest of the file", error: expect.stringContaining("unexpected end of file") });
    const read = raws(items.slice(0, -1));
    expect(read.length).toBeGreaterThan(50);
    // Whole Events only: YAML cut short may still parse, so the one being read is not among them.
    expect(read).toEqual(apiserverEvents.slice(0, read.length));
  });
});

describe("readEventFile's limits and what is not text", () => {
  it("refuses input over the size limit, counting the decompressed text", async () => {
    const text = ndjson(apiserverEvents);
    await expect(readAll(text, { maxBytes: text.length - 1 })).rejects.toThrow(InputTooLargeError);
    await expect(readAll(gzipSync(text), { maxBytes: text.length - 1 })).rejects.toThrow(/larger than the limit of .* \(counted decompressed\): raise the limit with --max-size/);
    expect(raws(await readAll(text, { maxBytes: text.length }))).toEqual(apiserverEvents);
  });

  it.each([
    ["a tar archive (a must-gather .tar.gz)", gzipSync(Buffer.concat([Buffer.from("must-gather/timestamp"), Buffer.alloc(236), Buffer.from("ustar\x0000"), Buffer.alloc(250)])), /a tar archive/],
    ["a zip archive", Buffer.concat([Buffer.from("PK\x03\x04", "latin1"), Buffer.alloc(100, 1)]), /a zip archive/],
    ["UTF-16 (PowerShell's >)", Buffer.from(`\uFEFF${ndjson(apiserverEvents.slice(0, 2))}`, "utf16le"), /UTF-16 text/],
    ["binary data", Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00]), /binary data, not text: neither JSON nor YAML/],
    ["zstd", Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0]), /zstd-compressed; only gzip is read: decompress it first \(zstd -dc FILE \| npm run import:events -- -\)/],
  ])("names %s and reads none of it", async (_what, bytes, message) => {
    await expect(readAll(bytes)).rejects.toThrow(message);
  });

  it("tells JSON from YAML by the first character", () => {
    expect(sniffText(Buffer.from('  \n{"kind":"Event"}'), false)).toBe("json");
    expect(sniffText(Buffer.from("\uFEFF[]"), false)).toBe("json");
    expect(sniffText(Buffer.from("---\napiVersion: v1\n"), false)).toBe("yaml");
    expect(sniffText(Buffer.from("   "), false)).toBeNull();
    expect(sniffText(Buffer.from("   "), true)).toBe("yaml");
    expect(() => sniffText(Buffer.from("a\u0000b"), true)).toThrow(NotEventTextError);
  });

  it("stops at once when aborted while waiting for more (a pipe from kubectl --watch-only), handing out the Events read whole", async () => {
    const pipe = new PassThrough();
    const stop = new AbortController();
    const text = watchOnlyJson(apiserverEvents.slice(0, 3));
    // Two whole Events, and a third cut short: then nothing more comes.
    pipe.write(text.slice(0, text.length - 100));
    const items: EventFileItem[] = [];
    const reading = (async () => {
      for await (const chunk of readEventFile(pipe, { maxBytes: 1024 ** 3, signal: stop.signal })) {
        items.push(...chunk.items);
        if (items.length === 2) stop.abort();
      }
    })();
    await reading;
    expect(raws(items)).toEqual(apiserverEvents.slice(0, 2));
    expect(pipe.destroyed).toBe(true);
  });
});
