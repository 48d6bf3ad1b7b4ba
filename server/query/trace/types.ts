/**
 * The trace model: what the assembly of an object's history produces and what every output
 * (Jaeger v1 JSON, OTLP JSON for Jaeger v3, OTLP protobuf export, our own UI) is converted from.
 * Times are integer microseconds since the epoch (Jaeger's unit) — never milliseconds.
 */

/** Microseconds since the Unix epoch. */
export type EpochMicros = number & { readonly __unit: "µs" };
export const micros = (ms: number): EpochMicros => Math.round(ms * 1000) as EpochMicros;

/** How far from the root object a trace reaches. */
export const RELATION_MODES = ["self", "ancestors", "descendants", "full"] as const;
export type RelationMode = (typeof RELATION_MODES)[number];

/** How a trace's entries are laid out as spans (Kelemetry's display modes). */
export const DISPLAY_MODES = ["tracing", "grouped", "tree", "timeline"] as const;
export type DisplayMode = (typeof DISPLAY_MODES)[number];

/** Everything that determines a trace; a trace ID encodes exactly this. */
export interface TraceQuery {
  /** objects.id of the object the trace is about. */
  rootObjectId: number;
  relationMode: RelationMode;
  displayMode: DisplayMode;
  /** How many relation hops to follow (1..15). */
  depth: number;
  /** Whole seconds since the epoch, inclusive start / exclusive end. */
  startSeconds: number;
  endSeconds: number;
}

export type AttributeValue = string | number | boolean;

/** A point in time on a span: one history entry shown as a log (tracing, grouped modes). */
export interface SpanLog {
  time: EpochMicros;
  attributes: Record<string, AttributeValue>;
}

/** A span, independent of any wire format. */
export interface TraceSpan {
  /** 16 lowercase hex characters, unique in the trace, stable for the same query. */
  spanId: string;
  parentSpanId: string | null;
  /** Jaeger's operation name. */
  name: string;
  /** Jaeger's process service name. */
  serviceName: string;
  start: EpochMicros;
  /** ≥ 0 */
  duration: number & {};
  /** Tags / attributes, with clear names (see docs). */
  attributes: Record<string, AttributeValue>;
  logs: SpanLog[];
  /** A failed request (code ≥ 300) on this span or one of its logs. */
  error: boolean;
  /** Other spans this one refers to without being their child (e.g. a Pod's Node). */
  links: Array<{ spanId: string; kind: string }>;
}

export interface Trace {
  /** 32 lowercase hex characters. */
  traceId: string;
  query: TraceQuery;
  spans: TraceSpan[];
}
