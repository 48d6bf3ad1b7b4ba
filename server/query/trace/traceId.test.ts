import { describe, expect, it } from "vitest";
import { DISPLAY_MODES, RELATION_MODES, type TraceQuery } from "./types";
import { decodeTraceId, encodeTraceId, isTraceId, MAX_ROOT_OBJECT_ID, spanIdFor, TraceIdError, traceQueryOf } from "./traceId";

// The rollout of openshift-apiserver/apiserver (2021-09-13 14:53 UTC) as a one-hour window.
const query: TraceQuery = {
  rootObjectId: 4711,
  relationMode: "full",
  displayMode: "tracing",
  depth: 3,
  startSeconds: Date.parse("2021-09-13T14:30:00Z") / 1000,
  endSeconds: Date.parse("2021-09-13T15:30:00Z") / 1000,
};

describe("trace IDs", () => {
  it("are 32 lowercase hex characters that spell the query", () => {
    const id = encodeTraceId(query);
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    // version 1, tracing (0), full (3), depth 3, object 4711, start, end
    expect(id).toBe(`1033${(4711).toString(16).padStart(12, "0")}${query.startSeconds.toString(16)}${query.endSeconds.toString(16)}`);
    expect(decodeTraceId(id)).toEqual(query);
  });

  it("round-trip every mode, the depth limits and the largest fields", () => {
    for (const displayMode of DISPLAY_MODES) {
      for (const relationMode of RELATION_MODES) {
        for (const depth of [1, 15]) {
          const q = { ...query, displayMode, relationMode, depth };
          expect(decodeTraceId(encodeTraceId(q))).toEqual(q);
        }
      }
    }
    const extreme = { ...query, rootObjectId: MAX_ROOT_OBJECT_ID, startSeconds: 0, endSeconds: 2 ** 32 - 1 };
    expect(decodeTraceId(encodeTraceId(extreme))).toEqual(extreme);
  });

  it("differ whenever the query differs", () => {
    const variants = [query, { ...query, depth: 4 }, { ...query, rootObjectId: 4712 }, { ...query, endSeconds: query.endSeconds + 1 }, { ...query, displayMode: "tree" as const }];
    expect(new Set(variants.map(encodeTraceId)).size).toBe(variants.length);
  });

  it("decode in any case", () => {
    const id = encodeTraceId({ ...query, rootObjectId: 0xabcdef });
    expect(decodeTraceId(id.toUpperCase())).toEqual({ ...query, rootObjectId: 0xabcdef });
    expect(isTraceId(id.toUpperCase())).toBe(true);
  });

  it.each([
    ["", /must be 32 hex characters, got 0/],
    ["1033", /must be 32 hex characters, got 4/],
    ["1033000000001267613f6e98613f7ca80", /got 33/],
    ["1033000000001267613f6e98613f7ca_", /must be 32 hex characters \(0-9, a-f\)/],
    ["2033000000001267613f6e98613f7ca8", /version 2, expected 1/],
    ["0033000000001267613f6e98613f7ca8", /version 0/],
    ["1433000000001267613f6e98613f7ca8", /unknown display mode \(4\)/],
    ["1043000000001267613f6e98613f7ca8", /unknown relation mode \(4\)/],
    ["1030000000001267613f6e98613f7ca8", /depth must be 1\.\.15, got 0/],
    ["10330000000000006137e6286137e628", /root object id must be 1\.\./],
    ["1033000000001267613f7ca8613f6e98", /end \(\d+\) must be after start/],
  ])("rejects %j with a clear message", (id, message) => {
    expect(() => decodeTraceId(id)).toThrow(TraceIdError);
    expect(() => decodeTraceId(id)).toThrow(message);
    expect(isTraceId(id)).toBe(false);
  });

  it("refuse to encode a query out of range", () => {
    expect(() => encodeTraceId({ ...query, depth: 16 })).toThrow(/depth must be 1\.\.15/);
    expect(() => encodeTraceId({ ...query, rootObjectId: 2 ** 48 })).toThrow(/root object id/);
    expect(() => encodeTraceId({ ...query, startSeconds: -1 })).toThrow(/start must be whole seconds/);
    expect(() => encodeTraceId({ ...query, endSeconds: 2 ** 32 })).toThrow(/end must be whole seconds/);
    expect(() => encodeTraceId({ ...query, startSeconds: 1.5 })).toThrow(/start must be whole seconds/);
    expect(() => encodeTraceId({ ...query, endSeconds: query.startSeconds })).toThrow(/must be after start/);
    expect(() => encodeTraceId({ ...query, displayMode: "flame" as never })).toThrow(/unknown display mode "flame"/);
  });
});

describe("traceQueryOf", () => {
  it("widens a millisecond range to whole seconds and fills the defaults", () => {
    const q = traceQueryOf({ rootObjectId: 7, start: new Date("2021-09-13T14:53:16.900Z"), end: new Date("2021-09-13T15:02:16.007Z") });
    expect(q).toEqual({
      rootObjectId: 7,
      relationMode: "full",
      displayMode: "tracing",
      depth: 3,
      startSeconds: Date.parse("2021-09-13T14:53:16Z") / 1000,
      endSeconds: Date.parse("2021-09-13T15:02:17Z") / 1000,
    });
    const instant = new Date("2021-09-13T14:53:16Z");
    expect(traceQueryOf({ rootObjectId: 7, start: instant, end: instant }).endSeconds).toBe(instant.getTime() / 1000 + 1);
  });
});

describe("span IDs", () => {
  it("are 16 hex characters, the same for the same trace, object and role, different otherwise", () => {
    const traceId = encodeTraceId(query);
    const id = spanIdFor(traceId, 12, "object");
    expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(spanIdFor(traceId.toUpperCase(), 12, "object")).toBe(id);
    const others = [spanIdFor(traceId, 13, "object"), spanIdFor(traceId, 12, "group:audit"), spanIdFor(traceId, 12, "entry:5"), spanIdFor(encodeTraceId({ ...query, depth: 4 }), 12, "object")];
    expect(new Set([id, ...others]).size).toBe(5);
  });
});
