import type { AssembledTrace } from "../assembled";
import type { TraceSpan } from "../types";
import { entrySpan, extentOfEntries, objectAttributes, objectExtents, objectSpan, operationNameOf, serviceNameOf } from "./common";

/**
 * The timeline mode (Kelemetry's "timeline"): the topmost object's span, and every entry of
 * every object of the trace directly under it, in time order. An entry span carries its
 * object's attributes too, and is named `<namespace>/<name>: <title>` — with no object spans
 * in between, the title alone would not say which of a hundred Pods it is about.
 */
export function timelineSpans(trace: AssembledTrace, traceId: string): TraceSpan[] {
  const top = trace.nodes[0];
  if (!top) return [];
  const entries = trace.nodes.flatMap((node) => node.entries.map((entry) => ({ node, entry })));
  entries.sort((a, b) => a.entry.start - b.entry.start || a.entry.id - b.entry.id);
  const extent = extentOfEntries(entries.map(({ entry }) => entry)) ?? objectExtents(trace).get(top.object.id)!;
  const root = objectSpan(top, trace, traceId, extent, true);
  const spans: TraceSpan[] = [root];
  for (const { node, entry } of entries) {
    const name = `${operationNameOf(node.object)}: ${entry.title}`;
    spans.push(entrySpan(entry, traceId, root.spanId, serviceNameOf(node.object), name, objectAttributes(node, trace)));
  }
  return spans;
}
