import type { Sql } from "../../store/database";
import { assembleTrace, type AssembleOptions } from "./assemble";
import { DISPLAY } from "./display";
import { decodeTraceId, encodeTraceId } from "./traceId";
import type { Trace, TraceQuery } from "./types";

/**
 * The trace of `query`: assembled from the store, laid out in its display mode, with the
 * query's trace ID and span IDs derived from it — the same query gives the same trace,
 * span IDs included. Null when the root object doesn't exist. Throws TraceIdError when the
 * query can't be a trace ID. `options.maxDepth` (KUBETRAIL_TRACE_MAX_DEPTH) caps the depth;
 * the trace keeps the ID of the query as asked, so a link keeps naming itself.
 */
export async function buildTrace(sql: Sql, query: TraceQuery, options: AssembleOptions = {}): Promise<Trace | null> {
  const traceId = encodeTraceId(query);
  const assembled = await assembleTrace(sql, query, options);
  if (assembled === null) return null;
  return { traceId, query, spans: DISPLAY[query.displayMode](assembled, traceId) };
}

/** The trace a trace ID stands for (any case). Throws TraceIdError when it is not one of ours. */
export async function buildTraceById(sql: Sql, traceId: string, options: AssembleOptions = {}): Promise<Trace | null> {
  return buildTrace(sql, decodeTraceId(traceId), options);
}
