import { z } from "zod";
import { kindDependencies } from "../dependencies";
import { operationNames, operationParam, operationsOfSpanKind, spanKindParam } from "../operations";
import { optionalBool, optionalDurationBound, optionalGoInt, parseQuery, ParamError, readQuery, saturatingNumber, stringMap, V1_WORDING, verbatim } from "../params";
import { assembleOptionsOf, DEFAULT_SEARCH_LIMIT, searchCriteria, searchLimitOf, searchTraces, traceById, tracesById, type JaegerDeps } from "../search";
import { UnknownTagError } from "../searchTags";
import { listServices } from "../services";
import { normalizeTraceId, traceIdProblem } from "../traceIdParam";
import { toJaegerTrace } from "./jaegerJson";
import { v1Data, v1Error, v1Handle, type V1Error } from "./envelope";
import { lookbackMicrosOf, searchRangeOf } from "./searchRange";

/**
 * Jaeger's v1 JSON API (the routes of http_handler.go that Jaeger UI 1.x calls, and the
 * current UI still calls for a trace, operations and dependencies). Framework-free: a route
 * handler passes the request and the store.
 */

/** `GET /api/services`: `*` then every kind in the store. */
export function handleV1Services(request: Request, deps: JaegerDeps): Promise<Response> {
  return v1Handle(request, async () => {
    const services = await listServices(deps.db);
    return v1Data(request, services, { total: services.length });
  });
}

/** `GET /api/services/{service}/operations`: the views, by name; the same for every service. */
export function handleV1ServiceOperations(request: Request): Promise<Response> {
  return v1Handle(request, async () => {
    const names = operationNames();
    return v1Data(request, names, { total: names.length });
  });
}

const operationsSchema = z.object({
  service: z.string({ error: verbatim("parameter 'service' is required") }),
  spanKind: spanKindParam,
});

/** `GET /api/operations?service=&spanKind=`: the views as `{name, spanKind: "internal"}`. */
export function handleV1Operations(request: Request): Promise<Response> {
  return v1Handle(request, async () => {
    const query = parseQuery(operationsSchema, readQuery(new URL(request.url).searchParams, ["service", "spanKind"]), V1_WORDING);
    const operations = operationsOfSpanKind(query.spanKind);
    return v1Data(request, operations, { total: operations.length });
  });
}

const traceIds = z.array(z.string()).transform((values, ctx) =>
  values.map((value) => {
    const id = normalizeTraceId(value);
    if (id === null) ctx.addIssue({ code: "custom", message: verbatim(`cannot parse traceID param: ${traceIdProblem(value)}`) });
    return id ?? "";
  }),
);

/**
 * `tag=key:value`, as Jaeger splits it (the value may contain colons). Tag maps are built
 * with Object.fromEntries and spreads, never assignments, which would drop a `__proto__` tag.
 */
const simpleTags = z.array(z.string()).transform((values, ctx) => {
  const tags: Array<[string, string]> = [];
  for (const tag of values) {
    const colon = tag.indexOf(":");
    if (colon < 0) ctx.addIssue({ code: "custom", message: verbatim(`malformed 'tag' parameter, expecting key:value, received: ${tag}`) });
    else tags.push([tag.slice(0, colon), tag.slice(colon + 1)]);
  }
  return Object.fromEntries(tags);
});

/** `tags={"key":"value",…}`, string values only (Go unmarshals into map[string]string). */
const jsonTags = z.array(z.string()).transform((values, ctx) => {
  let tags: Record<string, string> = {};
  for (const text of values) {
    const parsed = stringMap.safeParse(safeJson(text));
    if (!parsed.success) ctx.addIssue({ code: "custom", message: verbatim(`malformed 'tags' parameter, expected a JSON object of strings: ${text}`) });
    else tags = { ...tags, ...parsed.data };
  }
  return tags;
});

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const searchSchema = z
  .object({
    service: z.string().optional(),
    operation: operationParam,
    // µs since the epoch, any int64 (parseTime: strconv.ParseInt(…, 10, 64)).
    start: optionalGoInt(64),
    end: optionalGoInt(64),
    lookback: z.string().optional(),
    // strconv.ParseInt(limit, 10, 32) in parseTraceQueryParams.
    limit: optionalGoInt(32)
      .refine((v) => v === undefined || v >= 0n, { message: "must not be negative" })
      .transform((v) => (v === undefined ? undefined : Number(v))),
    minDuration: optionalDurationBound,
    maxDuration: optionalDurationBound,
    raw: optionalBool,
    traceID: traceIds,
    tag: simpleTags,
    tags: jsonTags,
  })
  .superRefine((query, ctx) => {
    if (query.minDuration !== undefined && query.maxDuration !== undefined && query.maxDuration < query.minDuration) {
      ctx.addIssue({ code: "custom", path: ["maxDuration"], message: verbatim("'maxDuration' should be greater than 'minDuration'") });
    }
    // Read (so checked) only when it decides the range: with start given, it is Jaeger UI's own.
    if (query.start === undefined && lookbackMicrosOf(query.lookback) === null) {
      ctx.addIssue({ code: "custom", path: ["lookback"], message: `expected a look-back like 1h, 2d or custom, got ${JSON.stringify(query.lookback)}` });
    }
  });

const SEARCH_PARAMS = ["service", "operation", "start", "end", "lookback", "limit", "minDuration", "maxDuration", "raw", "traceID", "tag", "tags"];

/** `GET /api/traces`: the traces of `traceID=a&traceID=b`, or a search. */
export function handleV1Traces(request: Request, deps: JaegerDeps): Promise<Response> {
  return v1Handle(request, async () => {
    const query = parseQuery(searchSchema, readQuery(new URL(request.url).searchParams, SEARCH_PARAMS, { multi: ["traceID", "tag", "tags"] }), V1_WORDING);

    if (query.traceID.length > 0) {
      const found = await tracesById(deps.db, query.traceID, assembleOptionsOf(deps));
      const errors: V1Error[] = query.traceID.filter((_, i) => found[i] === null).map((traceID) => ({ msg: "trace not found", traceID }));
      const traces = found.flatMap((trace) => (trace ? [toJaegerTrace(trace)] : []));
      return v1Data(request, traces, errors.length > 0 ? { errors } : {});
    }

    let criteria;
    try {
      // A key in both: the JSON's value, as the query service merges them (parseTags).
      criteria = await searchCriteria(deps.db, query.service, { ...query.tag, ...query.tags });
    } catch (error) {
      if (!(error instanceof UnknownTagError)) throw error;
      const param = Object.hasOwn(query.tag, error.tag) ? "tag" : "tags";
      throw new ParamError(param, V1_WORDING(param, error.message));
    }
    const traces = await searchTraces(deps.db, {
      criteria,
      view: query.operation,
      ...searchRangeOf({ ...query, lookbackMicros: lookbackMicrosOf(query.lookback) ?? undefined }, Date.now() * 1000),
      minDuration: query.minDuration,
      maxDuration: query.maxDuration,
      limit: searchLimitOf(query.limit ?? DEFAULT_SEARCH_LIMIT),
    }, assembleOptionsOf(deps));
    return v1Data(request, traces.map(toJaegerTrace));
  });
}

const getTraceSchema = z.object({ start: optionalGoInt(64), end: optionalGoInt(64), raw: optionalBool });

/** `GET /api/traces/{traceID}`: 400 for a malformed ID, 404 for an unknown one. */
export function handleV1Trace(request: Request, traceIdText: string, deps: JaegerDeps): Promise<Response> {
  return v1Handle(request, async () => {
    const traceId = normalizeTraceId(traceIdText);
    if (traceId === null) return v1Error(request, 400, V1_WORDING("traceID", traceIdProblem(traceIdText)));
    // Accepted for compatibility; a Kubetrail trace ID already holds its time range.
    parseQuery(getTraceSchema, readQuery(new URL(request.url).searchParams, ["start", "end", "raw"]), V1_WORDING);
    const trace = await traceById(deps.db, traceId, assembleOptionsOf(deps));
    if (!trace) return v1Error(request, 404, "trace not found");
    return v1Data(request, [toJaegerTrace(trace)]);
  });
}

/** 9999-12-31T23:59:59.999Z: the last time ISO dates (and so the store's drivers) write plainly. */
const MAX_DATE_MS = 253_402_300_799_999n;
/** Jaeger's default dependencies look-back: 24 hours. */
const DEFAULT_DEPENDENCY_LOOKBACK_MS = 86_400_000n;

/**
 * As the query service reads them (parseDependenciesQueryParams): any int64 number of
 * milliseconds. A `lookback` of 0 or less is not refused there: the window is
 * [endTs - lookback, endTs] (QueryService.GetDependencies), empty or reversed, in which the
 * Cassandra, Elasticsearch and ClickHouse stores find nothing.
 */
const dependenciesSchema = z.object({
  endTs: optionalGoInt(64),
  lookback: optionalGoInt(64),
  service: z.string().optional(),
});

/** `GET /api/dependencies?endTs=&lookback=` (milliseconds): relations between kinds as calls between services. */
export function handleV1Dependencies(request: Request, deps: JaegerDeps): Promise<Response> {
  return v1Handle(request, async () => {
    const query = parseQuery(dependenciesSchema, readQuery(new URL(request.url).searchParams, ["endTs", "lookback", "service"]), V1_WORDING);
    // Exact (bigint): Go's time.Duration wraps around beyond ±292 years, which is not reproduced.
    const endMs = query.endTs ?? BigInt(Date.now());
    const startMs = endMs - (query.lookback ?? DEFAULT_DEPENDENCY_LOOKBACK_MS);
    // Within 1970..9999, which every date type on the way holds; an empty or reversed window stays so.
    const clamp = (ms: bigint) => Number(ms < 0n ? 0n : ms > MAX_DATE_MS ? MAX_DATE_MS : ms);
    const links = await kindDependencies(deps.db, { start: new Date(clamp(startMs)), end: new Date(clamp(endMs)) });
    const service = query.service;
    return v1Data(request, service ? links.filter((link) => link.parent === service || link.child === service) : links);
  });
}
