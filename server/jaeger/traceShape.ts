import type { Trace, TraceSpan } from "../query/trace/types";

/** What every output of a trace needs to know about its shape. */

/** The span the trace is named after: the first span without a parent in the trace. */
export function rootSpanOf(trace: Trace): TraceSpan | undefined {
  const ids = new Set(trace.spans.map((span) => span.spanId));
  return trace.spans.find((span) => span.parentSpanId === null || !ids.has(span.parentSpanId)) ?? trace.spans[0];
}

/** Spans whose parent is not in the trace (a partial trace). */
export function orphanSpanCount(trace: Trace): number {
  const ids = new Set(trace.spans.map((span) => span.spanId));
  return trace.spans.filter((span) => span.parentSpanId !== null && !ids.has(span.parentSpanId)).length;
}

/** Earliest start and latest end over all spans, in microseconds; null for a trace without spans. */
export function traceBounds(trace: Trace): { start: number; end: number } | null {
  if (trace.spans.length === 0) return null;
  let start = Infinity;
  let end = -Infinity;
  for (const span of trace.spans) {
    start = Math.min(start, span.start);
    end = Math.max(end, span.start + span.duration);
  }
  return { start, end };
}

/** Microseconds as decimal nanoseconds, the way OTLP JSON writes 64-bit times. */
export function microsToNanoString(micros: number): string {
  return (BigInt(Math.round(micros)) * 1000n).toString();
}
