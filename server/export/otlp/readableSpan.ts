import { SpanKind, SpanStatusCode, TraceFlags, type HrTime, type SpanContext } from "@opentelemetry/api";
import { resourceFromAttributes, type Resource } from "@opentelemetry/resources";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import type { TraceSpan } from "../../query/trace/types";

/**
 * Our spans as the SDK's ReadableSpan. ReadableSpan is the interface span processors and
 * exporters take (`SpanProcessor.onEnd(span: ReadableSpan)`, `SpanExporter.export(spans:
 * ReadableSpan[], …)` in @opentelemetry/sdk-trace-base 2.x): spans that already happened,
 * with IDs and times we choose, are plain objects implementing it — no Tracer, no clock, no
 * ID generator to bend.
 */

export const INSTRUMENTATION_SCOPE: ReadableSpan["instrumentationScope"] = { name: "kubetrail" };

/** Microseconds since the epoch as OpenTelemetry's [seconds, nanoseconds]. */
export function hrTimeOfMicros(micros: number): HrTime {
  const seconds = Math.floor(micros / 1_000_000);
  return [seconds, (micros - seconds * 1_000_000) * 1000];
}

/**
 * One Resource per (cluster, service): the OTLP serializer groups spans by Resource object
 * identity, so spans of the same kind and cluster must share the instance.
 */
export class ResourceCache {
  private readonly resources = new Map<string, Resource>();

  of(cluster: string, serviceName: string): Resource {
    const key = `${cluster}\u0000${serviceName}`;
    let resource = this.resources.get(key);
    if (!resource) {
      resource = resourceFromAttributes({ "service.name": serviceName, "k8s.cluster.name": cluster });
      this.resources.set(key, resource);
    }
    return resource;
  }
}

/** A span of the trace model as a finished, sampled ReadableSpan. `statusMessage` explains an error. */
export function toReadableSpan(traceId: string, span: TraceSpan, resource: Resource, statusMessage?: string): ReadableSpan {
  const context: SpanContext = { traceId, spanId: span.spanId, traceFlags: TraceFlags.SAMPLED };
  const parent: SpanContext | undefined = span.parentSpanId === null ? undefined : { traceId, spanId: span.parentSpanId, traceFlags: TraceFlags.SAMPLED };
  return {
    name: span.name,
    kind: SpanKind.INTERNAL,
    spanContext: () => context,
    parentSpanContext: parent,
    startTime: hrTimeOfMicros(span.start),
    endTime: hrTimeOfMicros(span.start + span.duration),
    duration: hrTimeOfMicros(span.duration),
    status: span.error ? { code: SpanStatusCode.ERROR, ...(statusMessage ? { message: statusMessage } : {}) } : { code: SpanStatusCode.UNSET },
    attributes: { ...span.attributes },
    links: span.links.map((link) => ({ context: { traceId, spanId: link.spanId, traceFlags: TraceFlags.SAMPLED }, attributes: { "kubetrail.link.kind": link.kind } })),
    events: span.logs.map((log) => ({ name: "entry", time: hrTimeOfMicros(log.time), attributes: { ...log.attributes } })),
    ended: true,
    resource,
    instrumentationScope: INSTRUMENTATION_SCOPE,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}
