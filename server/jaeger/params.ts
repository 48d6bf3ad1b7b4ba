import { z } from "zod";
import { parseGoDurationMicros } from "./goDuration";
import { isCalendarDate } from "../model/time/calendarDate";
import { INTERNAL_ERROR_MESSAGE } from "../app/internalError";

/**
 * Query parameters of the Jaeger-compatible API, validated with zod. A bad parameter is a
 * ParamError, which each dialect turns into a 400 whose message names the parameter.
 */

/** A query parameter that could not be used; `message` names it. */
export class ParamError extends Error {
  constructor(
    readonly param: string,
    message: string,
  ) {
    super(message);
    this.name = "ParamError";
  }
}

/** How a dialect words "this parameter is malformed". */
export type ParamErrorWording = (param: string, reason: string) => string;
/** Jaeger v1's wording (`newParseError` in the query service). */
export const V1_WORDING: ParamErrorWording = (param, reason) => `unable to parse param '${param}': ${reason}`;
/** The v3 HTTP gateway's wording (`tryParamError`). */
export const V3_WORDING: ParamErrorWording = (param, reason) => `malformed parameter ${param}: ${reason}`;

/**
 * Reads `names` from the URL's query into an object, as Jaeger's query service reads them: the
 * first value of each (Go's `url.Values.Get`), an empty one being absent (Jaeger reads "" as
 * not given), so `start=&start=5` has no start; or, for names in `multi`, every value, empty ones
 * included (Jaeger's `r.URL.Query()[name]` for `traceID`, `tag`, `tags`: an empty one is malformed).
 * `aliases` maps a canonical name to older spellings, used in order when the canonical one is
 * absent or empty (v3's getQueryParam); the object is keyed by canonical name, and `effective`
 * says which spelling was used.
 */
export function readQuery(
  params: URLSearchParams,
  names: readonly string[],
  options: { multi?: readonly string[]; aliases?: Readonly<Record<string, readonly string[]>> } = {},
): { values: Record<string, string | string[] | undefined>; effective: Record<string, string> } {
  const values: Record<string, string | string[] | undefined> = {};
  const effective: Record<string, string> = {};
  for (const name of names) {
    effective[name] = name;
    if (options.multi?.includes(name)) {
      values[name] = params.getAll(name);
      continue;
    }
    for (const spelling of [name, ...(options.aliases?.[name] ?? [])]) {
      const value = params.get(spelling);
      if (value) {
        values[name] = value;
        effective[name] = spelling;
        break;
      }
    }
  }
  return { values, effective };
}

/**
 * Validates `values` with `schema`; on failure throws a ParamError for the first issue. An
 * issue message that already names its parameter is used as is, others are worded by `wording`.
 */
export function parseQuery<T extends z.ZodType>(
  schema: T,
  query: { values: Record<string, unknown>; effective: Record<string, string> },
  wording: ParamErrorWording,
): z.output<T> {
  for (const [key, value] of Object.entries(query.values)) {
    const param = query.effective[key] ?? key;
    if ([value].flat().some((text) => typeof text === "string" && text.includes("\u0000"))) throw new ParamError(param, wording(param, NUL_PROBLEM));
  }
  const parsed = schema.safeParse(query.values);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const key = String(issue.path[0] ?? "");
  const param = query.effective[key] ?? key;
  throw new ParamError(param, issue.message.startsWith("!") ? issue.message.slice(1) : wording(param, issue.message));
}

/**
 * Why a text holding NUL (U+0000) is refused: Postgres cannot take it in a text parameter, so
 * a search for it would fail in the database (a 500). No stored text holds one (ingest refuses
 * them), so it could match nothing anyway.
 */
export const NUL_PROBLEM = "must not contain a NUL character (U+0000)";

/**
 * A JSON object of strings (search tags), none holding NUL: see NUL_PROBLEM. Rebuilt with
 * Object.fromEntries, which keeps a `__proto__` key as a tag (zod's record assigns it, which
 * drops it: the search would then ignore the tag instead of refusing it).
 */
export const stringMap = z.unknown().transform((json, ctx) => {
  const entries: Array<[string, unknown]> | null = typeof json === "object" && json !== null && !Array.isArray(json) ? Object.entries(json) : null;
  if (entries === null || !entries.every((entry): entry is [string, string] => typeof entry[1] === "string")) {
    ctx.addIssue({ code: "custom", message: "expected a JSON object of strings" });
    return z.NEVER;
  }
  if (entries.some(([key, value]) => key.includes("\u0000") || value.includes("\u0000"))) {
    ctx.addIssue({ code: "custom", message: NUL_PROBLEM });
    return z.NEVER;
  }
  return Object.fromEntries(entries);
});

/** Marks a message as complete: parseQuery uses it without the dialect's "malformed" wording. */
export const verbatim = (message: string) => `!${message}`;

/** The integer sizes Jaeger's parsers read: ParseInt(…, 32) for v1 `limit`, 64 (or Atoi's int) for the rest. */
export type GoIntBits = 32 | 64;

/**
 * `text` as Go's strconv.ParseInt(text, 10, bits) reads it — an optional sign, then decimal
 * digits, leading zeros allowed — as an exact bigint; or why not, in Go's words ("value out of
 * range" for a number beyond the type). A Number would round 19-digit values, so that two
 * different times could compare equal.
 */
export function parseGoInt(text: string, bits: GoIntBits): bigint | { problem: string } {
  const match = /^([+-]?)0*(\d*)$/.exec(text);
  if (!match || !/\d/.test(text)) return { problem: `expected an integer, got ${JSON.stringify(text)}` };
  const [, sign, digits] = match;
  const max = (1n << BigInt(bits - 1)) - 1n;
  // More significant digits than any int64 has: out of range, without parsing however many there are.
  const value = digits!.length > 19 ? null : BigInt(`${sign}${digits || "0"}`);
  if (value === null || value > max || value < -max - 1n) return { problem: `value out of range: expected an integer from ${-max - 1n} to ${max}, got ${JSON.stringify(text)}` };
  return value;
}

/** An optional integer parameter, read as Go's strconv.ParseInt reads it: an exact bigint. */
export const optionalGoInt = (bits: GoIntBits) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return undefined;
      const parsed = parseGoInt(value, bits);
      if (typeof parsed === "bigint") return parsed;
      ctx.addIssue({ code: "custom", message: parsed.problem });
      return z.NEVER;
    });

/**
 * A bigint as a Number, saturated at ±Number.MAX_SAFE_INTEGER: exact for every time (in µs, up
 * to 2106 in a trace ID) and count that can matter here; anything beyond reads as far as can be.
 */
export function saturatingNumber(value: bigint): number {
  const max = BigInt(Number.MAX_SAFE_INTEGER);
  return Number(value > max ? max : value < -max ? -max : value);
}

/** An optional Go duration (`1.2s`, `100ms`, `500us`), in microseconds. */
export const optionalGoDuration = z
  .string()
  .optional()
  .transform((value, ctx) => {
    if (value === undefined) return undefined;
    const micros = parseGoDurationMicros(value);
    if (micros === null) {
      ctx.addIssue({ code: "custom", message: `expected a duration like 1.2s, 100ms or 500us, got ${JSON.stringify(value)}` });
      return z.NEVER;
    }
    return micros;
  });

/**
 * A bound on the duration of a search's traces (v1 `minDuration`/`maxDuration`, v3
 * `query.durationMin`/`query.durationMax`), in microseconds: a Go duration, where 0 means no
 * bound, as every Jaeger store reads it (`if query.DurationMax != 0 …`).
 */
export const optionalDurationBound = optionalGoDuration.transform((micros) => (micros === 0 ? undefined : micros));

/** An optional boolean as Go's strconv.ParseBool reads it. */
export const optionalBool = z
  .string()
  .optional()
  .transform((value, ctx) => {
    if (value === undefined) return undefined;
    if (["1", "t", "T", "TRUE", "true", "True"].includes(value)) return true;
    if (["0", "f", "F", "FALSE", "false", "False"].includes(value)) return false;
    ctx.addIssue({ code: "custom", message: `expected true or false, got ${JSON.stringify(value)}` });
    return z.NEVER;
  });

const RFC3339 = /^(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;

/** Microseconds since the epoch of an RFC 3339 timestamp (as Go's time.RFC3339Nano parses), or null. */
export function parseRfc3339Micros(text: string): number | null {
  const match = RFC3339.exec(text);
  if (!match) return null;
  const [, date, time, fraction = "", zone] = match;
  if (!isCalendarDate(date!)) return null;
  const ms = Date.parse(`${date}T${time}${zone!.toUpperCase()}`);
  if (Number.isNaN(ms)) return null;
  return ms * 1000 + Math.floor(Number(fraction.padEnd(9, "0")) / 1000);
}

/** An optional RFC 3339 timestamp, in microseconds since the epoch. */
export const optionalRfc3339 = z
  .string()
  .optional()
  .transform((value, ctx) => {
    if (value === undefined) return undefined;
    const micros = parseRfc3339Micros(value);
    if (micros === null) {
      ctx.addIssue({ code: "custom", message: `expected an RFC 3339 time like 2026-01-02T15:04:05Z, got ${JSON.stringify(value)}` });
      return z.NEVER;
    }
    return micros;
  });

/** Whether `prettyPrint` asks for indented JSON (any value but empty and "false", as Jaeger reads it). */
export function wantsPrettyPrint(params: URLSearchParams): boolean {
  const value = params.get("prettyPrint");
  return value !== null && value !== "" && value !== "false";
}

/** A JSON response, indented by four spaces (Jaeger's prettyPrint indent) when asked. */
export function jsonResponse(body: unknown, init: { status?: number; pretty?: boolean; headers?: Record<string, string> } = {}): Response {
  return new Response(JSON.stringify(body, null, init.pretty ? 4 : undefined), {
    status: init.status ?? 200,
    headers: { "content-type": "application/json", ...init.headers },
  });
}

/**
 * Runs a handler's work and never throws: a ParamError becomes a 400 naming the parameter,
 * anything else a 500, logged whole and answered without its message (a database's error names
 * tables and values), each in the dialect's error body.
 */
export async function answer(request: Request, work: () => Promise<Response>, errorBody: (status: number, message: string) => Response): Promise<Response> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ParamError) return errorBody(400, error.message);
    console.error(`kubetrail: ${request.method} ${new URL(request.url).pathname}: ${(error as Error).stack ?? error}`);
    return errorBody(500, INTERNAL_ERROR_MESSAGE);
  }
}
