import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../config/config";
import { createAppContext } from "../../app/context";
import { falcoEvents } from "../../testing/fixtures";
import { STORE_KINDS } from "../../testing/databases";
import { APP_SETUPS, startTestApp, type TestApp } from "../../testing/appHarness";
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from "../../testing/otlpReceiver";
import { eventList, ROLLOUT_DEPLOYMENT_UID, rolloutScenario } from "../../testing/scenarios/rollout";
import { buildTrace } from "../../query/trace/buildTrace";
import { decodeTraceId } from "../../query/trace/traceId";
import { loadCommittedEntries } from "./committedEntries";
import { ephemeralClaimOf, NEW_PODS, OLD_POD, RS_NEW, RS_OLD, rolloutTreeEvents, withEphemeralVolume, withParentLinkToDeployment } from "../../query/trace/rolloutTree.fixture";
import type { JaegerTrace } from "../../jaeger/v1/jaegerJson";
import { cascadeEventList, openshiftCascade } from "../../testing/scenarios/openshiftCascade";
import { recordedEvents } from "../../testing/apiServer/testEvents";

const nanos = (timestamp: string) => BigInt(Date.parse(timestamp)) * 1_000_000n;
const DAY_START = nanos("2021-09-13T00:00:00Z");
const DAY_END = nanos("2021-09-14T00:00:00Z");

// With ingest workers too: their commits reach the export on the server's thread.
describe.each(APP_SETUPS)("OTLP export of a Deployment rollout on $label", ({ kind, env }) => {
  let receiver: OtlpReceiver;
  let app: TestApp;
  const steps = rolloutScenario();
  let objectSpan: ReceivedSpan;
  let entrySpans: ReceivedSpan[];

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    app = await startTestApp(kind, {
      ...env,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_EXPORTER_OTLP_HEADERS: "authorization=Bearer%20otlp-secret,X-Scope-OrgID=kubetrail",
    });
    // One batch per step, as a webhook in blocking mode sends them.
    for (const step of steps) expect((await app.postAudit(eventList([step.event]), { cluster: "rollout" })).status, step.label).toBe(200);
    await app.context.traceExport!.flush();
    objectSpan = receiver.spans.find((span) => span.parentSpanId === null)!;
    entrySpans = receiver.spans.filter((span) => span.parentSpanId !== null);
  });
  afterAll(async () => {
    await app?.close();
    await receiver?.close();
  });

  const spanOf = (label: string) => {
    const auditId = steps.find((s) => s.label === label)!.event.auditID as string;
    return entrySpans.find((span) => span.attributes.auditID === auditId)!;
  };

  it("posts OTLP protobuf with the configured headers", () => {
    expect(receiver.requests.length).toBeGreaterThan(0);
    for (const request of receiver.requests) {
      expect(request.contentType).toBe("application/x-protobuf");
      expect(request.headers.authorization).toBe("Bearer otlp-secret");
      expect(request.headers["x-scope-orgid"]).toBe("kubetrail");
    }
  });

  it("exports one span per history entry under one span of the object, in one trace", async () => {
    expect(receiver.spans).toHaveLength(steps.length + 1);
    expect(new Set(receiver.spans.map((span) => span.spanId)).size).toBe(receiver.spans.length);
    expect(new Set(receiver.spans.map((span) => span.traceId))).toEqual(new Set([objectSpan.traceId]));
    for (const span of entrySpans) expect(span.parentSpanId).toBe(objectSpan.spanId);
    for (const span of receiver.spans) {
      expect(span.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(span.spanId).toMatch(/^[0-9a-f]{16}$/);
      expect(span.scope).toBe("kubetrail");
      expect(span.kind).toBe(1); // INTERNAL
      expect(span.resource).toEqual({ "service.name": "Deployment", "k8s.cluster.name": "rollout" });
    }
  });

  it("names the trace by the topmost object and the UTC day, so the query API rebuilds it", async () => {
    const { rows } = await app.context.db.query<{ id: string }>(`SELECT id FROM objects WHERE name = 'apiserver'`);
    expect(decodeTraceId(objectSpan.traceId)).toEqual({
      rootObjectId: Number(rows[0]!.id),
      relationMode: "descendants",
      displayMode: "tree",
      depth: app.context.config.traceMaxDepth,
      startSeconds: Number(DAY_START / 1_000_000_000n),
      endSeconds: Number(DAY_END / 1_000_000_000n),
    });
    const rebuilt = await buildTrace(app.context.db, decodeTraceId(objectSpan.traceId), { maxDepth: app.context.config.traceMaxDepth });
    const byId = new Map(rebuilt!.spans.map((span) => [span.spanId, span]));
    for (const span of receiver.spans) {
      const same = byId.get(span.spanId);
      expect(same, span.name).toBeDefined();
      expect(same!.parentSpanId).toBe(span.parentSpanId);
      expect(same!.name).toBe(span.name);
    }
  });

  it("gives the object span the object's attributes and the whole day", () => {
    expect(objectSpan.name).toBe("openshift-apiserver/apiserver (cluster rollout)");
    expect(objectSpan.startTimeUnixNano).toBe(DAY_START);
    expect(objectSpan.endTimeUnixNano).toBe(DAY_END);
    expect(objectSpan.attributes).toMatchObject({
      cluster: "rollout",
      apiGroup: "apps",
      resource: "deployments",
      kind: "Deployment",
      namespace: "openshift-apiserver",
      name: "apiserver",
      uid: ROLLOUT_DEPLOYMENT_UID,
      queried: true,
    });
    expect(objectSpan.status.code).toBe(0);
  });

  it("gives each entry span the request's times in nanoseconds, title and attributes", () => {
    for (const step of steps) {
      const span = spanOf(step.label);
      expect(span, step.label).toBeDefined();
      expect(span.startTimeUnixNano).toBe(nanos(step.event.requestReceivedTimestamp));
      expect(span.endTimeUnixNano).toBe(nanos(step.event.stageTimestamp));
      expect(span.endTimeUnixNano - span.startTimeUnixNano).toBe(7_000_000n);
      expect(span.attributes).toMatchObject({ verb: step.event.verb, user: step.event.user.username, auditID: step.event.auditID, statusCode: BigInt(step.event.responseStatus.code) });
    }
    const scaleUp = spanOf("scale up");
    expect(scaleUp.name).toBe("kube:admin patch");
    expect(String(scaleUp.attributes.diff).split("\n")).toEqual(expect.arrayContaining(["spec.replicas 3 -> 5", "metadata.generation 1 -> 2"]));
    expect(scaleUp.attributes.userAgent).toBe("kubectl/v1.21.1 (linux/amd64) kubernetes/a4ab7a9");
    expect(String(spanOf("status generation 2").attributes.diff).split("\n")).toContain("status.observedGeneration 1 -> 2");
    expect(spanOf("status generation 2").attributes.subresource).toBe("status");
    expect(spanOf("no-op update").attributes.noop).toBe(true);
    expect(JSON.parse(String(spanOf("delete").attributes.snapshot)).spec.replicas).toBe(3);
  });

  it("marks the refused update as an error with its reason", () => {
    const conflict = spanOf("conflict");
    expect(conflict.name).toBe("kube:admin update (Conflict)");
    expect(conflict.status.code).toBe(2); // ERROR
    expect(conflict.status.message).toMatch(/^Conflict: Operation cannot be fulfilled/);
    expect(conflict.attributes).toMatchObject({ statusCode: 409n, reason: "Conflict" });
    for (const span of entrySpans.filter((s) => s !== conflict)) expect(span.status.code).toBe(0);
  });

  it("exports nothing again for a retried batch", async () => {
    const before = receiver.spans.length;
    const response = await app.postAudit(eventList(steps.map((s) => s.event)), { cluster: "rollout" });
    expect(await response.json()).toMatchObject({ duplicates: steps.length, history: 0 });
    await app.context.traceExport!.flush();
    expect(receiver.spans).toHaveLength(before);
    expect(app.context.traceExport!.stats()).toEqual({ exported: steps.length + 1, dropped: 0 });
  });
});

describe.each(STORE_KINDS)("OTLP export of a Deployment with its ReplicaSets and Pods on %s", (kind) => {
  it("hangs every Pod under its ReplicaSet under the Deployment, in the Deployment's trace of the day", async () => {
    const receiver = await startOtlpReceiver();
    const app = await startTestApp(kind, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint });
    try {
      // One batch: the relations its bodies state (ownerReferences) are committed with it.
      expect((await app.postAudit(eventList(rolloutTreeEvents()), { cluster: "tree" })).status).toBe(200);
      await app.context.traceExport!.flush();
      const objects = receiver.spans.filter((span) => span.attributes.objectID !== undefined && span.attributes.entryID === undefined);
      const objectSpan = (name: string) => objects.find((span) => span.attributes.name === name)!;
      const deployment = objectSpan("apiserver");
      expect(deployment.parentSpanId).toBeNull();
      for (const span of receiver.spans) expect(span.traceId).toBe(deployment.traceId);
      for (const rs of [RS_OLD, RS_NEW]) {
        expect(objectSpan(rs).parentSpanId).toBe(deployment.spanId);
        expect(objectSpan(rs).resource["service.name"]).toBe("ReplicaSet");
        expect(objectSpan(rs).attributes.relation).toBe("controller-owner");
      }
      expect(objectSpan(OLD_POD).parentSpanId).toBe(objectSpan(RS_OLD).spanId);
      for (const pod of NEW_PODS) {
        expect(objectSpan(pod).parentSpanId).toBe(objectSpan(RS_NEW).spanId);
        expect(objectSpan(pod).resource["service.name"]).toBe("Pod");
        const entries = receiver.spans.filter((span) => span.parentSpanId === objectSpan(pod).spanId);
        expect(entries.map((span) => span.attributes.verb)).toEqual(expect.arrayContaining(["create", "patch"]));
      }
      // Each object once, each entry once.
      expect(new Set(receiver.spans.map((span) => span.spanId)).size).toBe(receiver.spans.length);
      const { rows } = await app.context.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM history_entries`);
      expect(receiver.spans.length - objects.length).toBe(rows[0]!.n);
    } finally {
      await app.close();
      await receiver.close();
    }
  });
});

describe.each(STORE_KINDS)("OTLP export of a Pod reachable at two depths on %s", (kind) => {
  it("places it where the query API places it in the trace of the same ID: under its ReplicaSet", async () => {
    const receiver = await startOtlpReceiver();
    const app = await startTestApp(kind, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint });
    try {
      // The real rollout tree (rolloutTree.fixture.ts: OpenShift's apiserver Deployment, ReplicaSets
      // and Pods), its first new Pod also naming the Deployment in a kubetrail.io/parent-link: the
      // Deployment reaches it directly and through the Pod's ReplicaSet.
      const events = withParentLinkToDeployment(rolloutTreeEvents(), NEW_PODS[0]!);
      expect((await app.postAudit(eventList(events), { cluster: "linked" })).status).toBe(200);
      await app.context.traceExport!.flush();
      const kinds = await app.context.db.query<{ kind: string }>(
        `SELECT r.kind FROM relations r JOIN objects o ON o.id = r.to_object_id WHERE o.name = $1 ORDER BY r.kind`,
        [NEW_PODS[0]],
      );
      expect(kinds.rows.map((row) => row.kind)).toEqual(["controller-owner", "node", "parent-link"]);

      const objects = receiver.spans.filter((span) => span.attributes.objectID !== undefined && span.attributes.entryID === undefined);
      const objectSpan = (name: string) => objects.find((span) => span.attributes.name === name)!;
      expect(objectSpan(NEW_PODS[0]!).parentSpanId).toBe(objectSpan(RS_NEW).spanId);
      expect(objectSpan(NEW_PODS[0]!).attributes.relation).toBe("controller-owner");

      // The query API rebuilds the exported trace from its ID with every span under the same parent.
      const traceId = objectSpan("apiserver").traceId;
      const rebuilt = await buildTrace(app.context.db, decodeTraceId(traceId), { maxDepth: app.context.config.traceMaxDepth });
      const byId = new Map(rebuilt!.spans.map((span) => [span.spanId, span]));
      for (const span of receiver.spans) {
        expect(span.traceId).toBe(traceId);
        expect(byId.get(span.spanId)?.parentSpanId, span.name).toBe(span.parentSpanId);
      }
    } finally {
      await app.close();
      await receiver.close();
    }
  });
});

describe.each(STORE_KINDS)("an exported trace ID opened in the Jaeger API on %s", (kind) => {
  /**
   * Every exported span is in the trace the Jaeger API serves for its trace ID, under the same
   * parent, with the same name: the receiver's trace, opened in Kubetrail, is the tree exported.
   */
  const expectOpensAsExported = async (app: TestApp, spans: ReceivedSpan[]) => {
    for (const traceId of new Set(spans.map((span) => span.traceId))) {
      const response = await fetch(`${app.url}/jaeger/api/traces/${traceId}`);
      expect(response.status).toBe(200);
      const trace = ((await response.json()) as { data: JaegerTrace[] }).data[0]!;
      const byId = new Map(trace.spans.map((span) => [span.spanID, span]));
      for (const span of spans.filter((s) => s.traceId === traceId)) {
        const served = byId.get(span.spanId);
        expect(served, `${span.name} in ${traceId}`).toBeDefined();
        expect(served!.references.find((ref) => ref.refType === "CHILD_OF")?.spanID ?? null, span.name).toBe(span.parentSpanId);
        expect(served!.operationName).toBe(span.name);
      }
    }
  };

  it("holds every level exported, with the depth the API is configured for (KUBETRAIL_TRACE_MAX_DEPTH)", async () => {
    const receiver = await startOtlpReceiver();
    // Two levels, where a Pod's ephemeral volume claim is three below its Deployment.
    const app = await startTestApp(kind, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, KUBETRAIL_TRACE_MAX_DEPTH: "2" });
    try {
      expect((await app.postAudit(eventList(withEphemeralVolume(rolloutTreeEvents(), NEW_PODS[0]!)), { cluster: "tree" })).status).toBe(200);
      await app.context.traceExport!.flush();
      const claim = receiver.spans.find((span) => span.attributes.name === ephemeralClaimOf(NEW_PODS[0]!) && span.attributes.entryID === undefined)!;
      expect(claim.resource["service.name"]).toBe("PersistentVolumeClaim");
      expect(receiver.spans.some((span) => span.parentSpanId === claim.spanId && span.attributes.verb === "create")).toBe(true);
      await expectOpensAsExported(app, receiver.spans);
      // The claim's trace is rooted two levels up, at the ReplicaSet, and asks for the depth the API gives.
      expect(decodeTraceId(claim.traceId).depth).toBe(2);
      const root = receiver.spans.find((span) => span.traceId === claim.traceId && span.parentSpanId === null)!;
      expect(root.attributes.name).toBe(RS_NEW);
    } finally {
      await app.close();
      await receiver.close();
    }
  });

  it("holds every object under its exported parent where the Deployment reaches a Pod's claim sooner than the tree puts it", async () => {
    const receiver = await startOtlpReceiver();
    const app = await startTestApp(kind, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, KUBETRAIL_TRACE_MAX_DEPTH: "2" });
    try {
      // The Pod names its Deployment in a parent-link: two hops from the Deployment to the claim, three down its tree.
      const events = withEphemeralVolume(withParentLinkToDeployment(rolloutTreeEvents(), NEW_PODS[0]!), NEW_PODS[0]!);
      expect((await app.postAudit(eventList(events), { cluster: "tree" })).status).toBe(200);
      await app.context.traceExport!.flush();
      await expectOpensAsExported(app, receiver.spans);
      const pod = receiver.spans.find((span) => span.attributes.name === NEW_PODS[0] && span.attributes.entryID === undefined && span.parentSpanId !== null)!;
      const deploymentTrace = receiver.spans.filter((span) => span.traceId === pod.traceId);
      expect(deploymentTrace.find((span) => span.spanId === pod.parentSpanId)!.attributes.name).toBe(RS_NEW);
    } finally {
      await app.close();
      await receiver.close();
    }
  });

  it("asks for the default depth, 10, by default", async () => {
    const receiver = await startOtlpReceiver();
    const app = await startTestApp(kind, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint });
    try {
      expect((await app.postAudit(eventList(withEphemeralVolume(rolloutTreeEvents(), NEW_PODS[0]!)), { cluster: "tree" })).status).toBe(200);
      await app.context.traceExport!.flush();
      await expectOpensAsExported(app, receiver.spans);
      const traceIds = new Set(receiver.spans.map((span) => span.traceId));
      // One trace: everything hangs from the Deployment.
      expect(traceIds.size).toBe(1);
      expect(app.context.config.traceMaxDepth).toBe(10);
      expect(decodeTraceId([...traceIds][0]!).depth).toBe(10);
    } finally {
      await app.close();
      await receiver.close();
    }
  });
});

describe.each(STORE_KINDS)("OTLP export when the receiver fails, on %s", (kind) => {
  const steps = rolloutScenario();
  const fastFailure = { OTEL_EXPORTER_OTLP_TIMEOUT: "500", OTEL_BSP_SCHEDULE_DELAY: "10" };

  it("keeps ingesting while the receiver answers 503, and exports again once it recovers", async () => {
    const receiver = await startOtlpReceiver();
    const app = await startTestApp(kind, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, ...fastFailure });
    try {
      receiver.failWith(503);
      for (const step of steps.slice(0, 4)) expect((await app.postAudit(eventList([step.event]), { cluster: "rollout" })).status).toBe(200);
      await app.context.traceExport!.flush();
      expect(receiver.refused).toBeGreaterThan(0);
      expect(receiver.spans).toHaveLength(0);
      // Four entries and their object's span, which goes out again (and is lost again) with each entry.
      expect(app.context.traceExport!.stats()).toMatchObject({ exported: 0, dropped: expect.any(Number) });
      expect(app.context.traceExport!.stats().dropped).toBeGreaterThanOrEqual(5);

      receiver.failWith(null);
      for (const step of steps.slice(4)) expect((await app.postAudit(eventList([step.event]), { cluster: "rollout" })).status).toBe(200);
      await app.context.traceExport!.flush();
      // The object's span was lost with the first entries: it goes out again with the next ones.
      expect(receiver.spans.filter((span) => span.parentSpanId === null)).toHaveLength(1);
      expect(receiver.spans.filter((span) => span.parentSpanId !== null)).toHaveLength(steps.length - 4);
    } finally {
      await app.close();
      await receiver.close();
    }
  });

  it("counts the spans a receiver refuses in a partial success as dropped", async () => {
    const receiver = await startOtlpReceiver();
    const app = await startTestApp(kind, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, ...fastFailure });
    try {
      receiver.rejectSpans({ count: 2, message: "spans older than the retention window" });
      const response = await app.postAudit(eventList(steps.map((s) => s.event)), { cluster: "rollout" });
      expect(await response.json()).toMatchObject({ history: steps.length });
      await app.context.traceExport!.flush();
      expect(receiver.spans).toHaveLength(steps.length + 1);
      expect(app.context.traceExport!.stats()).toEqual({ exported: steps.length - 1, dropped: 2 });
    } finally {
      await app.close();
      await receiver.close();
    }
  });

  it("keeps ingesting when nothing listens at the endpoint", async () => {
    const gone = await startOtlpReceiver();
    await gone.close();
    const app = await startTestApp(kind, { OTEL_EXPORTER_OTLP_ENDPOINT: gone.endpoint, ...fastFailure });
    try {
      const response = await app.postAudit(eventList(steps.map((s) => s.event)), { cluster: "rollout" });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ history: steps.length });
      await app.context.traceExport!.flush();
      expect(app.context.traceExport!.stats()).toEqual({ exported: 0, dropped: steps.length + 1 });
    } finally {
      await app.close();
    }
  });
});

describe("credentials in the OTLP endpoint", () => {
  it("are sent as Basic authentication, and never logged", async () => {
    const receiver = await startOtlpReceiver();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "kt-otlp-credentials-"));
    const endpoint = receiver.endpoint.replace("://", "://kubetrail:s3cret-pass@");
    const logs: string[] = [];
    const config = loadConfig({ KUBETRAIL_DATA_DIR: dataDir, OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_EXPORTER_OTLP_TIMEOUT: "500", OTEL_BSP_SCHEDULE_DELAY: "10" });
    const context = await createAppContext(config, { log: (m) => logs.push(m), prune: false });
    try {
      expect((await context.ingestor.ingest("default", falcoEvents("create_configmap.json"))).history).toBe(1);
      await context.traceExport!.flush();
      expect(receiver.requests[0]!.headers.authorization).toBe(`Basic ${Buffer.from("kubetrail:s3cret-pass").toString("base64")}`);

      receiver.failWith(401);
      expect((await context.ingestor.ingest("default", falcoEvents("delete_configmap.json"))).history).toBe(1);
      await context.traceExport!.flush();
    } finally {
      await context.close();
      await receiver.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
    const port = new URL(receiver.endpoint).port;
    expect(logs).toContain(`exporting traces to http://…@127.0.0.1:${port}/v1/traces (OTLP/HTTP protobuf)`);
    expect(logs).toContainEqual(expect.stringMatching(new RegExp(`^OTLP export to http://…@127\\.0\\.0\\.1:${port}/v1/traces: dropped 1 span: 1 \\(export failed: Unauthorized\\)`)));
    for (const line of logs) expect(line).not.toMatch(/s3cret/);
  });
});

describe.each(STORE_KINDS)("reading committed entries back with their ancestors on %s", (kind) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(kind);
  });
  afterAll(() => app.close());

  it("walks up the best-ranked hierarchical relations valid that day, ignoring references", async () => {
    const db = app.context.db;
    const cluster = Number((await db.query<{ id: number }>(`INSERT INTO clusters (name) VALUES ('tree') RETURNING id`)).rows[0]!.id);
    const object = async (resource: string, kindName: string, name: string) =>
      Number(
        (
          await db.query<{ id: number }>(
            `INSERT INTO objects (cluster_id, api_group, api_version, resource, kind, namespace, name, first_seen, last_seen)
             VALUES ($1, $2, 'v1', $3, $4, $5, $6, '2024-05-01T00:00:00Z', '2024-05-02T00:00:00Z') RETURNING id`,
            [cluster, resource === "pods" || resource === "nodes" ? "" : resource === "endpointslices" ? "discovery.k8s.io" : "apps", resource, kindName, resource === "nodes" ? "" : "web", name],
          )
        ).rows[0]!.id,
      );
    const deployment = await object("deployments", "Deployment", "web");
    const replicaSet = await object("replicasets", "ReplicaSet", "web-5d8f");
    const pod = await object("pods", "Pod", "web-5d8f-x2x");
    const slice = await object("endpointslices", "EndpointSlice", "web-abc");
    const node = await object("nodes", "Node", "node-1");
    const relation = (from: number, to: number, kindName: string, validFrom: string, validTo: string | null = null) =>
      db.query(`INSERT INTO relations (cluster_id, from_object_id, to_object_id, kind, claimed_by_id, valid_from, valid_to) VALUES ($1, $2, $3, $4, $3, $5, $6)`, [
        cluster, from, to, kindName, validFrom, validTo,
      ]);
    await relation(deployment, replicaSet, "controller-owner", "2024-05-01T10:00:00Z");
    await relation(replicaSet, pod, "controller-owner", "2024-05-01T10:00:01Z");
    await relation(slice, pod, "endpoint-target", "2024-05-01T10:00:05Z");
    await relation(node, pod, "node", "2024-05-01T10:00:02Z");
    // Ended the day before: not the Deployment's parent on the entry's day.
    await relation(slice, deployment, "parent-link", "2024-04-29T00:00:00Z", "2024-04-30T00:00:00Z");
    await db.query(
      `INSERT INTO history_entries (object_id, cluster_id, source, start_time, end_time, actor, verb, title, audit_id, stage, details)
       VALUES ($1, $2, 'audit', '2024-05-01T12:00:00.123456Z', '2024-05-01T12:00:00.130000Z', 'kubelet', 'patch', 'kubelet patch status', 'a-1', 'ResponseComplete', '{}')`,
      [pod, cluster],
    );

    const [committed] = await loadCommittedEntries(db, { clusterId: cluster, cluster: "tree", historyEntries: [{ auditId: "a-1", stage: "ResponseComplete", startTime: new Date("2024-05-01T12:00:00.123Z") }] }, 10);
    expect(committed!.line.map((o) => o.name)).toEqual(["web-5d8f-x2x", "web-5d8f", "web"]);
    expect(committed!.relations).toEqual(["controller-owner", "controller-owner"]);
    expect(committed!.entry).toMatchObject({ objectId: pod, start: Date.parse("2024-05-01T12:00:00.123Z") * 1000 + 456, title: "kubelet patch status" });
    // No further up than the depth of the exported traces.
    const [shallow] = await loadCommittedEntries(db, { clusterId: cluster, cluster: "tree", historyEntries: [{ auditId: "a-1", stage: "ResponseComplete", startTime: new Date("2024-05-01T12:00:00.123Z") }] }, 1);
    expect(shallow!.line.map((o) => o.name)).toEqual(["web-5d8f-x2x", "web-5d8f"]);
    expect(shallow!.relations).toEqual(["controller-owner"]);

    // A later request sent with the same Audit-ID (kube-apiserver keeps a client's): its batch
    // names its own entry, by its start, and the earlier one is not sent again.
    await db.query(
      `INSERT INTO history_entries (object_id, cluster_id, source, start_time, end_time, actor, verb, title, audit_id, stage, details)
       VALUES ($1, $2, 'audit', '2024-05-01T13:00:00.000000Z', '2024-05-01T13:00:00.010000Z', 'kubelet', 'patch', 'kubelet patch status again', 'a-1', 'ResponseComplete', '{}')`,
      [pod, cluster],
    );
    const later = await loadCommittedEntries(db, { clusterId: cluster, cluster: "tree", historyEntries: [{ auditId: "a-1", stage: "ResponseComplete", startTime: new Date("2024-05-01T13:00:00Z") }] }, 1);
    expect(later.map((c) => c.entry.title)).toEqual(["kubelet patch status again"]);
  });
});

/**
 * Kubernetes Events exported as they are stored, as audit entries are: the real must-gather
 * Events of the rollout's namespace (shared/fixtures/real/openshift-must-gather-azure) on the
 * objects of the cascade the same capture dates (server/testing/scenarios/openshiftCascade.ts).
 */
describe.each(STORE_KINDS)("OTLP export of Kubernetes Events on %s", (kind) => {
  let receiver: OtlpReceiver;
  let app: TestApp;
  let stored = 0;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    app = await startTestApp(kind, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint });
    expect((await app.postAudit(cascadeEventList(openshiftCascade()), { cluster: "openshift" })).status).toBe(200);
    // The cascade's spans, the Pods' object spans among them, are exported now; Events' spans join them below.
    await app.context.traceExport!.flush();
    // Pushed to the Events endpoint, as an event exporter would.
    const list = { kind: "EventList", apiVersion: "v1", items: recordedEvents("openshift-apiserver") };
    const first = await app.postEvents(list, { cluster: "openshift" });
    expect(first.status).toBe(200);
    stored = ((await first.json()) as { stored: number }).stored;
    // Posted again: nothing new, nothing exported twice.
    expect(((await (await app.postEvents(list, { cluster: "openshift" })).json()) as { stored: number }).stored).toBe(0);
    await app.context.traceExport!.flush();
  });
  afterAll(async () => {
    await app?.close();
    await receiver?.close();
  });

  it("exports one span per Event stored, under its object's span, with its reason and message", () => {
    const eventSpans = receiver.spans.filter((span) => span.attributes.source === "event");
    expect(eventSpans).toHaveLength(stored);
    const scheduled = eventSpans.find((span) => span.attributes.reason === "Scheduled" && String(span.attributes.message).includes("apiserver-5d887d5fcd-mrn5h"))!;
    expect(scheduled).toBeDefined();
    expect(scheduled.name).toMatch(/^default-scheduler Scheduled: Successfully assigned openshift-apiserver\/apiserver-5d887d5fcd-mrn5h to /);
    const parent = receiver.spans.find((span) => span.spanId === scheduled.parentSpanId)!;
    expect(parent.attributes).toMatchObject({ kind: "Pod", name: "apiserver-5d887d5fcd-mrn5h" });
    // Under the Deployment's trace, as the Pod's audit entries were.
    const root = receiver.spans.find((span) => span.traceId === scheduled.traceId && span.parentSpanId === null)!;
    expect(root.attributes).toMatchObject({ kind: "Deployment", name: "apiserver" });
  });
});
