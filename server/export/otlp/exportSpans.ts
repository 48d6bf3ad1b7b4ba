import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import type { AssembledTrace, TraceNode } from "../../query/trace/assembled";
import { ATTR } from "../../query/trace/attributes";
import { treeSpans } from "../../query/trace/display/tree";
import type { EpochMicros, TraceSpan } from "../../query/trace/types";
import type { CommittedEntry } from "./committedEntries";
import { exportedTraceId, exportedTraceQuery, objectSpanId, utcDayOf } from "./ids";
import { toReadableSpan, type ResourceCache } from "./readableSpan";

/**
 * The spans of newly committed entries, laid out by the query API's own tree mode
 * (display/tree.ts) over the part of each exported trace the batch touches: so names,
 * service names, attributes, error flags and IDs are the API's. Every entry is exported once
 * (ingestion deduplicates retried events before they get here). An object's span is exported
 * the first time this process sees the object in a trace, spanning the trace's whole UTC day:
 * its entries keep coming for the rest of the day, and a span sent twice must be the same span.
 */

/** Object spans already sent, most recent last; bounded: forgetting one only means sending it again, identical. */
export class ExportedObjectSpans {
  private readonly keys = new Map<string, true>();

  constructor(private readonly capacity = 10_000) {}

  /** Records the span; false when it was already recorded. */
  add(traceId: string, spanId: string): boolean {
    const key = `${traceId}/${spanId}`;
    if (this.keys.has(key)) {
      this.keys.delete(key);
      this.keys.set(key, true);
      return false;
    }
    this.keys.set(key, true);
    if (this.keys.size > this.capacity) this.keys.delete(this.keys.keys().next().value!);
    return true;
  }

  /** Forgets a span that was dropped before it was delivered, so that it is sent with the object's next entry. */
  forget(traceId: string, spanId: string): void {
    this.keys.delete(`${traceId}/${spanId}`);
  }
}

interface PartialTrace {
  traceId: string;
  rootId: number;
  day: { startSeconds: number; endSeconds: number };
  nodes: Map<number, TraceNode>;
}

/** Groups the entries by exported trace (topmost ancestor + UTC day), each object under its parent. */
function partialTraces(committed: CommittedEntry[], depth: number): PartialTrace[] {
  const traces = new Map<string, PartialTrace>();
  for (const { entry, line, relations } of committed) {
    const day = utcDayOf(entry.start);
    const root = line[line.length - 1]!;
    const traceId = exportedTraceId(root.id, day, depth);
    let trace = traces.get(traceId);
    if (!trace) {
      trace = { traceId, rootId: root.id, day, nodes: new Map() };
      traces.set(traceId, trace);
    }
    for (let i = line.length - 1; i >= 0; i--) {
      const object = line[i]!;
      if (trace.nodes.has(object.id)) continue;
      const parent = line[i + 1];
      trace.nodes.set(object.id, {
        object,
        parentId: parent?.id ?? null,
        relation: parent ? relations[i]! : null,
        level: line.length - 1 - i,
        entries: [],
        related: [],
        relatedTruncated: false,
      });
    }
    trace.nodes.get(line[0]!.id)!.entries.push(entry);
  }
  return [...traces.values()];
}

/** Why a failed request failed, for the span status: `Conflict: Operation cannot be fulfilled…`. */
function statusMessageOf(span: TraceSpan): string | undefined {
  const reason = span.attributes[ATTR.reason];
  const message = span.attributes[ATTR.message];
  const text = [reason, message].filter((part) => part !== undefined && part !== "").join(": ");
  return text !== "" ? text : span.attributes[ATTR.statusCode] !== undefined ? `HTTP ${span.attributes[ATTR.statusCode]}` : undefined;
}

/** The spans of `committed` (read back with lines of at most `depth` ancestors), in traces of that depth. */
export function spansOfCommittedEntries(committed: CommittedEntry[], depth: number, resources: ResourceCache, exported: ExportedObjectSpans): ReadableSpan[] {
  const result: ReadableSpan[] = [];
  for (const trace of partialTraces(committed, depth)) {
    // Levels grow downwards from the root, so this order has every parent before its children.
    const nodes = [...trace.nodes.values()].sort((a, b) => a.level - b.level || a.object.id - b.object.id);
    const assembled: AssembledTrace = {
      query: exportedTraceQuery(trace.rootId, trace.day, depth),
      queriedObjectId: trace.rootId,
      nodes,
      start: (trace.day.startSeconds * 1_000_000) as EpochMicros,
      end: (trace.day.endSeconds * 1_000_000) as EpochMicros,
    };
    const clusterOf = new Map(nodes.map((node) => [objectSpanId(trace.traceId, node.object.id), node.object.cluster]));
    for (const span of treeSpans(assembled, trace.traceId)) {
      const objectCluster = clusterOf.get(span.spanId);
      if (objectCluster !== undefined) {
        if (!exported.add(trace.traceId, span.spanId)) continue;
        const daySpan: TraceSpan = { ...span, start: assembled.start, duration: assembled.end - assembled.start };
        result.push(toReadableSpan(trace.traceId, daySpan, resources.of(objectCluster, span.serviceName)));
      } else {
        const cluster = clusterOf.get(span.parentSpanId ?? "") ?? "";
        result.push(toReadableSpan(trace.traceId, span, resources.of(cluster, span.serviceName), span.error ? statusMessageOf(span) : undefined));
      }
    }
  }
  return result;
}
