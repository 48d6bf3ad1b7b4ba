import { describe, expect, it } from "vitest";
import { loadFalcoTraceEvents } from "../../testing/fixtures";
import { Buffer } from "node:buffer";
import { InvalidUtf8Error, parseByItems, parseEventListJson, splitItems } from "./eventListJson";

const bytesOf = (text: string) => new TextEncoder().encode(text);

/** What the endpoint did before: decode the whole body, then JSON.parse it. */
function parsedWhole(text: string): { value: unknown } | { error: string } {
  try {
    return { value: JSON.parse(text) };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

function parsedSplit(text: string): { value: unknown } | { error: string } {
  try {
    return { value: parseEventListJson(bytesOf(text)) };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

describe("parseEventListJson", () => {
  it("parses the real recorded falco events, sent as one EventList, as JSON.parse does", () => {
    const items = loadFalcoTraceEvents().map((event) => event.raw);
    expect(items.length).toBeGreaterThan(50);
    const text = JSON.stringify({ kind: "EventList", apiVersion: "audit.k8s.io/v1", metadata: {}, items });
    const split = splitItems(bytesOf(text));
    expect(split?.elements.length).toBe(items.length * 2);
    // Item by item, not by the fallback to the whole text.
    expect(parseByItems(Buffer.from(text))).toEqual({ value: JSON.parse(text) });
    expect(parseEventListJson(bytesOf(text))).toEqual(JSON.parse(text));
    // Indented, as a person or another tool might send it.
    const pretty = JSON.stringify({ items, kind: "EventList", apiVersion: "audit.k8s.io/v1" }, null, 2);
    expect(parseByItems(Buffer.from(pretty))).toEqual({ value: JSON.parse(pretty) });
    expect(parseEventListJson(bytesOf(pretty))).toEqual(JSON.parse(pretty));
  });

  it("cuts an apiserver's EventList at each event's start, and scans when a cut falls inside an event", () => {
    const recorded = loadFalcoTraceEvents().map((event) => event.raw as Record<string, unknown>);
    // The recorded events in the apiserver's own key order (Go's encoding/json: the struct's
    // fields in order, kind and apiVersion first), v1 and v1beta1; the rest of the falco files
    // were rewritten by a tool with sorted keys.
    const events = recorded.filter((event) => Object.keys(event)[0] === "kind" && Object.keys(event)[1] === "apiVersion");
    expect(new Set(events.map((event) => event.apiVersion))).toEqual(new Set(["audit.k8s.io/v1", "audit.k8s.io/v1beta1"]));
    expect(events.length).toBeGreaterThan(10);
    const list = (items: unknown[]) => JSON.stringify({ kind: "EventList", apiVersion: "audit.k8s.io/v1", metadata: {}, items });
    const text = list(events);
    expect(splitItems(bytesOf(text), { byEventMarker: true })?.elements).toEqual(splitItems(bytesOf(text))?.elements);
    expect(parseByItems(Buffer.from(text))).toEqual({ value: JSON.parse(text) });

    // Events in another key order: pieces hold several events, don't parse, and scanning splits them.
    const mixed = list(recorded);
    expect(splitItems(bytesOf(mixed), { byEventMarker: true })?.elements.length).toBeLessThan(recorded.length * 2);
    expect(parseByItems(Buffer.from(mixed))).toEqual({ value: JSON.parse(mixed) });

    // A response that is itself a list of audit events (from an aggregated API, say): the
    // separator appears inside an event, the cut pieces don't parse, and scanning finds the items.
    const nested = [events[0], { ...events[1], responseObject: { kind: "EventList", apiVersion: "audit.k8s.io/v1", items: [events[2], events[3]] } }, events[4]];
    const nestedText = list(nested);
    expect(splitItems(bytesOf(nestedText), { byEventMarker: true })?.elements.length).toBe((nested.length + 1) * 2);
    expect(parseByItems(Buffer.from(nestedText))).toEqual({ value: JSON.parse(nestedText) });

    // Items not the last key: the last piece runs into the next key and does not parse.
    const itemsFirst = JSON.stringify({ items: events.slice(0, 3), kind: "EventList", extra: [{ a: 1 }] });
    expect(parseByItems(Buffer.from(itemsFirst))).toEqual({ value: JSON.parse(itemsFirst) });
    const twice = `{"kind":"EventList","items":${JSON.stringify(events.slice(0, 2))},"items":${JSON.stringify(events.slice(2, 4))}}`;
    expect(parseEventListJson(bytesOf(twice))).toEqual(JSON.parse(twice));
  });

  it("finds element boundaries past quotes, brackets and backslashes inside strings", () => {
    const tricky = [
      { s: 'a "quoted" ] } [ { , word' },
      { s: "ends with a backslash \\" },
      { s: "\\\\\"" },
      { s: "üñí ☃ 𝄞 \u2028" },
      "just a string with ]",
      42,
      -1.5e3,
      true,
      null,
      [[], [{}], "]"],
      {},
    ];
    const text = `{"apiVersion":"audit.k8s.io/v1","items":${JSON.stringify(tricky)},"kind":"EventList"}`;
    expect(splitItems(bytesOf(text))?.elements.length).toBe(tricky.length * 2);
    expect(parseByItems(Buffer.from(text))).toEqual({ value: JSON.parse(text) });
    expect(parseEventListJson(bytesOf(text))).toEqual(JSON.parse(text));
  });

  it.each([
    ["an empty items array", '{"kind":"EventList","items":[]}'],
    ["items with spaces around", ' \n{ "items" : [ {"a":1} , {"b":2} ] , "kind" : "EventList" } \r\n'],
    ["items with spaces inside", '{"items":[ ]}'],
    ["no items key", '{"kind":"EventList"}'],
    ["items that is not an array", '{"items":{"a":[1]}}'],
    ["items twice (the last wins)", '{"items":[{"a":1}],"items":[{"b":2}]}'],
    ["items spelled with an escape", '{"\\u0069tems":[{"a":1}]}'],
    ["both spellings of items", '{"items":[{"a":1}],"\\u0069tems":[{"b":2}]}'],
    ["another key twice", '{"kind":"x","items":[1],"kind":"EventList"}'],
    ["an array at the top", '[{"items":[1]}]'],
    ["a string at the top", '"items"'],
    ["an empty object", "{}"],
  ])("gives what JSON.parse gives for %s", (_, text) => {
    expect(parsedSplit(text)).toEqual(parsedWhole(text));
  });

  it.each([
    ["an empty body", ""],
    ["truncated inside an item", '{"items":[{"a":"b'],
    ["truncated between items", '{"items":[{"a":1},'],
    ["a trailing comma in items", '{"items":[{"a":1},]}'],
    ["a missing comma between items", '{"items":[{"a":1} {"b":2}]}'],
    ["mismatched brackets in an item", '{"items":[{"a":[1}],"kind":"EventList"}'],
    ["a bad literal in an item", '{"items":[{"a":tru}]}'],
    ["two literals in a row", '{"items":[1 2]}'],
    ["text after the document", '{"items":[]} x'],
    ["a bad value outside items", '{"kind":Event,"items":[{}]}'],
    ["a raw control character in a string", '{"items":[{"a":"x\ty"}]}'],
  ])("fails with JSON.parse's message for %s", (_, text) => {
    const whole = parsedWhole(text);
    expect(whole).toHaveProperty("error");
    expect(parsedSplit(text)).toEqual(whole);
  });

  it("ignores a leading byte order mark, as TextDecoder does", () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...bytesOf('{"items":[{"a":1}]}')]);
    expect(parseEventListJson(bytes)).toEqual({ items: [{ a: 1 }] });
  });

  it("refuses bytes that are not UTF-8", () => {
    expect(() => parseEventListJson(new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x7d]))).toThrow(InvalidUtf8Error);
  });

  it("reads a view into a larger buffer by its own offset and length", () => {
    const whole = bytesOf('xxxx{"items":[{"a":1}]}yyyy');
    expect(parseEventListJson(whole.subarray(4, whole.length - 4))).toEqual({ items: [{ a: 1 }] });
  });
});
