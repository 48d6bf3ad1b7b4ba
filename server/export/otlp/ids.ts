import { encodeTraceId, spanIdFor } from "../../query/trace/traceId";
import type { TraceQuery } from "../../query/trace/types";

/**
 * IDs of exported traces and spans. An exported trace is one object tree over one UTC day:
 * the topmost hierarchical ancestor of the objects, at most `depth` levels above them, and every
 * descendant with history that day. Its ID is the query API's ID of that very trace — root
 * object, relation mode "descendants", display mode "tree", that depth, the day as the range —
 * packed by the query API's codec (traceId.ts), and span IDs come from the same spanIdFor the
 * query API uses. So IDs depend only on what is stored and on the depth (re-exporting an entry
 * gives the same IDs, on any replica, after a restart), and a trace ID found in Jaeger, Tempo or
 * ClickHouse opens the same trace in Kubetrail's own API.
 *
 * The depth is the one the query API walks (KUBETRAIL_TRACE_MAX_DEPTH): an ID asking for more
 * would be cut to it when opened, and the levels below left out of the trace the backend holds.
 */

const DAY_SECONDS = 86_400;

/** The UTC day holding `micros` (µs since the epoch), as [startSeconds, endSeconds). */
export function utcDayOf(micros: number): { startSeconds: number; endSeconds: number } {
  const startSeconds = Math.floor(micros / 1_000_000 / DAY_SECONDS) * DAY_SECONDS;
  return { startSeconds, endSeconds: startSeconds + DAY_SECONDS };
}

/** The query an exported trace stands for: `rootObjectId`'s descendants `depth` levels down over one UTC day, one span per entry. */
export function exportedTraceQuery(rootObjectId: number, day: { startSeconds: number; endSeconds: number }, depth: number): TraceQuery {
  return { rootObjectId, relationMode: "descendants", displayMode: "tree", depth, ...day };
}

export function exportedTraceId(rootObjectId: number, day: { startSeconds: number; endSeconds: number }, depth: number): string {
  return encodeTraceId(exportedTraceQuery(rootObjectId, day, depth));
}

/** The span of an object (objects.id) in a trace. */
export function objectSpanId(traceId: string, objectId: number): string {
  return spanIdFor(traceId, objectId, "object");
}

/** The span of one history entry (history_entries.id) of an object in a trace. */
export function entrySpanId(traceId: string, objectId: number, entryId: number): string {
  return spanIdFor(traceId, objectId, `entry:${entryId}`);
}
