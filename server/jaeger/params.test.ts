import { describe, expect, it } from "vitest";
import { z } from "zod";
import { parseGoDurationMicros } from "./goDuration";
import { optionalDurationBound, optionalRfc3339, parseGoInt, parseQuery, parseRfc3339Micros, ParamError, readQuery, saturatingNumber, V1_WORDING, V3_WORDING, verbatim } from "./params";
import { normalizeTraceId } from "./traceIdParam";

describe("parseGoDurationMicros", () => {
  it.each([
    ["1.2s", 1_200_000],
    ["100ms", 100_000],
    ["500us", 500],
    ["500µs", 500],
    ["1h30m", 5_400_000_000],
    ["1500ns", 1.5],
    ["-2m", -120_000_000],
    ["0", 0],
    [".5s", 500_000],
  ])("reads %s as Go does", (text, micros) => expect(parseGoDurationMicros(text)).toBe(micros));

  it.each(["", "1", "1d", "s", "1.2.3s", "1 s", "abc"])("rejects %j", (text) => expect(parseGoDurationMicros(text)).toBeNull());
});

describe("optionalDurationBound", () => {
  it("reads a Go duration in microseconds, 0 as no bound (Jaeger's stores skip a zero bound)", () => {
    expect(optionalDurationBound.parse("1.5s")).toBe(1_500_000);
    expect(optionalDurationBound.parse(undefined)).toBeUndefined();
    for (const zero of ["0", "0s", "0ms", "-0h"]) expect(optionalDurationBound.parse(zero)).toBeUndefined();
    expect(optionalDurationBound.safeParse("10").success).toBe(false);
  });
});

describe("parseGoInt", () => {
  it("reads what Go's strconv.ParseInt(s, 10, bits) reads, exactly", () => {
    expect(parseGoInt("9223372036854775807", 64)).toBe(9223372036854775807n);
    expect(parseGoInt("-9223372036854775808", 64)).toBe(-9223372036854775808n);
    expect(parseGoInt("+000000000000000000000042", 64)).toBe(42n);
    expect(parseGoInt(`-${"0".repeat(100)}9223372036854775808`, 64)).toBe(-9223372036854775808n);
    expect(parseGoInt("000", 64)).toBe(0n);
    expect(parseGoInt("-0", 64)).toBe(0n);
    expect(parseGoInt("2147483647", 32)).toBe(2147483647n);
    expect(parseGoInt("-2147483648", 32)).toBe(-2147483648n);
  });
  it.each([
    ["9223372036854775808", 64],
    ["-9223372036854775809", 64],
    ["99999999999999999999999", 64],
    ["2147483648", 32],
    ["-2147483649", 32],
  ] as const)("refuses %s as out of the %i-bit range", (text, bits) => expect(parseGoInt(text, bits)).toEqual({ problem: expect.stringMatching(/^value out of range: /) }));
  it("refuses a million digits as out of range", () => {
    expect(parseGoInt(`1${"0".repeat(1_000_000)}`, 64)).toEqual({ problem: expect.stringMatching(/^value out of range: /) });
  });
  it.each(["", "+", "1.5", "1e3", "0x10", "1_000", " 1", "١"])("refuses %j as not an integer", (text) => expect(parseGoInt(text, 64)).toEqual({ problem: expect.stringMatching(/^expected an integer/) }));
});

describe("saturatingNumber", () => {
  it("is exact within the safe integers and saturates beyond", () => {
    expect(saturatingNumber(9007199254740991n)).toBe(9007199254740991);
    expect(saturatingNumber(-42n)).toBe(-42);
    expect(saturatingNumber(2n ** 63n - 1n)).toBe(Number.MAX_SAFE_INTEGER);
    expect(saturatingNumber(-(2n ** 63n))).toBe(-Number.MAX_SAFE_INTEGER);
  });
});

describe("parseRfc3339Micros", () => {
  it("keeps microseconds and offsets", () => {
    expect(parseRfc3339Micros("2021-09-13T14:53:16.123456789Z")).toBe(Date.parse("2021-09-13T14:53:16.123Z") * 1000 + 456);
    expect(parseRfc3339Micros("2021-09-13T16:53:16+02:00")).toBe(Date.parse("2021-09-13T14:53:16Z") * 1000);
  });
  it.each(["2021-09-13", "2021-09-13 14:53:16Z", "1631544796", "2021-13-45T99:00:00Z", "2023-02-29T00:00:00Z"])("rejects %j", (text) => expect(parseRfc3339Micros(text)).toBeNull());
});

describe("readQuery and parseQuery", () => {
  const schema = z.object({ "query.startTimeMin": optionalRfc3339, "query.searchDepth": z.string().optional() });
  const aliases = { "query.startTimeMin": ["query.start_time_min"], "query.searchDepth": ["query.search_depth", "query.num_traces"] };

  it("prefers the canonical name and falls back to older spellings in order", () => {
    const params = new URLSearchParams("query.num_traces=5&query.search_depth=7&query.start_time_min=2021-09-13T14:53:16Z");
    const query = readQuery(params, Object.keys(aliases), { aliases });
    expect(query.values).toEqual({ "query.startTimeMin": "2021-09-13T14:53:16Z", "query.searchDepth": "7" });
    expect(query.effective).toEqual({ "query.startTimeMin": "query.start_time_min", "query.searchDepth": "query.search_depth" });
  });

  it("takes the first value of a name as Go's url.Values.Get does, an empty one being absent, and every value of a multi name", () => {
    const params = new URLSearchParams("start=&start=5&end=7&end=&tag=&tag=a:b&query.searchDepth=&query.searchDepth=3&query.search_depth=4");
    const query = readQuery(params, ["start", "end", "tag", "query.searchDepth"], { multi: ["tag"], aliases });
    expect(query.values).toEqual({ end: "7", tag: ["", "a:b"], "query.searchDepth": "4" });
    expect(query.effective["query.searchDepth"]).toBe("query.search_depth");
  });

  it("names the parameter as the caller spelled it, in the dialect's words", () => {
    const query = readQuery(new URLSearchParams("query.start_time_min=yesterday"), Object.keys(aliases), { aliases });
    expect(() => parseQuery(schema, query, V3_WORDING)).toThrow(/^malformed parameter query.start_time_min: expected an RFC 3339 time/);
    expect(() => parseQuery(schema, query, V1_WORDING)).toThrow(/^unable to parse param 'query.start_time_min': /);
    try {
      parseQuery(schema, query, V3_WORDING);
    } catch (error) {
      expect(error).toBeInstanceOf(ParamError);
      expect((error as ParamError).param).toBe("query.start_time_min");
    }
  });

  it("uses a verbatim message as it is", () => {
    const required = z.object({ service: z.string({ error: verbatim("parameter 'service' is required") }) });
    expect(() => parseQuery(required, readQuery(new URLSearchParams(), ["service"]), V1_WORDING)).toThrow(/^parameter 'service' is required$/);
  });
});

describe("normalizeTraceId", () => {
  it("accepts 1 to 32 hex characters in any case, as 32 lowercase", () => {
    expect(normalizeTraceId("1003000000000007613F4E80613f5c90")).toBe("1003000000000007613f4e80613f5c90");
    expect(normalizeTraceId("ABC")).toBe("00000000000000000000000000000abc");
  });
  it("accepts the 16 bytes in base64, standard or URL-safe, padded or not", () => {
    const hex = "1003000000000007613ffe80613f5c90";
    const bytes = Buffer.from(hex, "hex");
    expect(normalizeTraceId(bytes.toString("base64"))).toBe(hex);
    expect(normalizeTraceId(bytes.toString("base64url"))).toBe(hex);
  });
  it.each(["", "g".repeat(32), "0".repeat(33), "not a trace id", "!!!!"])("rejects %j", (text) => expect(normalizeTraceId(text)).toBeNull());
});
