import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STORE_KINDS } from "../testing/databases";
import { startTestApp, type TestApp } from "../testing/appHarness";
import { eventList, rolloutScenario } from "../testing/scenarios/rollout";
import { decodeTraceId, encodeTraceId } from "../query/trace/traceId";
import { CASCADE, cascadeEventList, openshiftCascade } from "../testing/scenarios/openshiftCascade";
import type { JaegerTrace } from "./v1/jaegerJson";
import type { OtlpResourceSpans } from "./v3/otlpJson";
import type { TraceSummary } from "./v3/summaries";

/**
 * Contract tests of the Jaeger-compatible API, both dialects, through real HTTP on both stores,
 * on 2021-09-13: in cluster "prod", the real rolling update of openshift-apiserver/apiserver
 * through three ReplicaSets and seven Pods on three Nodes (14:53–15:01), a Pod quarantined by
 * kube:admin (15:05–15:10) and the teardown (15:20); in cluster "staging", the same Deployment's
 * life in the rollout scenario (created 14:54:16, a 409 at 15:01:16, deleted 15:02:16).
 */
const us = (iso: string) => Date.parse(iso) * 1000;
const START = "2021-09-13T14:00:00Z";
const END = "2021-09-13T16:00:00Z";
const V1_RANGE = `start=${us(START)}&end=${us(END)}`;
const V3_RANGE = `query.startTimeMin=${START}&query.startTimeMax=${END}`;
/** The int64 range, which Jaeger's strconv.ParseInt takes for times. */
const INT64_MAX = "9223372036854775807";
const INT64_MIN = "-9223372036854775808";
const NAMESPACE = CASCADE.namespace;
const POD = "apiserver-5d887d5fcd-mrn5h";

interface V1Body<T> {
  data: T | null;
  total: number;
  limit: number;
  offset: number;
  errors: Array<{ code?: number; msg: string; traceID?: string }> | null;
}

describe.each(STORE_KINDS)("the Jaeger-compatible API on %s", (kind) => {
  let app: TestApp;
  const get = (path: string) => fetch(`${app.url}${path}`);
  const v1 = async <T>(path: string, status = 200): Promise<V1Body<T>> => {
    const response = await get(`/jaeger/api/${path}`);
    const body = (await response.json()) as V1Body<T>;
    expect(response.status, JSON.stringify(body)).toBe(status);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    return body;
  };
  const v3 = async <T>(path: string, status = 200): Promise<T> => {
    const response = await get(`/jaeger/api/v3/${path}`);
    const body = (await response.json()) as T;
    expect(response.status, JSON.stringify(body)).toBe(status);
    return body;
  };
  /** A v1 400 whose message names `param`. */
  const v1BadParam = async (path: string, param: RegExp) => {
    const body = await v1<never>(path, 400);
    expect(body).toMatchObject({ data: null, total: 0, limit: 0, offset: 0 });
    expect(body.errors).toHaveLength(1);
    expect(body.errors![0]!.code).toBe(400);
    expect(body.errors![0]!.msg).toMatch(param);
  };
  const v3BadParam = async (path: string, param: RegExp) => {
    const body = await v3<{ error: { httpCode: number; message: string } }>(path, 400);
    expect(Object.keys(body)).toEqual(["error"]);
    expect(body.error.httpCode).toBe(400);
    expect(body.error.message).toMatch(param);
  };
  /** The prod Deployment's trace (full tree), and the staging one's (with a failed request). */
  let deploymentTraceId: string;
  let stagingTraceId: string;

  beforeAll(async () => {
    app = await startTestApp(kind);
    expect((await app.postAudit(cascadeEventList(openshiftCascade()), { cluster: "prod" })).status).toBe(200);
    expect((await app.postAudit(eventList(rolloutScenario().map((step) => step.event)), { cluster: "staging" })).status).toBe(200);
    const traceOf = async (cluster: string) => (await v1<JaegerTrace[]>(`traces?service=Deployment&${V1_RANGE}&tag=cluster:${cluster}`)).data![0]!.traceID;
    deploymentTraceId = await traceOf("prod");
    stagingTraceId = await traceOf("staging");
  });
  afterAll(() => app?.close());

  describe("services and operations", () => {
    it("v1 lists * then the kinds in the store, as the spans name their processes", async () => {
      const body = await v1<string[]>("services");
      expect(body.data![0]).toBe("*");
      expect(body.data).toEqual(expect.arrayContaining(["Deployment", "ReplicaSet", "Pod", "Node"]));
      expect(body).toMatchObject({ total: body.data!.length, limit: 0, offset: 0, errors: null });
    });

    it("v3 lists the same under the services key", async () => {
      const v1Services = (await v1<string[]>("services")).data;
      expect(await v3("services")).toEqual({ services: v1Services });
    });

    it("v1 lists the views as operations of any service", async () => {
      const body = await v1<string[]>("services/Pod/operations");
      expect(body.data!.slice(0, 4)).toEqual(["tracing", "grouped", "tree", "timeline"]);
      expect(body.data).toContain("tree (ancestors)");
      expect(body.total).toBe(body.data!.length);
      expect((await v1<string[]>(`services/${encodeURIComponent("Rollout.argoproj.io")}/operations`)).data).toEqual(body.data);

      const withKinds = await v1<Array<{ name: string; spanKind: string }>>("operations?service=Pod&spanKind=internal");
      expect(withKinds.data).toEqual(body.data!.map((name) => ({ name, spanKind: "internal" })));
      expect((await v1<unknown[]>("operations?service=Pod&spanKind=server")).data).toEqual([]);
    });

    it("v3 lists them with a lowercase spanKind, under either spelling of the parameter", async () => {
      const body = await v3<{ operations: Array<{ name: string; spanKind: string }> }>("operations?service=Deployment");
      expect(body.operations[0]).toEqual({ name: "tracing", spanKind: "internal" });
      expect(await v3("operations?service=Pod&span_kind=internal")).toEqual(body);
      expect(await v3("operations?service=Pod&spanKind=client")).toEqual({ operations: [] });
    });

    it("answers a bad parameter with a 400 naming it", async () => {
      await v1BadParam("operations", /^parameter 'service' is required$/);
      await v1BadParam("operations?service=Pod&spanKind=sideways", /'spanKind'/);
      await v3BadParam("operations?service=Pod&spanKind=sideways", /^malformed parameter spanKind: /);
      await v3BadParam("operations?service=Pod&span_kind=sideways", /^malformed parameter span_kind: /);
    });
  });

  describe("v1 search", () => {
    it("finds the Deployment's trace by service and identity tags, every processID in processes", async () => {
      const body = await v1<JaegerTrace[]>(`traces?service=Deployment&${V1_RANGE}&tags=${encodeURIComponent(JSON.stringify({ namespace: NAMESPACE, name: "apiserver" }))}`);
      expect(body).toMatchObject({ total: 0, limit: 0, offset: 0, errors: null });
      expect(body.data).toHaveLength(2); // prod and staging
      for (const trace of body.data!) {
        expect(trace.traceID).toMatch(/^[0-9a-f]{32}$/);
        for (const span of trace.spans) {
          expect(trace.processes[span.processID]).toBeDefined();
          expect(span.traceID).toBe(trace.traceID);
        }
        expect(trace.processes[trace.spans[0]!.processID]!.serviceName).toBe("Deployment");
      }
      const prod = body.data!.find((trace) => trace.traceID === deploymentTraceId)!;
      // The full tree: the ReplicaSet and the Pod hang below the Deployment.
      const services = Object.values(prod.processes).map((p) => p.serviceName);
      expect(services).toEqual(expect.arrayContaining(["Deployment", "ReplicaSet", "Pod"]));
      expect(decodeTraceId(prod.traceID)).toMatchObject({ displayMode: "tracing", relationMode: "full", startSeconds: us(START) / 1e6, endSeconds: us(END) / 1e6 });
    });

    it("searches by identity and actor from any service, with tag=key:value", async () => {
      const byName = await v1<JaegerTrace[]>(`traces?service=*&${V1_RANGE}&tag=name:${POD}`);
      expect(byName.data).toHaveLength(1);
      const byWildcard = await v1<JaegerTrace[]>(`traces?${V1_RANGE}&tag=name:apiserver-5d887*&tag=resource:replicasets`);
      expect(byWildcard.data).toHaveLength(1);
      // kube:admin quarantined and deleted a Pod, then deleted the Deployment.
      const byUser = await v1<JaegerTrace[]>(`traces?service=*&${V1_RANGE}&tag=user:kube:admin&tag=cluster:prod`);
      expect(byUser.data).toHaveLength(2);
      expect(byUser.data!.map((t) => t.traceID)).toContain(deploymentTraceId);
      const byAuditId = await v1<JaegerTrace[]>(`traces?${V1_RANGE}&tags=${encodeURIComponent(JSON.stringify({ auditID: openshiftCascade()[0]!.event.auditID }))}`);
      expect(byAuditId.data!.map((t) => t.traceID)).toEqual([deploymentTraceId]);
      const byKindTag = await v1<JaegerTrace[]>(`traces?service=*&${V1_RANGE}&tag=kind:ReplicaSet`);
      expect(byKindTag.data).toHaveLength(3);
      // Kind.group works for Kubernetes' own groups too.
      expect((await v1<JaegerTrace[]>(`traces?service=Deployment.apps&${V1_RANGE}&tag=cluster:prod`)).data!.map((t) => t.traceID)).toEqual([deploymentTraceId]);
      expect((await v1<JaegerTrace[]>(`traces?service=Deployment.example.com&${V1_RANGE}`)).data).toEqual([]);
      // A key in both: the tags JSON wins, as Jaeger's query service merges them.
      const both = await v1<JaegerTrace[]>(`traces?service=Deployment&${V1_RANGE}&tag=cluster:staging&tags=${encodeURIComponent('{"cluster":"prod"}')}`);
      expect(both.data!.map((t) => t.traceID)).toEqual([deploymentTraceId]);
      // A Pod service with a Deployment's name finds nothing.
      expect((await v1<JaegerTrace[]>(`traces?service=Pod&${V1_RANGE}&tag=name:apiserver`)).data).toEqual([]);
    });

    it("builds each trace in the operation's view", async () => {
      const body = await v1<JaegerTrace[]>(`traces?service=ReplicaSet&operation=${encodeURIComponent("tree (ancestors)")}&${V1_RANGE}`);
      expect(body.data).toHaveLength(3);
      for (const trace of body.data!) {
        expect(decodeTraceId(trace.traceID)).toMatchObject({ displayMode: "tree", relationMode: "ancestors" });
        const services = new Set(Object.values(trace.processes).map((p) => p.serviceName));
        expect(services.has("Deployment")).toBe(true);
        expect(services.has("Pod")).toBe(false);
      }
      const kelemetry = await v1<JaegerTrace[]>(`traces?service=Deployment&operation=${encodeURIComponent("tracing (exclusive)")}&${V1_RANGE}&tag=cluster:prod`);
      expect(decodeTraceId(kelemetry.data![0]!.traceID)).toMatchObject({ displayMode: "tracing", relationMode: "descendants" });
    });

    it("filters by the root span's duration, 0 being no bound as in Jaeger, and limits", async () => {
      const service = `service=Deployment&tag=cluster:prod`;
      expect((await v1<JaegerTrace[]>(`traces?${service}&${V1_RANGE}&minDuration=1h`)).data).toEqual([]);
      expect((await v1<JaegerTrace[]>(`traces?${service}&${V1_RANGE}&minDuration=1m&maxDuration=1h`)).data).toHaveLength(1);
      expect((await v1<JaegerTrace[]>(`traces?${service}&${V1_RANGE}&maxDuration=500us`)).data).toEqual([]);
      expect((await v1<JaegerTrace[]>(`traces?${service}&${V1_RANGE}&maxDuration=0`)).data).toHaveLength(1);
      expect((await v1<JaegerTrace[]>(`traces?${service}&${V1_RANGE}&minDuration=1m&maxDuration=0s`)).data).toHaveLength(1);
      expect((await v1<JaegerTrace[]>(`traces?${service}&${V1_RANGE}&minDuration=0&maxDuration=1h`)).data).toHaveLength(1);
      expect((await v1<JaegerTrace[]>(`traces?service=*&${V1_RANGE}&limit=1`)).data).toHaveLength(1);
      expect((await v1<JaegerTrace[]>(`traces?service=Pod&${V1_RANGE}`)).data).toHaveLength(8); // 7 in the rollout, 1 replacement
      expect((await v1<JaegerTrace[]>(`traces?service=Pod&${V1_RANGE}&limit=5`)).data).toHaveLength(5);
    });

    it("takes start and end as Jaeger does (end defaults to now, start to 2 days before now), and lookback when start is not given", async () => {
      const service = `service=Deployment&tag=cluster:prod`;
      const day = 86_400_000_000;
      const now = Date.now() * 1000;
      // With start given, lookback is Jaeger UI's own (it sends start and end with it): not read, not checked.
      expect((await v1<JaegerTrace[]>(`traces?${service}&${V1_RANGE}&lookback=1m`)).data).toHaveLength(1);
      expect((await v1<JaegerTrace[]>(`traces?${service}&${V1_RANGE}&lookback=forever`)).data).toHaveLength(1);
      // Without start, Kubetrail's extension: start is end minus lookback.
      const lookedBack = await v1<JaegerTrace[]>(`traces?${service}&end=${us(END)}&lookback=2h`);
      expect(lookedBack.data!.map((t) => t.traceID)).toEqual([deploymentTraceId]);
      expect((await v1<JaegerTrace[]>(`traces?${service}&end=${us(START)}&lookback=1h`)).data).toEqual([]);
      expect((await v1<JaegerTrace[]>(`traces?${service}&lookback=99999999w`)).data).toHaveLength(1); // from 1970 to now
      // custom: Jaeger UI's word for a range given in start and end, so Jaeger's default: 2 days before now, after this end.
      await v1BadParam(`traces?${service}&end=${us(END)}&lookback=custom`, /^'end' should not be before 'start'/);
      await v1BadParam(`traces?${service}&lookback=forever`, /'lookback'/);
      // Neither: 2 days before now, whatever end is (so the 2021 trace is out of reach).
      expect((await v1<JaegerTrace[]>(`traces?${service}`)).data).toEqual([]);
      expect((await v1<JaegerTrace[]>(`traces?${service}&end=${now - day}`)).data).toEqual([]);
      await v1BadParam(`traces?${service}&end=${us(END)}`, /^'end' should not be before 'start', which is 2 days before now when not given$/);
      // Start after end: Jaeger's stores refuse it (as a 500); here a 400 naming start.
      await v1BadParam(`traces?${service}&start=${us(END)}&end=${us(START)}`, /^'start' should not be after 'end'$/);
      // An empty range, and times before 1970: searched, nothing found.
      expect((await v1<JaegerTrace[]>(`traces?${service}&start=${us(END)}&end=${us(END)}`)).data).toEqual([]);
      expect((await v1<JaegerTrace[]>(`traces?${service}&start=-5000000&end=-1`)).data).toEqual([]);
      // Fetching by ID does not search: its start and end are not checked against each other, as in Jaeger.
      const byId = await v1<JaegerTrace[]>(`traces?traceID=${deploymentTraceId}&start=${us(END)}&end=${us(START)}`);
      expect(byId.data!.map((t) => t.traceID)).toEqual([deploymentTraceId]);
    });

    it("searches a range beyond what trace IDs hold as far as they reach, never failing", async () => {
      const farFuture = await v1<JaegerTrace[]>(`traces?service=Deployment&tag=cluster:prod&start=-5&end=999999999999999999`);
      expect(farFuture.data).toHaveLength(1);
      expect((await v1<JaegerTrace[]>(`traces?service=Deployment&start=-999999999999999999`)).data).toHaveLength(2); // from 1970 to now
      const v3Far = await v3<{ summaries: TraceSummary[] }>(`trace-summaries?query.serviceName=Deployment&query.startTimeMin=0001-01-01T00:00:00Z&query.startTimeMax=9999-12-31T23:59:59Z`);
      expect(v3Far.summaries).toHaveLength(2);
    });

    it("reads times and limit as Go's strconv.ParseInt does: the whole int64 range (int32 for limit), exactly", async () => {
      const service = "service=Deployment&tag=cluster:prod";
      // 19 digits: beyond any time Go's time.Duration holds (it wraps around there); searched as far as entries can be.
      expect((await v1<JaegerTrace[]>(`traces?${service}&start=${INT64_MIN}&end=${INT64_MAX}`)).data).toHaveLength(1);
      expect((await v1<JaegerTrace[]>(`traces?${service}&start=${us(START)}&end=${INT64_MAX}`)).data).toHaveLength(1);
      // A sign and leading zeros, as ParseInt takes them.
      expect((await v1<JaegerTrace[]>(`traces?${service}&start=%2B0000000000000${us(START)}&end=-0${us(END)}`, 400)).errors![0]!.msg).toMatch(/^'start' should not be after 'end'$/);
      expect((await v1<JaegerTrace[]>(`traces?${service}&start=%2B0000000000000${us(START)}&end=000${us(END)}`)).data).toHaveLength(1);
      // Exact: a microsecond apart at the top of the range (the same double) is still start after end.
      await v1BadParam(`traces?${service}&start=${INT64_MAX}&end=9223372036854775806`, /^'start' should not be after 'end'$/);
      await v1BadParam(`traces?${service}&end=9223372036854775808`, /^unable to parse param 'end': value out of range/);
      await v1BadParam(`traces?${service}&start=-9223372036854775809`, /^unable to parse param 'start': value out of range/);
      // By ID: checked, not needed.
      expect((await v1<JaegerTrace[]>(`traces/${deploymentTraceId}?start=${INT64_MIN}&end=${INT64_MAX}`)).data).toHaveLength(1);
      await v1BadParam(`traces/${deploymentTraceId}?end=99999999999999999999`, /^unable to parse param 'end': value out of range/);
      expect((await v1<JaegerTrace[]>(`traces?service=Pod&${V1_RANGE}&limit=2147483647`)).data).toHaveLength(8);
      await v1BadParam(`traces?service=Pod&${V1_RANGE}&limit=2147483648`, /^unable to parse param 'limit': value out of range/);
    });

    it("fetches traceID=a&traceID=b, reporting the unknown ones", async () => {
      const unknown = encodeTraceId({ ...decodeTraceId(deploymentTraceId), rootObjectId: 999_999 });
      const body = await v1<JaegerTrace[]>(`traces?traceID=${deploymentTraceId.toUpperCase()}&traceID=${unknown}`);
      expect(body.data!.map((t) => t.traceID)).toEqual([deploymentTraceId]);
      expect(body.errors).toEqual([{ msg: "trace not found", traceID: unknown }]);
    });

    it.each([
      ["start=yesterday", /^unable to parse param 'start': /],
      ["end=1.5", /^unable to parse param 'end': /],
      ["limit=many", /'limit'/],
      ["limit=-1", /'limit'/],
      ["minDuration=10", /'minDuration'/],
      ["maxDuration=1x", /'maxDuration'/],
      ["minDuration=2s&maxDuration=1s", /^'maxDuration' should be greater than 'minDuration'$/],
      ["operation=GET%20%2Fapi", /^unable to parse param 'operation': unknown operation/],
      ["tags=%7Bnot-json", /^malformed 'tags' parameter/],
      ["tags=%7B%22replicas%22%3A3%7D", /^malformed 'tags' parameter/],
      ["tag=nocolon", /^malformed 'tag' parameter, expecting key:value/],
      ["tag=http.method:GET", /^unable to parse param 'tag': unknown tag "http.method"/],
      ["tags=%7B%22http.method%22%3A%22GET%22%7D", /^unable to parse param 'tags': unknown tag/],
      // Keys that name Object.prototype's members: a 400 too, never a tag silently dropped (every trace found).
      [`tags=${encodeURIComponent('{"__proto__":"x"}')}`, /^unable to parse param 'tags': unknown tag "__proto__"/],
      [`tags=${encodeURIComponent('{"constructor":"x"}')}`, /^unable to parse param 'tags': unknown tag "constructor"/],
      ["tag=__proto__:x", /^unable to parse param 'tag': unknown tag "__proto__"/],
      ["tag=constructor:x", /^unable to parse param 'tag': unknown tag "constructor"/],
      ["traceID=not-a-trace-id", /^cannot parse traceID param: /],
      ["raw=maybe", /'raw'/],
      // NUL, which Postgres refuses in a text parameter: a 400, not the database's error as a 500.
      [`tags=${encodeURIComponent(JSON.stringify({ name: "api\u0000server" }))}`, /^malformed 'tags' parameter/],
      [`tags=${encodeURIComponent(JSON.stringify({ "name\u0000": "apiserver" }))}`, /^malformed 'tags' parameter/],
      ["tag=user:kube%00admin", /^unable to parse param 'tag': must not contain a NUL character/],
      ["service=Pod%00", /^unable to parse param 'service': must not contain a NUL character/],
    ])("answers %s with a 400 naming the parameter", async (query, message) => {
      await v1BadParam(`traces?${query}`, message);
    });
  });

  describe("v1 trace by ID", () => {
    it("returns the trace, for an ID in any case", async () => {
      const body = await v1<JaegerTrace[]>(`traces/${deploymentTraceId.toUpperCase()}`);
      expect(body).toMatchObject({ total: 0, limit: 0, offset: 0, errors: null });
      expect(body.data).toHaveLength(1);
      const trace = body.data![0]!;
      expect(trace.traceID).toBe(deploymentTraceId);
      for (const span of trace.spans) expect(trace.processes[span.processID]).toBeDefined();
      // One root: the Deployment; every other span has its parent in the trace as first reference.
      const ids = new Set(trace.spans.map((span) => span.spanID));
      const roots = trace.spans.filter((span) => span.references.length === 0);
      expect(roots.map((span) => trace.processes[span.processID]!.serviceName)).toContain("Deployment");
      for (const span of trace.spans) if (span.references.length > 0) expect(span.references[0]!.refType).toBe("CHILD_OF");
      for (const span of trace.spans) for (const ref of span.references) expect(ids.has(ref.spanID)).toBe(true);
    });

    it("marks a failed request's span error=true", async () => {
      const trace = (await v1<JaegerTrace[]>(`traces/${stagingTraceId}`)).data![0]!;
      const deploymentSpan = trace.spans.find((span) => trace.processes[span.processID]!.serviceName === "Deployment")!;
      expect(deploymentSpan.tags).toContainEqual({ key: "error", type: "bool", value: true });
    });

    it("answers an unknown ID with 404 and Jaeger's error body", async () => {
      const unknown = encodeTraceId({ ...decodeTraceId(deploymentTraceId), rootObjectId: 999_999 });
      for (const id of [unknown, "f".repeat(32), "abc"]) {
        expect(await v1(`traces/${id}`, 404)).toEqual({ data: null, total: 0, limit: 0, offset: 0, errors: [{ code: 404, msg: "trace not found" }] });
      }
    });

    it("answers a malformed ID or parameter with a 400 naming it", async () => {
      await v1BadParam("traces/not-a-trace-id", /^unable to parse param 'traceID': /);
      await v1BadParam(`traces/${"a".repeat(33)}`, /'traceID'.*longer than 32/);
      await v1BadParam(`traces/${deploymentTraceId}?start=soon`, /'start'/);
    });

    it("indents with prettyPrint", async () => {
      const text = await (await get(`/jaeger/api/traces/${deploymentTraceId}?prettyPrint=true`)).text();
      expect(text).toMatch(/^\{\n {4}"data": \[/);
      expect(JSON.parse(text).data[0].traceID).toBe(deploymentTraceId);
      expect(await (await get(`/jaeger/api/services?prettyPrint=false`)).text()).not.toContain("\n");
    });
  });

  describe("v1 dependencies", () => {
    it("is the relation graph between kinds over the window", async () => {
      const body = await v1<Array<{ parent: string; child: string; callCount: number }>>(`dependencies?endTs=${Date.parse(END)}&lookback=${2 * 3_600_000}`);
      expect(body.data).toContainEqual({ parent: "Deployment", child: "ReplicaSet", callCount: 3 });
      expect(body.data!.find((link) => link.parent === "ReplicaSet" && link.child === "Pod")!.callCount).toBeGreaterThanOrEqual(7);
      expect(body.data!.some((link) => link.parent === "Node" || link.child === "Node")).toBe(true);
      expect((await v1(`dependencies?endTs=${Date.parse(START)}&lookback=3600000`)).data).toEqual([]);
      // Far outside what a date holds: as far as it reaches, never a 500.
      expect((await v1(`dependencies?endTs=999999999999999999&lookback=999999999999999999`)).data).toContainEqual({ parent: "Deployment", child: "ReplicaSet", callCount: 3 });
      const forPod = await v1<Array<{ parent: string; child: string }>>(`dependencies?endTs=${Date.parse(END)}&lookback=${2 * 3_600_000}&service=Pod`);
      expect(forPod.data!.every((link) => link.parent === "Pod" || link.child === "Pod")).toBe(true);
    });

    it("takes a lookback of 0 or less as Jaeger does: an empty or reversed window, with no links", async () => {
      // At 14:58 the Deployment owned ReplicaSets: a window of no time there, or one reversed, holds none of it.
      const during = Date.parse("2021-09-13T14:58:00Z");
      expect((await v1(`dependencies?endTs=${during}&lookback=${2 * 3_600_000}`)).data).toContainEqual({ parent: "Deployment", child: "ReplicaSet", callCount: 3 });
      expect((await v1(`dependencies?endTs=${during}&lookback=0`)).data).toEqual([]);
      expect((await v1(`dependencies?endTs=${Date.parse(START)}&lookback=${-2 * 3_600_000}`)).data).toEqual([]);
      // endTs empty is now (the 2021 links are within 40 years before it); at 1970 or before, nothing.
      expect((await v1(`dependencies?endTs=&lookback=${40 * 365 * 86_400_000}`)).data).toContainEqual({ parent: "Deployment", child: "ReplicaSet", callCount: 3 });
      expect((await v1(`dependencies?endTs=0`)).data).toEqual([]);
      expect((await v1(`dependencies?endTs=-1&lookback=-86400000`)).data).toEqual([]);
    });

    it("reads endTs and lookback over the whole int64 range, never failing on a date out of the store's range", async () => {
      const link = { parent: "Deployment", child: "ReplicaSet", callCount: 3 };
      expect((await v1(`dependencies?endTs=${INT64_MAX}&lookback=${INT64_MAX}`)).data).toContainEqual(link); // 1970 to 9999
      expect((await v1(`dependencies?endTs=${INT64_MAX}`)).data).toEqual([]);
      expect((await v1(`dependencies?endTs=${INT64_MIN}&lookback=${INT64_MIN}`)).data).toEqual([]);
      // endTs − lookback, exactly: 14:58 from the top of the range.
      const during = BigInt(Date.parse("2021-09-13T14:58:00Z"));
      expect((await v1(`dependencies?endTs=${INT64_MAX}&lookback=${BigInt(INT64_MAX) - during}`)).data).toContainEqual(link);
      await v1BadParam(`dependencies?endTs=9223372036854775808`, /^unable to parse param 'endTs': value out of range/);
      await v1BadParam(`dependencies?lookback=-9223372036854775809`, /^unable to parse param 'lookback': value out of range/);
    });

    it("answers bad parameters with a 400 naming them", async () => {
      await v1BadParam("dependencies?endTs=now", /'endTs'/);
      await v1BadParam("dependencies?lookback=1h", /'lookback'/);
    });
  });

  describe("repeated parameters", () => {
    // Jaeger reads a single-value parameter with url.Values.Get, which takes the first value (an
    // empty one then means what no value means), and traceID, tag and tags with every value.
    it("v1 takes the first value of a single-value parameter, even an empty one", async () => {
      const service = "service=Deployment&tag=cluster:prod";
      // start empty: 2 days before now, after this end, whatever the second start says.
      await v1BadParam(`traces?${service}&start=&start=${us(START)}&end=${us(END)}`, /^'end' should not be before 'start', which is 2 days before now/);
      expect((await v1<JaegerTrace[]>(`traces?${service}&start=${us(START)}&start=&end=${us(END)}&end=0`)).data).toHaveLength(1);
      expect((await v1<JaegerTrace[]>(`traces?service=Pod&${V1_RANGE}&limit=1&limit=5`)).data).toHaveLength(1);
      expect((await v1<JaegerTrace[]>(`traces?service=Deployment&service=Pod&${V1_RANGE}`)).data).toHaveLength(2);
      expect((await v1<JaegerTrace[]>(`traces/${deploymentTraceId}?start=&start=soon`)).data).toHaveLength(1);
      await v1BadParam(`traces/${deploymentTraceId}?start=soon&start=`, /^unable to parse param 'start': /);
      const during = Date.parse("2021-09-13T14:58:00Z");
      expect((await v1(`dependencies?endTs=${during}&endTs=0&lookback=7200000&lookback=0`)).data).toContainEqual({ parent: "Deployment", child: "ReplicaSet", callCount: 3 });
      expect((await v1(`dependencies?endTs=${during}&lookback=7200000&service=Node&service=Deployment`)).data).not.toContainEqual({ parent: "Deployment", child: "ReplicaSet", callCount: 3 });
    });

    it("v1 reads every value of traceID, tag and tags, an empty one included, which is malformed as in Jaeger", async () => {
      const both = await v1<JaegerTrace[]>(`traces?traceID=${deploymentTraceId}&traceID=${stagingTraceId}`);
      expect(both.data!.map((t) => t.traceID)).toEqual([deploymentTraceId, stagingTraceId]);
      // The same key twice: the last value, as Jaeger's map of tags keeps it.
      const last = await v1<JaegerTrace[]>(`traces?service=Deployment&${V1_RANGE}&tag=cluster:staging&tag=cluster:prod`);
      expect(last.data!.map((t) => t.traceID)).toEqual([deploymentTraceId]);
      await v1BadParam(`traces?traceID=&traceID=${deploymentTraceId}`, /^cannot parse traceID param: empty trace ID$/);
      await v1BadParam(`traces?service=Deployment&${V1_RANGE}&tag=cluster:prod&tag=`, /^malformed 'tag' parameter, expecting key:value, received: $/);
      await v1BadParam(`traces?service=Deployment&${V1_RANGE}&tags=&tags=%7B%7D`, /^malformed 'tags' parameter/);
    });

    it("v3 takes the first value of the camelCase name, and of the older spelling when that is empty", async () => {
      const pods = await v3<{ summaries: TraceSummary[] }>(`trace-summaries?query.serviceName=Pod&query.serviceName=Deployment&${V3_RANGE}`);
      expect(pods.summaries).toHaveLength(8);
      const older = await v3<{ summaries: TraceSummary[] }>(`trace-summaries?query.serviceName=&query.serviceName=Pod&query.service_name=Deployment&${V3_RANGE}`);
      expect(older.summaries).toHaveLength(2);
      await v3BadParam(`trace-summaries?query.startTimeMin=&query.startTimeMin=${START}&query.startTimeMax=${END}`, /^query.startTimeMin and query.startTimeMax are required$/);
      expect((await v3<{ summaries: unknown[] }>(`trace-summaries?${V3_RANGE}&query.searchDepth=1&query.searchDepth=5`)).summaries).toHaveLength(1);
      expect((await v3<{ operations: unknown[] }>(`operations?service=Pod&spanKind=server&spanKind=internal`)).operations).toEqual([]);
    });
  });

  describe("v3 trace summaries", () => {
    it("summarizes each trace as the current UI expects", async () => {
      const body = await v3<{ summaries: TraceSummary[] }>(`trace-summaries?query.serviceName=Deployment&${V3_RANGE}&query.attributes=${encodeURIComponent(JSON.stringify({ cluster: "prod" }))}`);
      expect(body.summaries).toHaveLength(1);
      const summary = body.summaries[0]!;
      expect(summary.traceId).toBe(deploymentTraceId);
      expect(summary.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(summary.minStartTimeUnixNano).toMatch(/^\d+$/);
      expect(summary.maxEndTimeUnixNano).toMatch(/^\d+$/);
      expect(BigInt(summary.maxEndTimeUnixNano) > BigInt(summary.minStartTimeUnixNano)).toBe(true);
      expect(BigInt(summary.minStartTimeUnixNano) >= BigInt(us(START)) * 1000n).toBe(true);
      expect(summary).toMatchObject({ rootServiceName: "Deployment" });
      expect(summary.rootOperationName).not.toBe("");
      expect(summary.spanCount).toBeGreaterThanOrEqual(11); // the Deployment, 3 ReplicaSets, 7 Pods…
      expect(summary.errorSpanCount).toBe(0);
      const staging = await v3<{ summaries: TraceSummary[] }>(`trace-summaries?query.serviceName=Deployment&${V3_RANGE}&query.attributes=${encodeURIComponent('{"cluster":"staging"}')}`);
      expect(staging.summaries.map((s) => s.traceId)).toEqual([stagingTraceId]);
      expect(staging.summaries[0]!.errorSpanCount).toBeGreaterThanOrEqual(1);
      expect(summary.services.map((s) => s.name)).toEqual([...summary.services.map((s) => s.name)].sort());
      expect(summary.services.reduce((sum, s) => sum + s.spanCount, 0)).toBe(summary.spanCount);
    });

    it("reads the snake_case spellings, searchDepth, durations and attributes from any service", async () => {
      const snake = await v3<{ summaries: TraceSummary[] }>(
        `trace-summaries?query.service_name=Deployment&query.start_time_min=${START}&query.start_time_max=${END}&query.attributes=${encodeURIComponent('{"cluster":"prod"}')}`,
      );
      expect(snake.summaries.map((s) => s.traceId)).toEqual([deploymentTraceId]);
      expect((await v3<{ summaries: unknown[] }>(`trace-summaries?${V3_RANGE}&query.searchDepth=1`)).summaries).toHaveLength(1);
      expect((await v3<{ summaries: unknown[] }>(`trace-summaries?${V3_RANGE}&query.num_traces=2`)).summaries).toHaveLength(2);
      // strconv.Atoi: any int64, as a limit capped like any other.
      expect((await v3<{ summaries: unknown[] }>(`trace-summaries?query.serviceName=Pod&${V3_RANGE}&query.searchDepth=${INT64_MAX}`)).summaries).toHaveLength(8);
      expect((await v3<{ summaries: unknown[] }>(`trace-summaries?query.serviceName=Deployment&${V3_RANGE}&query.durationMin=1h`)).summaries).toEqual([]);
      // A duration bound of 0 is no bound, as in Jaeger's stores.
      expect((await v3<{ summaries: unknown[] }>(`trace-summaries?query.serviceName=Deployment&${V3_RANGE}&query.durationMin=1m&query.durationMax=0`)).summaries).toHaveLength(2);
      expect((await v3<{ summaries: unknown[] }>(`trace-summaries?query.serviceName=Deployment&${V3_RANGE}&query.duration_max=0s`)).summaries).toHaveLength(2);
      const pod = await v3<{ summaries: TraceSummary[] }>(`trace-summaries?query.serviceName=*&${V3_RANGE}&query.attributes=${encodeURIComponent(JSON.stringify({ name: POD }))}`);
      expect(pod.summaries).toHaveLength(1);
      expect(pod.summaries[0]!.rootServiceName).not.toBe("Pod"); // the full tree: rooted at its Deployment
      const view = await v3<{ summaries: TraceSummary[] }>(`trace-summaries?query.serviceName=Pod&query.operationName=${encodeURIComponent("tracing (self)")}&${V3_RANGE}`);
      expect(view.summaries).toHaveLength(8);
      expect(view.summaries[0]).toMatchObject({ rootServiceName: "Pod" });
    });

    it.each([
      ["", /^query.startTimeMin and query.startTimeMax are required$/],
      [`query.startTimeMin=${START}`, /^query.startTimeMin and query.startTimeMax are required$/],
      [`query.startTimeMin=yesterday&query.startTimeMax=${END}`, /^malformed parameter query.startTimeMin: /],
      [`query.start_time_min=${START}&query.start_time_max=1631545200`, /^malformed parameter query.start_time_max: /],
      [`query.startTimeMin=${END}&query.startTimeMax=${START}`, /^query.startTimeMin must be before query.startTimeMax$/],
      [`query.startTimeMin=${END}&query.startTimeMax=${END}`, /^query.startTimeMin must be before query.startTimeMax$/],
      [`query.startTimeMin=-1&query.startTimeMax=${END}`, /^malformed parameter query.startTimeMin: /],
      [`${V3_RANGE}&query.durationMin=2s&query.durationMax=1s`, /^query.durationMax must not be less than query.durationMin$/],
      [`${V3_RANGE}&query.searchDepth=ten`, /^malformed parameter query.searchDepth: /],
      [`${V3_RANGE}&query.searchDepth=9223372036854775808`, /^malformed parameter query.searchDepth: value out of range/],
      [`${V3_RANGE}&query.durationMin=1x`, /^malformed parameter query.durationMin: /],
      [`${V3_RANGE}&query.duration_max=1x`, /^malformed parameter query.duration_max: /],
      [`${V3_RANGE}&query.attributes=%7Bnope`, /^malformed parameter query.attributes: /],
      [`${V3_RANGE}&query.attributes=%7B%22http.method%22%3A%22GET%22%7D`, /^malformed parameter query.attributes: unknown tag "http.method"/],
      [`${V3_RANGE}&query.attributes=${encodeURIComponent('{"__proto__":"x"}')}`, /^malformed parameter query.attributes: unknown tag "__proto__"/],
      [`${V3_RANGE}&query.attributes=${encodeURIComponent('{"constructor":"x"}')}`, /^malformed parameter query.attributes: unknown tag "constructor"/],
      [`${V3_RANGE}&query.operationName=HTTP%20GET`, /^malformed parameter query.operationName: unknown operation/],
      [`${V3_RANGE}&query.filter=x`, /^malformed parameter query.filter: /],
      [`${V3_RANGE}&query.rawTraces=maybe`, /^malformed parameter query.rawTraces: /],
      [`${V3_RANGE}&query.attributes=${encodeURIComponent(JSON.stringify({ namespace: "\u0000" }))}`, /^malformed parameter query.attributes: /],
      [`${V3_RANGE}&query.service_name=Pod%00`, /^malformed parameter query.service_name: must not contain a NUL character/],
    ])("answers %j with a 400 naming the parameter", async (query, message) => {
      await v3BadParam(`trace-summaries?${query}`, message);
      await v3BadParam(`traces?${query}`, message);
    });
  });

  describe("v3 traces", () => {
    const checkOtlp = (resourceSpans: OtlpResourceSpans[], traceId: string) => {
      for (const resource of resourceSpans) {
        expect(resource.resource.attributes[0]!.key).toBe("service.name");
        for (const span of resource.scopeSpans[0]!.spans) {
          expect(span.traceId).toBe(traceId);
          expect(span.spanId).toMatch(/^[0-9a-f]{16}$/);
          expect(span.startTimeUnixNano).toMatch(/^\d+$/);
          expect(span.endTimeUnixNano).toMatch(/^\d+$/);
        }
      }
    };

    it("gets a trace by ID, in any case, as OTLP JSON grouped by service", async () => {
      const body = await v3<{ result: { resourceSpans: OtlpResourceSpans[] } }>(`traces/${deploymentTraceId.toUpperCase()}`);
      checkOtlp(body.result.resourceSpans, deploymentTraceId);
      const services = body.result.resourceSpans.map((r) => (r.resource.attributes[0]!.value as { stringValue: string }).stringValue);
      expect(new Set(services).size).toBe(services.length);
      expect(services).toEqual(expect.arrayContaining(["Deployment", "ReplicaSet", "Pod"]));
      const spans = body.result.resourceSpans.flatMap((r) => r.scopeSpans[0]!.spans);
      expect(spans.some((span) => span.events.length > 0)).toBe(true);
      expect(spans.filter((span) => span.parentSpanId === undefined).length).toBeGreaterThanOrEqual(1);
      const staging = await v3<{ result: { resourceSpans: OtlpResourceSpans[] } }>(`traces/${stagingTraceId}`);
      expect(staging.result.resourceSpans.flatMap((r) => r.scopeSpans[0]!.spans).some((span) => span.status.code === 2)).toBe(true);
    });

    it("searches times before 1970 like any others: nothing there", async () => {
      const before1970 = "query.startTimeMin=1969-12-31T00:00:00Z&query.startTimeMax=1970-01-01T00:00:00Z";
      expect(await v3(`trace-summaries?${before1970}`)).toEqual({ summaries: [] });
      expect(await v3(`traces?${before1970}`, 404)).toEqual({ error: { httpCode: 404, message: "No traces found" } });
    });

    it("finds traces as one OTLP result, and 404s when there are none, as the gateway does", async () => {
      const body = await v3<{ result: { resourceSpans: OtlpResourceSpans[] } }>(`traces?query.serviceName=Deployment&${V3_RANGE}&query.attributes=${encodeURIComponent('{"cluster":"prod"}')}`);
      checkOtlp(body.result.resourceSpans, deploymentTraceId);
      expect(await v3(`traces?query.serviceName=Node&query.startTimeMin=2020-01-01T00:00:00Z&query.startTimeMax=2020-01-02T00:00:00Z`, 404)).toEqual({
        error: { httpCode: 404, message: "No traces found" },
      });
    });

    it("answers an unknown ID with 404 and a malformed one with a 400 naming trace_id", async () => {
      const unknown = encodeTraceId({ ...decodeTraceId(deploymentTraceId), rootObjectId: 999_999 });
      expect(await v3(`traces/${unknown}`, 404)).toEqual({ error: { httpCode: 404, message: "No traces found" } });
      await v3BadParam("traces/zzz", /^malformed parameter trace_id: /);
      await v3BadParam(`traces/${deploymentTraceId}?startTime=yesterday`, /^malformed parameter startTime: /);
      await v3BadParam(`traces/${deploymentTraceId}?raw_traces=maybe`, /^malformed parameter raw_traces: /);
    });

    it("indents with prettyPrint", async () => {
      const text = await (await get(`/jaeger/api/v3/services?prettyPrint=true`)).text();
      expect(text).toMatch(/^\{\n {4}"services": \[/);
    });
  });

  describe("/redirect", () => {
    const redirect = (query: string) => fetch(`${app.url}/redirect?${query}`, { redirect: "manual" });
    const identity = `resource=deployments&namespace=${NAMESPACE}&name=apiserver`;

    it("answers 302 to the object's trace around ts (RFC 3339 or unix seconds), at the API without a UI", async () => {
      const response = await redirect(`cluster=prod&${identity}&ts=2021-09-13T14:58:00Z`);
      expect(response.status).toBe(302);
      const location = response.headers.get("location")!;
      expect(location).toMatch(/^\/jaeger\/api\/traces\/[0-9a-f]{32}$/);
      const traceId = location.split("/").pop()!;
      expect(decodeTraceId(traceId)).toMatchObject({ displayMode: "tracing", relationMode: "full", startSeconds: Date.parse("2021-09-13T14:28:00Z") / 1000, endSeconds: Date.parse("2021-09-13T15:28:00Z") / 1000 });
      const trace = await v1<JaegerTrace[]>(location.replace(/^\/jaeger\/api\//, ""));
      expect(trace.data![0]!.traceID).toBe(traceId);

      const bySeconds = await redirect(`cluster=prod&resource=Deployment&namespace=${NAMESPACE}&name=apiserver&ts=${Date.parse("2021-09-13T14:58:00Z") / 1000}`);
      expect(bySeconds.headers.get("location")).toBe(location);
      expect((await redirect(`cluster=prod&resource=deployments.apps&namespace=${NAMESPACE}&name=apiserver&ts=2021-09-13T14:58:00Z`)).headers.get("location")).toBe(location);
    });

    it("answers 409 listing the candidates when several objects match", async () => {
      const response = await redirect(`${identity}&ts=2021-09-13T14:58:00Z`);
      expect(response.status).toBe(409);
      const body = (await response.json()) as { error: { code: string; message: string; candidates: Array<Record<string, string>> } };
      expect(body.error.code).toBe("ambiguous");
      // Only the cluster tells them apart: the namespace, the same for both, would not.
      expect(body.error.message).toMatch(/; add cluster, or pick one$/);
      expect(body.error.candidates.map((c) => c.cluster).sort()).toEqual(["prod", "staging"]);
      for (const candidate of body.error.candidates) {
        expect(candidate).toMatchObject({ service: "Deployment", namespace: NAMESPACE, name: "apiserver", location: `/jaeger/api/traces/${candidate.traceId}` });
      }
    });

    it("answers 404 when nothing matches, deleted objects included", async () => {
      for (const query of [`cluster=prod&resource=deployments&namespace=${NAMESPACE}&name=nope&ts=2021-09-13T14:58:00Z`, `cluster=prod&${identity}&ts=2021-09-13T16:00:00Z`]) {
        const response = await redirect(query);
        expect(response.status).toBe(404);
        expect(((await response.json()) as { error: { code: string } }).error.code).toBe("not_found");
      }
    });

    describe("to a browser (Accept lists text/html before application/json)", () => {
      // Chromium's Accept for a page it navigates to.
      const BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7";
      const inBrowser = (query: string) => fetch(`${app.url}/redirect?${query}`, { redirect: "manual", headers: { accept: BROWSER_ACCEPT } });
      const hrefs = (html: string) => [...html.matchAll(/<a href="([^"]*)"/g)].map((match) => match[1]!.replace(/&amp;/g, "&"));
      const messageOf = async (query: string) => ((await (await redirect(query)).json()) as { error: { message: string } }).error.message;

      it("still redirects when one object matches", async () => {
        const response = await inBrowser(`cluster=prod&${identity}&ts=2021-09-13T14:58:00Z`);
        expect(response.status).toBe(302);
        expect(response.headers.get("location")).toMatch(/^\/jaeger\/api\/traces\/[0-9a-f]{32}$/);
      });

      it("answers no match with a 404 page that shows the message and offers the search at any time", async () => {
        const query = `cluster=prod&resource=deployments.apps&namespace=${NAMESPACE}&name=apiserver&ts=2021-09-13T16:00:00Z`;
        const response = await inBrowser(query);
        expect(response.status).toBe(404);
        expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
        // A cache must not give a browser's page to an API client, or the other way round.
        expect(response.headers.get("vary")).toBe("Accept");
        const html = await response.text();
        expect(html).toContain(await messageOf(query));
        expect(hrefs(html)).toEqual([`/search?cluster=prod&namespace=${NAMESPACE}&kind=deployments&name=apiserver`, "/"]);
      });

      it("escapes a name like <script> in the page", async () => {
        const html = await (await inBrowser(`resource=pods&name=${encodeURIComponent('<script>alert("x")</script>')}`)).text();
        expect(html).not.toContain("<script");
        expect(html).toContain("name=&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
        expect(hrefs(html)[0]).toBe(`/search?${new URLSearchParams({ kind: "pods", name: '<script>alert("x")</script>' })}`);
      });

      it("answers ambiguity with a 409 page listing the candidates, each linking to its object page around ts and its trace", async () => {
        const query = `${identity}&ts=2021-09-13T14:58:00Z`;
        const response = await inBrowser(query);
        expect(response.status).toBe(409);
        expect(response.headers.get("vary")).toBe("Accept");
        const html = await response.text();
        const json = (await (await redirect(query)).json()) as { error: { message: string; candidates: Array<{ cluster: string; location: string }> } };
        expect(html).toContain(json.error.message);
        const ids = (
          await app.context.db.query<{ id: string; cluster: string }>(
            `SELECT o.id, c.name AS cluster FROM objects o JOIN clusters c ON c.id = o.cluster_id WHERE o.resource = 'deployments' AND o.namespace = $1 AND o.name = 'apiserver'`,
            [NAMESPACE],
          )
        ).rows;
        expect(ids.map((row) => row.cluster).sort()).toEqual(["prod", "staging"]);
        const window = `from=${encodeURIComponent("2021-09-13T14:28:00.000Z")}&to=${encodeURIComponent("2021-09-13T15:28:00.000Z")}`;
        const expected = json.error.candidates.flatMap((candidate) => [`/objects/${ids.find((row) => row.cluster === candidate.cluster)!.id}?${window}`, candidate.location]);
        expect(hrefs(html)).toEqual([...expected, "/"]);
        for (const cluster of ["prod", "staging"]) expect(html).toContain(`>Deployment ${NAMESPACE}/apiserver in cluster ${cluster}</a>`);
      });
    });

    it("keeps answering API clients JSON: */* (curl's), application/json, or JSON listed first", async () => {
      const query = `${identity}&ts=2021-09-13T14:58:00Z`;
      const bodies = await Promise.all(
        ["*/*", "application/json", "application/json, text/html"].map(async (accept) => {
          const response = await fetch(`${app.url}/redirect?${query}`, { redirect: "manual", headers: { accept } });
          expect(response.status).toBe(409);
          expect(response.headers.get("content-type")).toBe("application/json");
          expect(response.headers.get("vary")).toBe("Accept");
          return response.text();
        }),
      );
      expect(JSON.parse(bodies[0]!).error.code).toBe("ambiguous");
      expect(new Set(bodies).size).toBe(1);
    });

    it("answers a bad parameter with a 400 naming it", async () => {
      for (const [query, message] of [
        [`cluster=prod&${identity}&ts=tomorrow`, /^parameter 'ts': /],
        [`resource=deployments&namespace=${NAMESPACE}`, /^parameter 'name' is required$/],
        [`name=apiserver`, /^parameter 'resource' is required$/],
        [`cluster=prod&${identity}&ts=99999999999999`, /^parameter 'ts': must be between 1970 and 2106/],
        [`resource=deployments&name=api%00server`, /^parameter 'name': must not contain a NUL character/],
        [`cluster=%00&resource=deployments&name=apiserver`, /^parameter 'cluster': must not contain a NUL character/],
      ] as const) {
        const response = await redirect(query);
        expect(response.status).toBe(400);
        expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(message);
      }
    });
  });
});
