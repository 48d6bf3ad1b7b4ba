import type { AttributeValue, Trace, TraceSpan } from "../../query/trace/types";
import { microsToNanoString } from "../traceShape";
import { ATTR } from "../../query/trace/attributes";
import packageJson from "../../../package.json";

/**
 * Traces as OTLP JSON (opentelemetry-proto's JSON encoding, as Jaeger's v3 HTTP gateway writes
 * `ptrace.Traces`): resource spans grouped by the `service.name` resource attribute, hex IDs,
 * 64-bit integers and nanosecond times as decimal strings, enums as numbers.
 */

export type OtlpAnyValue = { stringValue: string } | { boolValue: boolean } | { intValue: string } | { doubleValue: number };

export interface OtlpKeyValue {
  key: string;
  value: OtlpAnyValue;
}

export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  /** SPAN_KIND_INTERNAL */
  kind: 1;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: OtlpKeyValue[];
  events: Array<{ timeUnixNano: string; name: string; attributes: OtlpKeyValue[] }>;
  links: Array<{ traceId: string; spanId: string; attributes: OtlpKeyValue[] }>;
  /** code 2 = STATUS_CODE_ERROR; unset status is `{}`. */
  status: { code?: 2 };
}

export interface OtlpResourceSpans {
  resource: { attributes: OtlpKeyValue[] };
  scopeSpans: Array<{ scope: { name: string; version: string }; spans: OtlpSpan[] }>;
}

/** The instrumentation scope of every span Kubetrail makes. */
export const KUBETRAIL_SCOPE = { name: "kubetrail", version: packageJson.version };

/** The link attribute that says what kind of relation a link is (a Pod's "node", "volume-claim"…). */
export const LINK_KIND_ATTRIBUTE = ATTR.relation;

export function toAnyValue(value: AttributeValue): OtlpAnyValue {
  if (typeof value === "boolean") return { boolValue: value };
  if (typeof value === "number") {
    if (Number.isSafeInteger(value)) return { intValue: String(value) };
    return Number.isFinite(value) ? { doubleValue: value } : { stringValue: String(value) };
  }
  return { stringValue: value };
}

function toKeyValues(attributes: Record<string, AttributeValue>): OtlpKeyValue[] {
  return Object.entries(attributes).map(([key, value]) => ({ key, value: toAnyValue(value) }));
}

/** A log's event name: its title (the `event` attribute, OpenTracing's name for it), else "log". */
export function eventNameOf(attributes: Record<string, AttributeValue>): string {
  const title = attributes[ATTR.event];
  return typeof title === "string" && title !== "" ? title : "log";
}

function toOtlpSpan(span: TraceSpan, traceId: string): OtlpSpan {
  return {
    traceId,
    spanId: span.spanId,
    ...(span.parentSpanId === null ? {} : { parentSpanId: span.parentSpanId }),
    name: span.name,
    kind: 1,
    startTimeUnixNano: microsToNanoString(span.start),
    endTimeUnixNano: microsToNanoString(span.start + span.duration),
    attributes: toKeyValues(span.attributes),
    events: span.logs.map((log) => ({ timeUnixNano: microsToNanoString(log.time), name: eventNameOf(log.attributes), attributes: toKeyValues(log.attributes) })),
    links: span.links.map((link) => ({ traceId, spanId: link.spanId, attributes: [{ key: LINK_KIND_ATTRIBUTE, value: { stringValue: link.kind } }] })),
    status: span.error ? { code: 2 } : {},
  };
}

/** Resource spans of traces: one resource per service of each trace, spans in trace order. */
export function toResourceSpans(traces: Trace[]): OtlpResourceSpans[] {
  const out: OtlpResourceSpans[] = [];
  for (const trace of traces) {
    const byService = new Map<string, OtlpSpan[]>();
    for (const span of trace.spans) {
      let spans = byService.get(span.serviceName);
      if (!spans) byService.set(span.serviceName, (spans = []));
      spans.push(toOtlpSpan(span, trace.traceId));
    }
    for (const [serviceName, spans] of byService) {
      out.push({
        resource: { attributes: [{ key: "service.name", value: { stringValue: serviceName } }] },
        scopeSpans: [{ scope: KUBETRAIL_SCOPE, spans }],
      });
    }
  }
  return out;
}

/** The body of `GET /api/v3/traces/{id}` and `GET /api/v3/traces`: `{"result": {"resourceSpans": […]}}`. */
export function toOtlpResult(traces: Trace[]): { result: { resourceSpans: OtlpResourceSpans[] } } {
  return { result: { resourceSpans: toResourceSpans(traces) } };
}
