import type { AssembledTrace, HistorySource, TraceEntry } from "../assembled";
import { ATTR, GROUP_SPAN_NAME } from "../attributes";
import { spanIdFor } from "../traceId";
import type { TraceSpan } from "../types";
import { entryLog, extentOfEntries, isFailed, objectExtents, objectIdsOf, objectSpan, relatedLinks } from "./common";

/**
 * The grouped mode (Kelemetry's "grouped"): one span per object as in the tracing mode, but
 * its requests sit in a child span per source — "audit" (and "watch") — with the entries as
 * that span's logs, while Kubernetes Events stay as logs on the object's span: what the
 * object's controllers said apart from what clients did to it.
 */
export function groupedSpans(trace: AssembledTrace, traceId: string): TraceSpan[] {
  const extents = objectExtents(trace);
  const inTrace = objectIdsOf(trace);
  const spans: TraceSpan[] = [];
  trace.nodes.forEach((node, index) => {
    const span = objectSpan(node, trace, traceId, extents.get(node.object.id)!, index === 0);
    const events = node.entries.filter((entry) => entry.source === "event");
    span.logs = events.map(entryLog);
    span.error = events.some(isFailed);
    span.links = relatedLinks(node, inTrace, traceId);
    spans.push(span);
    for (const source of ["audit", "watch"] as const satisfies HistorySource[]) {
      const entries: TraceEntry[] = node.entries.filter((entry) => entry.source === source);
      const extent = extentOfEntries(entries);
      if (!extent) continue;
      spans.push({
        spanId: spanIdFor(traceId, node.object.id, `group:${source}`),
        parentSpanId: span.spanId,
        name: GROUP_SPAN_NAME[source],
        serviceName: span.serviceName,
        start: extent.start,
        duration: extent.end - extent.start,
        attributes: { [ATTR.source]: source },
        logs: entries.map(entryLog),
        error: entries.some(isFailed),
        links: [],
      });
    }
  });
  return spans;
}
