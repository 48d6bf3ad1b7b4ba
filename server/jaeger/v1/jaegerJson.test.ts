import { describe, expect, it } from "vitest";
import { handBuiltTrace, TRACE_ID } from "../testing/handBuiltTrace";
import { toJaegerTrace, toKeyValue } from "./jaegerJson";

describe("toJaegerTrace", () => {
  const json = toJaegerTrace(handBuiltTrace());

  it("gives one process per service, and every span's processID is in processes", () => {
    expect(json.processes).toEqual({
      p1: { serviceName: "Deployment", tags: [] },
      p2: { serviceName: "ReplicaSet", tags: [] },
      p3: { serviceName: "Pod", tags: [] },
      p4: { serviceName: "Node", tags: [] },
    });
    for (const span of json.spans) expect(json.processes[span.processID]).toBeDefined();
  });

  it("writes the parent as CHILD_OF, then links as FOLLOWS_FROM; a root span has no references", () => {
    const [deployment, replicaSet, pod, node] = json.spans;
    expect(deployment!.references).toEqual([]);
    expect(replicaSet!.references).toEqual([{ refType: "CHILD_OF", traceID: TRACE_ID, spanID: "a000000000000001" }]);
    expect(pod!.references).toEqual([
      { refType: "CHILD_OF", traceID: TRACE_ID, spanID: "a000000000000002" },
      { refType: "FOLLOWS_FROM", traceID: TRACE_ID, spanID: "a000000000000004" },
    ]);
    expect(node!.references).toEqual([]);
  });

  it("keeps Jaeger's field names, µs times and the envelope's null warnings", () => {
    const deployment = json.spans[0]!;
    expect(json.traceID).toBe(TRACE_ID);
    expect(json.warnings).toBeNull();
    expect(deployment).toMatchObject({
      traceID: TRACE_ID,
      spanID: "a000000000000001",
      operationName: "Deployment openshift-apiserver/apiserver",
      startTime: Date.parse("2021-09-13T14:53:16.000Z") * 1000,
      duration: 240_000_007,
      warnings: null,
    });
    expect(Object.keys(deployment).sort()).toEqual(["duration", "logs", "operationName", "processID", "references", "spanID", "startTime", "tags", "traceID", "warnings"]);
  });

  it("types tags and log fields (string, bool, int64, float64) and marks failed spans error=true", () => {
    const [deployment, replicaSet, pod] = json.spans;
    expect(deployment!.tags).toContainEqual({ key: "objectID", type: "int64", value: 7 });
    expect(deployment!.tags).toContainEqual({ key: "queried", type: "bool", value: true });
    expect(deployment!.logs[1]).toEqual({
      timestamp: Date.parse("2021-09-13T14:55:16.000Z") * 1000,
      fields: [
        { key: "event", type: "string", value: "kube:admin patch" },
        { key: "verb", type: "string", value: "patch" },
        { key: "statusCode", type: "int64", value: 200 },
        { key: "diff", type: "string", value: "spec.replicas 3 -> 5" },
      ],
    });
    expect(replicaSet!.tags).toContainEqual({ key: "replicasRatio", type: "float64", value: 0.5 });
    expect(replicaSet!.duration).toBe(1501); // 1500.5 µs: Jaeger's durations are whole microseconds
    expect(replicaSet!.tags).toContainEqual({ key: "error", type: "bool", value: true });
    expect(pod!.tags.some((tag) => tag.key === "error")).toBe(false);
  });

  it("writes a non-finite number as a string rather than invalid JSON", () => {
    expect(toKeyValue("x", Number.NaN)).toEqual({ key: "x", type: "string", value: "NaN" });
  });

  it("writes a whole number beyond 2^53 (a detail's 1e20) as float64, as OTLP gets it a doubleValue, not an int64 Go can't read", () => {
    expect(toKeyValue("x", 1e20)).toEqual({ key: "x", type: "float64", value: 1e20 });
    expect(toKeyValue("x", -(2 ** 53))).toEqual({ key: "x", type: "float64", value: -(2 ** 53) });
    expect(toKeyValue("x", 2 ** 53 - 1)).toEqual({ key: "x", type: "int64", value: 2 ** 53 - 1 });
  });
});
