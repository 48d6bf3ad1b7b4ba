import { z } from "zod";
import { operationParam, operationsOfSpanKind, spanKindParam } from "../operations";
import { answer, jsonResponse, optionalBool, optionalDurationBound, optionalGoInt, optionalRfc3339, parseQuery, ParamError, readQuery, saturatingNumber, stringMap, V3_WORDING, verbatim, wantsPrettyPrint } from "../params";
import type { Sql } from "../../store/database";
import { assembleOptionsOf, searchCriteria, searchLimitOf, searchTraces, traceById, type JaegerDeps, type TraceSearch } from "../search";
import { UnknownTagError } from "../searchTags";
import { listServices } from "../services";
import { normalizeTraceId, traceIdProblem } from "../traceIdParam";
import { toOtlpResult } from "./otlpJson";
import { toTraceSummary } from "./summaries";

/**
 * Jaeger's API v3 over HTTP, as the query service's gateway serves it (apiv3/http_gateway.go
 * and query_parser.go): camelCase parameter names, with the older snake_case spellings
 * accepted; errors as `{"error": {"httpCode", "message"}}`.
 */

/** An error in the gateway's body (api_v3.GRPCGatewayError), as its tryHandleError writes it. */
export function v3Error(request: Request, status: number, message: string): Response {
  return jsonResponse({ error: { httpCode: status, message } }, { status, pretty: wantsPrettyPrint(new URL(request.url).searchParams) });
}

function v3Json(request: Request, body: unknown): Response {
  return jsonResponse(body, { pretty: wantsPrettyPrint(new URL(request.url).searchParams) });
}

/** Runs a v3 handler: a bad parameter is a 400 naming it, anything else a 500, in the gateway's error body. Never throws. */
function v3Handle(request: Request, work: () => Promise<Response>): Promise<Response> {
  return answer(request, work, (status, message) => v3Error(request, status, message));
}

/** `GET /api/v3/services`: `{"services": ["*", …]}`. */
export function handleV3Services(request: Request, deps: JaegerDeps): Promise<Response> {
  return v3Handle(request, async () => v3Json(request, { services: await listServices(deps.db) }));
}

const operationsSchema = z.object({
  service: z.string().optional(),
  spanKind: spanKindParam,
});

/** `GET /api/v3/operations?service=&spanKind=`: `{"operations": [{name, spanKind: "internal"}]}`. */
export function handleV3Operations(request: Request): Promise<Response> {
  return v3Handle(request, async () => {
    const query = parseQuery(operationsSchema, readQuery(new URL(request.url).searchParams, ["service", "spanKind"], { aliases: { spanKind: ["span_kind"] } }), V3_WORDING);
    return v3Json(request, { operations: operationsOfSpanKind(query.spanKind) });
  });
}

const FIND_ALIASES = {
  "query.serviceName": ["query.service_name"],
  "query.operationName": ["query.operation_name"],
  "query.startTimeMin": ["query.start_time_min"],
  "query.startTimeMax": ["query.start_time_max"],
  "query.searchDepth": ["query.search_depth", "query.num_traces"],
  "query.durationMin": ["query.duration_min"],
  "query.durationMax": ["query.duration_max"],
  "query.rawTraces": ["query.raw_traces"],
};
const FIND_PARAMS = [...Object.keys(FIND_ALIASES), "query.attributes", "query.filter"];

const findSchema = z
  .object({
    "query.serviceName": z.string().optional(),
    "query.operationName": operationParam,
    "query.attributes": z
      .string()
      .optional()
      .transform((text, ctx) => {
        if (text === undefined) return {};
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        const parsed = stringMap.safeParse(json);
        if (!parsed.success) {
          ctx.addIssue({ code: "custom", message: `expected a JSON object of strings (without NUL) like {"namespace":"prod"}, got ${text}` });
          return z.NEVER;
        }
        return parsed.data;
      }),
    "query.filter": z
      .string()
      .optional()
      .refine((value) => value === undefined, { message: "filter expressions are not supported; search with query.attributes" }),
    "query.startTimeMin": optionalRfc3339,
    "query.startTimeMax": optionalRfc3339,
    // strconv.Atoi: Go's int, 64 bits on the platforms Jaeger ships for.
    "query.searchDepth": optionalGoInt(64),
    "query.durationMin": optionalDurationBound,
    "query.durationMax": optionalDurationBound,
    "query.rawTraces": optionalBool,
  })
  .superRefine((query, ctx) => {
    const min = query["query.startTimeMin"];
    const max = query["query.startTimeMax"];
    if (min === undefined || max === undefined) {
      const missing = min === undefined ? "query.startTimeMin" : "query.startTimeMax";
      ctx.addIssue({ code: "custom", path: [missing], message: verbatim("query.startTimeMin and query.startTimeMax are required") });
    } else if (min >= max) {
      ctx.addIssue({ code: "custom", path: ["query.startTimeMin"], message: verbatim("query.startTimeMin must be before query.startTimeMax") });
    }
    const durationMin = query["query.durationMin"];
    const durationMax = query["query.durationMax"];
    if (durationMin !== undefined && durationMax !== undefined && durationMax < durationMin) {
      ctx.addIssue({ code: "custom", path: ["query.durationMax"], message: verbatim("query.durationMax must not be less than query.durationMin") });
    }
  });

/** The search of a v3 FindTraces / FindTraceSummaries request. Throws ParamError. */
async function parseFindQuery(request: Request, sql: Sql): Promise<TraceSearch> {
  const query = parseQuery(findSchema, readQuery(new URL(request.url).searchParams, FIND_PARAMS, { aliases: FIND_ALIASES }), V3_WORDING);
  let criteria;
  try {
    criteria = await searchCriteria(sql, query["query.serviceName"], query["query.attributes"]);
  } catch (error) {
    if (error instanceof UnknownTagError) throw new ParamError("query.attributes", V3_WORDING("query.attributes", error.message));
    throw error;
  }
  return {
    criteria,
    view: query["query.operationName"],
    start: query["query.startTimeMin"]!,
    end: query["query.startTimeMax"]!,
    minDuration: query["query.durationMin"],
    maxDuration: query["query.durationMax"],
    limit: searchLimitOf(query["query.searchDepth"] === undefined ? undefined : saturatingNumber(query["query.searchDepth"])),
  };
}

/** `GET /api/v3/trace-summaries?query.*`: `{"summaries": […]}`, what the current Jaeger UI searches with. */
export function handleV3TraceSummaries(request: Request, deps: JaegerDeps): Promise<Response> {
  return v3Handle(request, async () => {
    const traces = await searchTraces(deps.db, await parseFindQuery(request, deps.db), assembleOptionsOf(deps));
    return v3Json(request, { summaries: traces.map(toTraceSummary) });
  });
}

/** `GET /api/v3/traces?query.*` (FindTraces): the traces in one OTLP result; 404 when none, as the gateway answers. */
export function handleV3FindTraces(request: Request, deps: JaegerDeps): Promise<Response> {
  return v3Handle(request, async () => {
    const traces = await searchTraces(deps.db, await parseFindQuery(request, deps.db), assembleOptionsOf(deps));
    if (traces.length === 0) return v3Error(request, 404, "No traces found");
    return v3Json(request, toOtlpResult(traces));
  });
}

const getTraceSchema = z.object({ startTime: optionalRfc3339, endTime: optionalRfc3339, rawTraces: optionalBool });

/** `GET /api/v3/traces/{trace_id}`: the trace in OTLP JSON; 400 for a malformed ID, 404 for an unknown one. */
export function handleV3GetTrace(request: Request, traceIdText: string, deps: JaegerDeps): Promise<Response> {
  return v3Handle(request, async () => {
    const traceId = normalizeTraceId(traceIdText);
    if (traceId === null) return v3Error(request, 400, V3_WORDING("trace_id", traceIdProblem(traceIdText)));
    // Accepted for compatibility; a Kubetrail trace ID already holds its time range.
    parseQuery(
      getTraceSchema,
      readQuery(new URL(request.url).searchParams, ["startTime", "endTime", "rawTraces"], { aliases: { startTime: ["start_time"], endTime: ["end_time"], rawTraces: ["raw_traces"] } }),
      V3_WORDING,
    );
    const trace = await traceById(deps.db, traceId, assembleOptionsOf(deps));
    if (!trace) return v3Error(request, 404, "No traces found");
    return v3Json(request, toOtlpResult([trace]));
  });
}
