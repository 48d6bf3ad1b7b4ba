import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STORE_KINDS } from "../testing/databases";
import { startTestApp, type TestApp } from "../testing/appHarness";
import { eventList, rolloutScenario } from "../testing/scenarios/rollout";
import { CASCADE, cascadeEventList, openshiftCascade } from "../testing/scenarios/openshiftCascade";
import { decodeTraceId } from "../query/trace/traceId";
import type { JaegerTrace } from "./v1/jaegerJson";
import type { OtlpResourceSpans } from "./v3/otlpJson";
import type { TraceSummary } from "./v3/summaries";

/**
 * What Jaeger UI lists for a search, through real HTTP: a search that matches many objects of one
 * Deployment (OpenShift's openshift-apiserver/apiserver in cluster "prod": the Deployment, its
 * three ReplicaSets, eight Pods) gives one trace per object, each rooted at the Deployment in the
 * full tree. Each must be told apart by its title — which Jaeger UI takes from the root span — by
 * the object that matched and its cluster ("staging" holds a Deployment of the same name).
 */
const us = (iso: string) => Date.parse(iso) * 1000;
const START = "2021-09-13T14:00:00Z";
const END = "2021-09-13T16:00:00Z";
const V1_RANGE = `start=${us(START)}&end=${us(END)}`;
const V3_RANGE = `query.startTimeMin=${START}&query.startTimeMax=${END}`;
const NAMESPACE = CASCADE.namespace;
const DEPLOYMENT = `${NAMESPACE}/apiserver`;

/**
 * A trace's title as Jaeger UI's search results and trace page show it for a v1 trace
 * (getTraceName in packages/jaeger-ui/src/model/trace-viewer.ts): `<service>: <operation>` of
 * the span that refers to no span of the trace — of those, the one with the fewest references,
 * then the earliest.
 */
function jaegerUiTitle(trace: JaegerTrace): string {
  const ids = new Set(trace.spans.map((span) => span.spanID));
  let root: JaegerTrace["spans"][number] | undefined;
  for (const span of trace.spans) {
    if (span.references.some((ref) => ref.traceID === span.traceID && ids.has(ref.spanID))) continue;
    if (!root || span.references.length < root.references.length || (span.references.length === root.references.length && span.startTime < root.startTime)) root = span;
  }
  return root ? `${trace.processes[root.processID]!.serviceName}: ${root.operationName}` : "";
}

/** The title the current Jaeger UI gives a v3 trace summary (fetchTraceSummaries in packages/jaeger-ui/src/api/v3/client.ts). */
const summaryTitle = (summary: TraceSummary) => `${summary.rootServiceName}: ${summary.rootOperationName}`;

/** The span of the object a trace was asked about (its ID's root object): kind and `<namespace>/<name>`. */
function matchedObjectOf(trace: JaegerTrace): { service: string; operation: string; isRoot: boolean } {
  const objectId = decodeTraceId(trace.traceID).rootObjectId;
  const span = trace.spans.find((s) => s.tags.some((tag) => tag.key === "objectID" && tag.value === objectId))!;
  return { service: trace.processes[span.processID]!.serviceName, operation: span.operationName, isRoot: span.references.length === 0 };
}

describe.each(STORE_KINDS)("search results in Jaeger UI on %s", (kind) => {
  let app: TestApp;
  const get = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${app.url}/jaeger/api/${path}`);
    expect(response.status, path).toBe(200);
    return (await response.json()) as T;
  };
  const attributes = (tags: Record<string, string>) => encodeURIComponent(JSON.stringify(tags));

  beforeAll(async () => {
    app = await startTestApp(kind);
    expect((await app.postAudit(cascadeEventList(openshiftCascade()), { cluster: "prod" })).status).toBe(200);
    expect((await app.postAudit(eventList(rolloutScenario().map((step) => step.event)), { cluster: "staging" })).status).toBe(200);
  });
  afterAll(() => app?.close());

  it("v1: each object of a Deployment found is a trace titled by the Deployment, the object that matched and its cluster", async () => {
    const found = (await get<{ data: JaegerTrace[] }>(`traces?service=*&${V1_RANGE}&tags=${attributes({ cluster: "prod", namespace: NAMESPACE })}`)).data;
    expect(found).toHaveLength(12); // the Deployment, 3 ReplicaSets, 8 Pods
    const titles = found.map(jaegerUiTitle);
    expect(new Set(titles).size).toBe(found.length);
    for (const [i, trace] of found.entries()) {
      const matched = matchedObjectOf(trace);
      // Rooted at the Deployment (the full tree), the trace still says which object it is about.
      expect(titles[i]).toBe(matched.isRoot ? `Deployment: ${DEPLOYMENT} (cluster prod)` : `Deployment: ${DEPLOYMENT} → ${matched.service} ${matched.operation} (cluster prod)`);
    }
    // Not the same tree under one root: a Pod's trace is the line down to that Pod alone (so not merged).
    const podsOf = (trace: JaegerTrace) => trace.spans.filter((span) => trace.processes[span.processID]!.serviceName === "Pod").map((span) => span.operationName);
    for (const trace of found.filter((t) => matchedObjectOf(t).service === "Pod")) expect(podsOf(trace)).toEqual([matchedObjectOf(trace).operation]);
    expect(titles).toContain(`Deployment: ${DEPLOYMENT} → Pod ${NAMESPACE}/apiserver-5d887d5fcd-mrn5h (cluster prod)`);
    expect(titles).toContain(`Deployment: ${DEPLOYMENT} → ReplicaSet ${NAMESPACE}/apiserver-5d887d5fcd (cluster prod)`);

    // Fetched by ID later (the link Jaeger UI opens), the trace has the same title: it is the trace ID's, not the search's.
    for (const trace of found.slice(0, 3)) {
      const byId = (await get<{ data: JaegerTrace[] }>(`traces/${trace.traceID}`)).data[0]!;
      expect(jaegerUiTitle(byId)).toBe(jaegerUiTitle(trace));
    }
  });

  it("v3: the summaries carry the same titles, in the same order", async () => {
    const v1Titles = (await get<{ data: JaegerTrace[] }>(`traces?service=*&${V1_RANGE}&tags=${attributes({ cluster: "prod", namespace: NAMESPACE })}`)).data.map(jaegerUiTitle);
    const summaries = (await get<{ summaries: TraceSummary[] }>(`v3/trace-summaries?${V3_RANGE}&query.attributes=${attributes({ cluster: "prod", namespace: NAMESPACE })}`)).summaries;
    expect(summaries.map(summaryTitle)).toEqual(v1Titles);
    // The trace the UI then opens (GET /api/v3/traces/{id}) is rooted at a span of that name.
    const pod = summaries.find((s) => s.rootOperationName.includes("→ Pod"))!;
    const otlp = await get<{ result: { resourceSpans: OtlpResourceSpans[] } }>(`v3/traces/${pod.traceId}`);
    const roots = otlp.result.resourceSpans.flatMap((r) => r.scopeSpans[0]!.spans).filter((span) => span.parentSpanId === undefined);
    expect(roots.map((span) => span.name)).toEqual([pod.rootOperationName]);
    // FindTraces, the v3 search that returns whole traces, roots each at a span of the same name.
    const traces = await get<{ result: { resourceSpans: OtlpResourceSpans[] } }>(`v3/traces?${V3_RANGE}&query.attributes=${attributes({ cluster: "prod", namespace: NAMESPACE })}`);
    const rootNames = traces.result.resourceSpans.flatMap((r) => r.scopeSpans[0]!.spans).filter((span) => span.parentSpanId === undefined).map((span) => span.name);
    expect(new Set(rootNames)).toEqual(new Set(summaries.map((s) => s.rootOperationName)));
  });

  it("tells two objects of the same name apart by their cluster, in every view", async () => {
    for (const operation of ["tracing", "tracing (self)", "timeline (descendants)", "grouped (ancestors)"]) {
      const v1 = (await get<{ data: JaegerTrace[] }>(`traces?service=Deployment&operation=${encodeURIComponent(operation)}&${V1_RANGE}`)).data;
      expect(v1.map(jaegerUiTitle).sort(), operation).toEqual([`Deployment: ${DEPLOYMENT} (cluster prod)`, `Deployment: ${DEPLOYMENT} (cluster staging)`]);
      const v3 = (await get<{ summaries: TraceSummary[] }>(`v3/trace-summaries?query.serviceName=Deployment&query.operationName=${encodeURIComponent(operation)}&${V3_RANGE}`)).summaries;
      expect(v3.map(summaryTitle).sort(), operation).toEqual(v1.map(jaegerUiTitle).sort());
    }
  });

  it("names the matched object in the views rooted above it, and only the object in those rooted at it", async () => {
    const pod = `${NAMESPACE}/apiserver-5d887d5fcd-mrn5h`;
    const tags = `tag=cluster:prod&tag=name:apiserver-5d887d5fcd-mrn5h`;
    const titleOf = async (operation: string) => (await get<{ data: JaegerTrace[] }>(`traces?service=Pod&operation=${encodeURIComponent(operation)}&${V1_RANGE}&${tags}`)).data.map(jaegerUiTitle);
    expect(await titleOf("tree (ancestors)")).toEqual([`Deployment: ${DEPLOYMENT} → Pod ${pod} (cluster prod)`]);
    expect(await titleOf("timeline")).toEqual([`Deployment: ${DEPLOYMENT} → Pod ${pod} (cluster prod)`]);
    expect(await titleOf("tracing (self)")).toEqual([`Pod: ${pod} (cluster prod)`]);
    expect(await titleOf("grouped (descendants)")).toEqual([`Pod: ${pod} (cluster prod)`]);
  });
});
