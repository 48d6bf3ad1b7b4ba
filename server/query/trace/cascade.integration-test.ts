import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STORE_KINDS } from "../../testing/databases";
import { startTestApp, type TestApp } from "../../testing/appHarness";
import { CASCADE, CASCADE_PODS, cascadeEventList, openshiftCascade } from "../../testing/scenarios/openshiftCascade";
import { ATTR } from "./attributes";
import { buildTrace } from "./buildTrace";
import { objectIdOf } from "./rolloutTree.fixture";
import { findTraceRoots } from "./search";
import { traceQueryOf, type TraceQueryInput } from "./traceId";
import type { Trace, TraceSpan } from "./types";

/**
 * Traces of the real OpenShift rollout (server/testing/scenarios/openshiftCascade.ts) posted to
 * the webhook: the relations are the ones the linkers read from the bodies, nothing inserted.
 */

const at = (clock: string) => new Date(`2021-09-13T${clock}Z`);
const WHOLE = { start: at("14:50:00"), end: at("15:30:00") };
const { rev1, rev2, rev3 } = CASCADE.replicaSets;
const POD = CASCADE_PODS;

/** Each span as `<indent><Kind> <name>`, two spaces per level: the tree at a glance. */
function outline(trace: Trace): string[] {
  const byId = new Map(trace.spans.map((span) => [span.spanId, span]));
  const depth = (span: TraceSpan): number => (span.parentSpanId && byId.has(span.parentSpanId) ? 1 + depth(byId.get(span.parentSpanId)!) : 0);
  return trace.spans.map((span) => `${"  ".repeat(depth(span))}${span.serviceName} ${span.attributes[ATTR.name]}`);
}
const spanOf = (trace: Trace, name: string) => trace.spans.find((span) => span.attributes[ATTR.name] === name)!;

describe.each(STORE_KINDS)("traces of the OpenShift rollout on %s", (kind) => {
  let app: TestApp;
  const id = (resource: string, name: string, cluster = "openshift") => objectIdOf(app.context.db, cluster, resource, name);
  const build = async (rootObjectId: number, options: Partial<Omit<TraceQueryInput, "rootObjectId">> = {}) => {
    const trace = await buildTrace(app.context.db, traceQueryOf({ rootObjectId, ...WHOLE, ...options }));
    if (!trace) throw new Error("no trace");
    return trace;
  };

  beforeAll(async () => {
    app = await startTestApp(kind);
    for (const cluster of ["openshift", "staging"]) {
      const response = await app.postAudit(cascadeEventList(openshiftCascade()), { cluster });
      expect(response.status).toBe(200);
    }
  });
  afterAll(() => app.close());

  it("full tree from the Deployment: the single root, its three ReplicaSets, each with its own Pods", async () => {
    const trace = await build(await id("deployments", "apiserver"));
    expect(outline(trace)).toEqual([
      "Deployment apiserver",
      `  ReplicaSet ${rev1.name}`,
      `    Pod ${POD.tscjb}`,
      `    Pod ${POD.c6q5q}`,
      `    Pod ${POD.hc72z}`,
      `  ReplicaSet ${rev2.name}`,
      `    Pod ${POD.jl22t}`,
      `  ReplicaSet ${rev3.name}`,
      `    Pod ${POD.qnvqh}`,
      `    Pod ${POD.mrn5h}`,
      `    Pod ${POD.xdwdd}`,
      `    Pod ${POD.k8w2n}`,
    ]);
    expect(trace.spans.filter((span) => span.parentSpanId === null)).toHaveLength(1);
    expect(spanOf(trace, POD.qnvqh).attributes).toMatchObject({ [ATTR.relation]: "controller-owner", "related.node": `Node ${CASCADE.nodes.master1.name}` });
    // Never scheduled: no Node.
    expect(spanOf(trace, POD.jl22t).attributes).not.toHaveProperty("related.node");
  });

  it("ancestors from one ReplicaSet: the Deployment with exactly that ReplicaSet", async () => {
    expect(outline(await build(await id("replicasets", rev3.name), { relationMode: "ancestors" }))).toEqual(["Deployment apiserver", `  ReplicaSet ${rev3.name}`]);
  });

  it("owned objects of a ReplicaSet: its Pods", async () => {
    expect(outline(await build(await id("replicasets", rev1.name), { relationMode: "descendants" }))).toEqual([
      `ReplicaSet ${rev1.name}`,
      `  Pod ${POD.tscjb}`,
      `  Pod ${POD.c6q5q}`,
      `  Pod ${POD.hc72z}`,
    ]);
  });

  it("follows relations only while they held: a Pod released by its ReplicaSet leaves its tree", async () => {
    const deployment = await id("deployments", "apiserver");
    // After 15:05:00.050 the quarantined Pod has no owner: it is in no later tree, though it is deleted at 15:10.
    const later = await build(deployment, { start: at("15:06:00"), end: at("15:30:00") });
    // Children in the order they were first active in the range: the replacement starts at 15:10, the garbage collector comes at 15:20.
    expect(outline(later)).toEqual([
      "Deployment apiserver",
      `  ReplicaSet ${rev3.name}`,
      `    Pod ${POD.k8w2n}`,
      `    Pod ${POD.qnvqh}`,
      `    Pod ${POD.mrn5h}`,
      `  ReplicaSet ${rev1.name}`,
      `  ReplicaSet ${rev2.name}`,
    ]);
    const quarantined = await id("pods", POD.xdwdd);
    expect(outline(await build(quarantined, { relationMode: "ancestors", start: at("15:06:00") }))).toEqual([`Pod ${POD.xdwdd}`]);
    expect(outline(await build(quarantined, { relationMode: "ancestors" }))).toEqual(["Deployment apiserver", `  ReplicaSet ${rev3.name}`, `    Pod ${POD.xdwdd}`]);
  });

  it("an object without entries in the range still frames its active relatives", async () => {
    // 15:10–15:11: the replacement Pod is bound and starts; its ReplicaSet reports it; the Deployment does nothing.
    const trace = await build(await id("deployments", "apiserver"), { start: at("15:10:30"), end: at("15:11:00") });
    expect(outline(trace)).toEqual(["Deployment apiserver", `  ReplicaSet ${rev3.name}`, `    Pod ${POD.k8w2n}`]);
    const [deployment, rs, pod] = trace.spans;
    expect(deployment!.logs).toEqual([]);
    expect(pod!.logs.map((log) => log.attributes[ATTR.event])).toEqual(["system:kube-scheduler create binding", `system:node:${CASCADE.nodes.master2.name} patch status`]);
    // Without entries, the Deployment's span covers everything below it; the ReplicaSet's only its own entries.
    expect(deployment!.start).toBe(pod!.start);
    expect(deployment!.start + deployment!.duration).toBe(Math.max(rs!.start + rs!.duration, pod!.start + pod!.duration));
    expect(rs!.start).toBe(rs!.logs[0]!.time);
  });

  it("a window that cuts the Deployment's history keeps only the entries inside", async () => {
    const trace = await build(await id("deployments", "apiserver"), { relationMode: "self", start: at("14:57:00"), end: at("14:58:00") });
    const logs = trace.spans[0]!.logs;
    expect(logs.map((log) => log.attributes[ATTR.verb])).toEqual(["update", "update", "update", "update"]);
    expect(logs.every((log) => log.time >= at("14:57:00").getTime() * 1000 && log.time < at("14:58:00").getTime() * 1000)).toBe(true);
  });

  it("status updates carry their diff, the deletes their snapshot, and no diff mentions managedFields", async () => {
    const trace = await build(await id("deployments", "apiserver"));
    const deployment = trace.spans[0]!;
    const statusDiffs = deployment.logs.filter((log) => log.attributes[ATTR.subresource] === "status").map((log) => log.attributes[ATTR.diff] as string);
    expect(statusDiffs.some((diff) => diff.split("\n").includes("status.observedGeneration 1 -> 2"))).toBe(true);
    const deleted = deployment.logs.find((log) => log.attributes[ATTR.verb] === "delete")!;
    expect(deleted.attributes[ATTR.user]).toBe("kube:admin");
    expect(JSON.parse(deleted.attributes[ATTR.snapshot] as string)).toMatchObject({ kind: "Deployment", metadata: { name: "apiserver", uid: CASCADE.deployment.uid } });
    const gcDelete = spanOf(trace, POD.qnvqh).logs.find((log) => log.attributes[ATTR.verb] === "delete")!;
    expect(gcDelete.attributes[ATTR.user]).toBe("system:serviceaccount:kube-system:generic-garbage-collector");
    expect(JSON.parse(gcDelete.attributes[ATTR.snapshot] as string)).toMatchObject({ metadata: { name: POD.qnvqh } });
    for (const span of trace.spans) for (const log of span.logs) expect(String(log.attributes[ATTR.diff] ?? "")).not.toMatch(/managedFields/);
  });

  it("Pods created with generateName are traced under the names the apiserver chose", async () => {
    const trace = await build(await id("pods", POD.mrn5h), { relationMode: "self" });
    const create = trace.spans[0]!.logs[0]!;
    expect(create.attributes).toMatchObject({ [ATTR.verb]: "create", [ATTR.statusCode]: 201, [ATTR.requestUri]: "/api/v1/namespaces/openshift-apiserver/pods" });
    expect(JSON.parse(create.attributes[ATTR.snapshot] as string).metadata).toMatchObject({ name: POD.mrn5h, generateName: `${rev3.name}-` });
  });

  it("keeps clusters apart, and gives the same spans on every build", async () => {
    const [openshift, staging] = [await id("deployments", "apiserver"), await id("deployments", "apiserver", "staging")];
    const a = await build(openshift, { displayMode: "tree" });
    const b = await build(staging, { displayMode: "tree" });
    expect(outline(b)).toEqual(outline(a));
    const objectSpans = (trace: Trace) => trace.spans.filter((span) => span.attributes[ATTR.objectId] !== undefined);
    expect(objectSpans(b).map((span) => span.attributes[ATTR.cluster])).toEqual(objectSpans(a).map(() => "staging"));
    const openshiftIds = new Set(objectSpans(a).map((span) => span.attributes[ATTR.objectId]));
    expect(objectSpans(b).some((span) => openshiftIds.has(span.attributes[ATTR.objectId]!))).toBe(false);
    expect(await build(openshift, { displayMode: "tree" })).toEqual(a);
    expect(b.traceId).not.toBe(a.traceId);
  });

  it("finds the rollout's objects by kind, name, user agent and user", async () => {
    const roots = await findTraceRoots(app.context.db, { cluster: "openshift", kind: "Pod", ...WHOLE, limit: 3 });
    // The Pods the garbage collector deleted last, newest first.
    expect(roots.map((root) => root.name)).toEqual([POD.k8w2n, POD.mrn5h, POD.qnvqh]);
    const scheduled = await findTraceRoots(app.context.db, { cluster: "openshift", user: "system:kube-scheduler", ...WHOLE, limit: 100 });
    expect(scheduled).toHaveLength(7);
    expect(scheduled.every((root) => root.entryCount === 1)).toBe(true);
    const byAgent = await findTraceRoots(app.context.db, { userAgent: "kubectl/*", ...WHOLE, limit: 100 });
    expect(byAgent.map((root) => `${root.cluster}/${root.name}`).sort()).toEqual(["openshift/apiserver", `openshift/${POD.xdwdd}`, "staging/apiserver", `staging/${POD.xdwdd}`]);
  });
});
