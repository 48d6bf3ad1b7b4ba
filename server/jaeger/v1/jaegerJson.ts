import type { AttributeValue, Trace, TraceSpan } from "../../query/trace/types";

/**
 * Jaeger's v1 UI JSON (`internal/uimodel` in jaegertracing/jaeger, as `uiconv.FromDomain`
 * writes it): spans with typed tags and logs, references instead of parent IDs, and a
 * `processes` table that every span's `processID` points into — one process per service.
 */

export type JaegerTagType = "string" | "bool" | "int64" | "float64";

export interface JaegerKeyValue {
  key: string;
  type: JaegerTagType;
  value: string | number | boolean;
}

export interface JaegerReference {
  refType: "CHILD_OF" | "FOLLOWS_FROM";
  traceID: string;
  spanID: string;
}

export interface JaegerLog {
  timestamp: number;
  fields: JaegerKeyValue[];
}

export interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references: JaegerReference[];
  startTime: number;
  duration: number;
  tags: JaegerKeyValue[];
  logs: JaegerLog[];
  processID: string;
  warnings: string[] | null;
}

export interface JaegerProcess {
  serviceName: string;
  tags: JaegerKeyValue[];
}

export interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, JaegerProcess>;
  warnings: string[] | null;
}

/**
 * One attribute as a typed Jaeger tag: whole numbers JavaScript holds exactly are int64, other
 * numbers float64 (1e20 as int64 would overflow Go's int64; OTLP JSON makes it a doubleValue too).
 */
export function toKeyValue(key: string, value: AttributeValue): JaegerKeyValue {
  if (typeof value === "boolean") return { key, type: "bool", value };
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return { key, type: "string", value: String(value) };
    return Number.isSafeInteger(value) ? { key, type: "int64", value } : { key, type: "float64", value };
  }
  return { key, type: "string", value };
}

function toKeyValues(attributes: Record<string, AttributeValue>): JaegerKeyValue[] {
  return Object.entries(attributes).map(([key, value]) => toKeyValue(key, value));
}

/**
 * The parent as CHILD_OF, then links as FOLLOWS_FROM. A span without a parent gets no
 * references: Jaeger UI takes a span's first reference it can resolve, of either type, as
 * its parent, so a link on a root span would hang the root under the span it links to.
 */
function referencesOf(span: TraceSpan, traceID: string): JaegerReference[] {
  if (span.parentSpanId === null) return [];
  return [
    { refType: "CHILD_OF", traceID, spanID: span.parentSpanId },
    ...span.links.map((link) => ({ refType: "FOLLOWS_FROM" as const, traceID, spanID: link.spanId })),
  ];
}

/** A trace in Jaeger's v1 JSON. Failed requests carry Jaeger's `error=true` tag, which the UI marks. */
export function toJaegerTrace(trace: Trace): JaegerTrace {
  const processIds = new Map<string, string>();
  const processes: Record<string, JaegerProcess> = {};
  const processIdOf = (serviceName: string): string => {
    let id = processIds.get(serviceName);
    if (id === undefined) {
      id = `p${processIds.size + 1}`;
      processIds.set(serviceName, id);
      processes[id] = { serviceName, tags: [] };
    }
    return id;
  };
  const spans = trace.spans.map((span): JaegerSpan => {
    const tags = toKeyValues(span.attributes);
    if (span.error && !("error" in span.attributes)) tags.push({ key: "error", type: "bool", value: true });
    return {
      traceID: trace.traceId,
      spanID: span.spanId,
      operationName: span.name,
      references: referencesOf(span, trace.traceId),
      // Integers: Jaeger's JSON has uint64 microseconds.
      startTime: Math.round(span.start),
      duration: Math.round(span.duration),
      tags,
      logs: span.logs.map((log) => ({ timestamp: Math.round(log.time), fields: toKeyValues(log.attributes) })),
      processID: processIdOf(span.serviceName),
      warnings: null,
    };
  });
  return { traceID: trace.traceId, spans, processes, warnings: null };
}
