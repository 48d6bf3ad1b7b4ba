import { describe, expect, it } from "vitest";
import { handBuiltTrace, TRACE_ID } from "../testing/handBuiltTrace";
import { toAnyValue, toOtlpResult } from "./otlpJson";
import { toTraceSummary } from "./summaries";

describe("toOtlpResult", () => {
  const { result } = toOtlpResult([handBuiltTrace()]);

  it("groups spans into one resource per service, named by the service.name attribute", () => {
    expect(result.resourceSpans.map((r) => r.resource.attributes)).toEqual([
      [{ key: "service.name", value: { stringValue: "Deployment" } }],
      [{ key: "service.name", value: { stringValue: "ReplicaSet" } }],
      [{ key: "service.name", value: { stringValue: "Pod" } }],
      [{ key: "service.name", value: { stringValue: "Node" } }],
    ]);
    for (const resource of result.resourceSpans) {
      expect(resource.scopeSpans).toHaveLength(1);
      expect(resource.scopeSpans[0]!.scope.name).toBe("kubetrail");
    }
  });

  it("writes hex IDs, nanosecond times as decimal strings, kind INTERNAL and no parent on a root", () => {
    const [deployment] = result.resourceSpans[0]!.scopeSpans[0]!.spans;
    const [replicaSet] = result.resourceSpans[1]!.scopeSpans[0]!.spans;
    expect(deployment).toMatchObject({
      traceId: TRACE_ID,
      spanId: "a000000000000001",
      name: "Deployment openshift-apiserver/apiserver",
      kind: 1,
      startTimeUnixNano: "1631544796000000000",
      endTimeUnixNano: "1631545036000007000",
      status: {},
    });
    expect(deployment).not.toHaveProperty("parentSpanId");
    expect(replicaSet).toMatchObject({ parentSpanId: "a000000000000001", status: { code: 2 } });
    // 1500.5 µs: nanosecond strings are integers.
    expect(replicaSet!.endTimeUnixNano).toMatch(/^\d+$/);
  });

  it("writes attributes as AnyValue (64-bit integers as strings), logs as named events and links with their relation", () => {
    const [deployment] = result.resourceSpans[0]!.scopeSpans[0]!.spans;
    const [pod] = result.resourceSpans[2]!.scopeSpans[0]!.spans;
    expect(deployment!.attributes).toContainEqual({ key: "objectID", value: { intValue: "7" } });
    expect(deployment!.attributes).toContainEqual({ key: "queried", value: { boolValue: true } });
    expect(deployment!.events[0]).toEqual({
      timeUnixNano: "1631544796000000000",
      name: "operator create",
      attributes: [
        { key: "event", value: { stringValue: "operator create" } },
        { key: "verb", value: { stringValue: "create" } },
        { key: "statusCode", value: { intValue: "201" } },
        { key: "diff", value: { stringValue: "spec.replicas (added) 3" } },
      ],
    });
    expect(pod!.links).toEqual([{ traceId: TRACE_ID, spanId: "a000000000000004", attributes: [{ key: "relation", value: { stringValue: "node" } }] }]);
    expect(toAnyValue(0.5)).toEqual({ doubleValue: 0.5 });
  });
});

describe("toTraceSummary", () => {
  it("summarizes a trace as the v3 UI's schema wants it", () => {
    expect(toTraceSummary(handBuiltTrace())).toEqual({
      traceId: TRACE_ID,
      rootServiceName: "Deployment",
      rootOperationName: "Deployment openshift-apiserver/apiserver",
      minStartTimeUnixNano: "1631544796000000000",
      maxEndTimeUnixNano: "1631545036000007000",
      spanCount: 4,
      errorSpanCount: 1,
      orphanSpanCount: 0,
      services: [
        { name: "Deployment", spanCount: 1, errorSpanCount: 0 },
        { name: "Node", spanCount: 1, errorSpanCount: 0 },
        { name: "Pod", spanCount: 1, errorSpanCount: 0 },
        { name: "ReplicaSet", spanCount: 1, errorSpanCount: 1 },
      ],
    });
  });

  it("counts spans whose parent is missing as orphans", () => {
    const trace = handBuiltTrace();
    trace.spans = trace.spans.slice(1);
    expect(toTraceSummary(trace)).toMatchObject({ rootServiceName: "ReplicaSet", orphanSpanCount: 1 });
  });
});
