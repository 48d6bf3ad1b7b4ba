import type { AssembledTrace } from "../assembled";
import type { TraceSpan } from "../types";
import { entryLog, isFailed, objectExtents, objectIdsOf, objectSpan, relatedLinks } from "./common";

/**
 * The tracing mode (Kelemetry's "tracing"): one span per object, under its parent's span;
 * its history entries are the span's logs. A span runs from the object's first entry to the
 * end of its last one; an object without entries in the range spans the objects below it.
 */
export function tracingSpans(trace: AssembledTrace, traceId: string): TraceSpan[] {
  const extents = objectExtents(trace);
  const inTrace = objectIdsOf(trace);
  return trace.nodes.map((node, index) => {
    const span = objectSpan(node, trace, traceId, extents.get(node.object.id)!, index === 0);
    span.logs = node.entries.map(entryLog);
    span.error = node.entries.some(isFailed);
    span.links = relatedLinks(node, inTrace, traceId);
    return span;
  });
}
