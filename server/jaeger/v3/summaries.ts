import type { Trace } from "../../query/trace/types";
import { microsToNanoString, orphanSpanCount, rootSpanOf, traceBounds } from "../traceShape";

/**
 * A trace's summary as `GET /api/v3/trace-summaries` answers (api_v3.TraceSummary, checked by
 * jaeger-ui's `src/api/v3/schemas.ts`): `traceId` exactly 32 hex characters, nanosecond times
 * as decimal strings, per-service span counts sorted by name.
 */
export interface TraceSummary {
  traceId: string;
  rootServiceName: string;
  rootOperationName: string;
  minStartTimeUnixNano: string;
  maxEndTimeUnixNano: string;
  spanCount: number;
  errorSpanCount: number;
  orphanSpanCount: number;
  services: Array<{ name: string; spanCount: number; errorSpanCount: number }>;
}

export function toTraceSummary(trace: Trace): TraceSummary {
  const root = rootSpanOf(trace);
  const bounds = traceBounds(trace) ?? { start: trace.query.startSeconds * 1e6, end: trace.query.startSeconds * 1e6 };
  const services = new Map<string, { name: string; spanCount: number; errorSpanCount: number }>();
  for (const span of trace.spans) {
    let service = services.get(span.serviceName);
    if (!service) services.set(span.serviceName, (service = { name: span.serviceName, spanCount: 0, errorSpanCount: 0 }));
    service.spanCount += 1;
    if (span.error) service.errorSpanCount += 1;
  }
  return {
    traceId: trace.traceId,
    rootServiceName: root?.serviceName ?? "",
    rootOperationName: root?.name ?? "",
    minStartTimeUnixNano: microsToNanoString(bounds.start),
    maxEndTimeUnixNano: microsToNanoString(bounds.end),
    spanCount: trace.spans.length,
    errorSpanCount: trace.spans.filter((span) => span.error).length,
    orphanSpanCount: orphanSpanCount(trace),
    services: [...services.values()].sort((a, b) => a.name.localeCompare(b.name)),
  };
}
