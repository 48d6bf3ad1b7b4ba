import type { AssembledTrace } from "../assembled";
import type { TraceSpan } from "../types";
import { entrySpan, objectExtents, objectIdsOf, objectSpan, relatedLinks } from "./common";

/**
 * The tree mode (Kelemetry's "tree"): one span per object, and every history entry a child
 * span of its object's span, named by the entry's title, lasting as long as the request,
 * with all the entry's attributes.
 */
export function treeSpans(trace: AssembledTrace, traceId: string): TraceSpan[] {
  const extents = objectExtents(trace);
  const inTrace = objectIdsOf(trace);
  const spans: TraceSpan[] = [];
  trace.nodes.forEach((node, index) => {
    const span = objectSpan(node, trace, traceId, extents.get(node.object.id)!, index === 0);
    span.links = relatedLinks(node, inTrace, traceId);
    spans.push(span);
    for (const entry of node.entries) spans.push(entrySpan(entry, traceId, span.spanId, span.serviceName, entry.title));
  });
  return spans;
}
