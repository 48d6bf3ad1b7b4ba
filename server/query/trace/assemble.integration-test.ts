import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STORE_KINDS } from "../../testing/databases";
import { startTestApp, type TestApp } from "../../testing/appHarness";
import { ROLLOUT_DEPLOYMENT_UID } from "../../testing/scenarios/rollout";
import { assembleTrace, CHILDREN_SQL, ENTRIES_SQL, OBJECTS_SQL, PARENTS_SQL, RELATED_LIMIT, RELATED_SQL, ROOT_SQL } from "./assemble";
import { ATTR } from "./attributes";
import { buildTrace, buildTraceById } from "./buildTrace";
import { encodeTraceId, traceQueryOf, type TraceQueryInput } from "./traceId";
import type { Trace, TraceSpan } from "./types";
import { ephemeralClaimOf, loadRolloutTree, NEW_PODS, objectIdOf, OLD_POD, rolloutTreeEvents, RS_MIDDLE, RS_NEW, RS_OLD, SLICE, withEphemeralVolume, withParentLinkToDeployment } from "./rolloutTree.fixture";
import type { JaegerTrace } from "../../jaeger/v1/jaegerJson";

const FROM = new Date("2021-09-13T14:00:00Z");
const TO = new Date("2021-09-13T16:00:00Z");

/** `<Kind> <name>` of each span, for readable expectations. */
const names = (trace: Trace) => trace.spans.map((span) => `${span.serviceName} ${span.attributes[ATTR.name]}`);
const spanOf = (trace: Trace, name: string): TraceSpan => {
  const span = trace.spans.find((s) => s.attributes[ATTR.name] === name);
  if (!span) throw new Error(`no span for ${name} in ${names(trace).join(", ")}`);
  return span;
};
const parentOf = (trace: Trace, span: TraceSpan) => trace.spans.find((s) => s.spanId === span.parentSpanId);

describe.each(STORE_KINDS)("trace assembly on %s", (kind) => {
  let app: TestApp;
  let deploymentId: number;
  let id: (resource: string, name: string) => Promise<number>;
  const build = async (rootObjectId: number, options: Omit<TraceQueryInput, "rootObjectId" | "start" | "end"> & { start?: Date; end?: Date } = {}) => {
    const { start = FROM, end = TO, ...modes } = options;
    const trace = await buildTrace(app.context.db, traceQueryOf({ rootObjectId, start, end, ...modes }));
    if (!trace) throw new Error("no trace");
    return trace;
  };

  beforeAll(async () => {
    app = await startTestApp(kind);
    await loadRolloutTree(app, "openshift");
    await loadRolloutTree(app, "staging");
    // The same rollout, its first new Pod annotated with a parent-link to the Deployment.
    await loadRolloutTree(app, "linked", withParentLinkToDeployment(rolloutTreeEvents(), NEW_PODS[0]!));
    // Again, and that Pod's generic ephemeral volume: a claim the Pod owns, two hops from the Deployment by the link.
    const claimed = withEphemeralVolume(withParentLinkToDeployment(rolloutTreeEvents(), NEW_PODS[0]!), NEW_PODS[0]!);
    await loadRolloutTree(app, "claimed", claimed);
    // Again, the claim linked to the Deployment too.
    await loadRolloutTree(app, "claim-linked", withParentLinkToDeployment(claimed, ephemeralClaimOf(NEW_PODS[0]!), "persistentvolumeclaims"));
    id = (resource, name) => objectIdOf(app.context.db, "openshift", resource, name);
    deploymentId = await id("deployments", "apiserver");
  });
  afterAll(() => app.close());

  it("full tree from the Deployment: the Deployment is the single root, its ReplicaSets below it, their Pods below them", async () => {
    const trace = await build(deploymentId);
    const roots = trace.spans.filter((s) => s.parentSpanId === null);
    expect(roots.map((s) => s.name)).toEqual(["openshift-apiserver/apiserver (cluster openshift)"]);
    expect(roots[0]!.serviceName).toBe("Deployment");
    expect(roots[0]!.attributes).toMatchObject({ [ATTR.uid]: ROLLOUT_DEPLOYMENT_UID, [ATTR.cluster]: "openshift", [ATTR.queried]: true });
    // ReplicaSets in the order they became active; each Pod under its own ReplicaSet.
    expect(names(trace)).toEqual([
      "Deployment apiserver",
      `ReplicaSet ${RS_OLD}`,
      `Pod ${OLD_POD}`,
      `ReplicaSet ${RS_MIDDLE}`,
      `ReplicaSet ${RS_NEW}`,
      ...NEW_PODS.map((pod) => `Pod ${pod}`),
    ]);
    for (const rs of [RS_OLD, RS_MIDDLE, RS_NEW]) {
      expect(parentOf(trace, spanOf(trace, rs))?.name).toBe("openshift-apiserver/apiserver (cluster openshift)");
      expect(spanOf(trace, rs).attributes[ATTR.relation]).toBe("controller-owner");
    }
    for (const pod of NEW_PODS) expect(parentOf(trace, spanOf(trace, pod))?.attributes[ATTR.name]).toBe(RS_NEW);
    expect(parentOf(trace, spanOf(trace, OLD_POD))?.attributes[ATTR.name]).toBe(RS_OLD);
    // Every span of the trace belongs to its cluster.
    expect(trace.spans.every((s) => s.attributes[ATTR.cluster] === "openshift")).toBe(true);
  });

  it("places a Pod with two parents under its controller and shows the other, and its Node, as related objects", async () => {
    const trace = await build(deploymentId);
    const pod = spanOf(trace, NEW_PODS[0]!);
    expect(pod.attributes).toMatchObject({
      "related.endpoint-target": `EndpointSlice openshift-apiserver/${SLICE}`,
      "related.node": "Node ci-ln-k7vx6h2-002ac-w7gjh-master-0",
    });
    expect(spanOf(trace, NEW_PODS[1]!).attributes["related.node"]).toBe("Node ci-ln-k7vx6h2-002ac-w7gjh-master-1");
    // Nodes and EndpointSlices are not part of the Deployment's tree.
    expect(trace.spans.some((s) => s.serviceName === "Node" || s.serviceName === "EndpointSlice")).toBe(false);
  });

  it("places a Pod reachable at two depths under its best-ranked parent, not under the one that reached it first", async () => {
    // Deployment → Pod directly (parent-link, level 1) and Deployment → ReplicaSet → Pod (controller-owner, level 2).
    const linked = (resource: string, name: string) => objectIdOf(app.context.db, "linked", resource, name);
    const [deployment, pod] = [await linked("deployments", "apiserver"), await linked("pods", NEW_PODS[0]!)];
    const link = await app.context.db.query(`SELECT 1 FROM relations WHERE from_object_id = $1 AND to_object_id = $2 AND kind = 'parent-link'`, [deployment, pod]);
    expect(link.rows).toHaveLength(1);

    for (const relationMode of ["full", "descendants"] as const) {
      const trace = await build(deployment, { relationMode });
      expect(names(trace)).toEqual(names(await build(deploymentId, { relationMode })));
      const span = spanOf(trace, NEW_PODS[0]!);
      expect(parentOf(trace, span)?.attributes[ATTR.name]).toBe(RS_NEW);
      expect(span.attributes[ATTR.relation]).toBe("controller-owner");
      // The parent not chosen is still shown.
      expect(span.attributes["related.parent-link"]).toBe("Deployment openshift-apiserver/apiserver");
    }
    // From the Pod up, the same line.
    expect(names(await build(pod, { relationMode: "ancestors" }))).toEqual(["Deployment apiserver", `ReplicaSet ${RS_NEW}`, `Pod ${NEW_PODS[0]}`]);
    // One level deep, the ReplicaSet's children are not loaded: the Pod hangs where its link puts it.
    const shallow = await build(deployment, { relationMode: "descendants", depth: 1 });
    expect(parentOf(shallow, spanOf(shallow, NEW_PODS[0]!))?.attributes[ATTR.name]).toBe("apiserver");
    expect(spanOf(shallow, NEW_PODS[0]!).attributes[ATTR.relation]).toBe("parent-link");
  });

  it("places no object deeper than the depth asked for: what its best parents put deeper, under its best parent within it, or not at all", async () => {
    const claim = ephemeralClaimOf(NEW_PODS[0]!);
    /** The Deployment's trace through the Jaeger API: each object's level below the root (by CHILD_OF references) and parent. */
    const treeOf = async (cluster: string, relationMode: "full" | "descendants", depth: number) => {
      const deployment = await objectIdOf(app.context.db, cluster, "deployments", "apiserver");
      const traceId = encodeTraceId(traceQueryOf({ rootObjectId: deployment, relationMode, depth, start: FROM, end: TO }));
      const response = await fetch(`${app.url}/jaeger/api/traces/${traceId}`);
      expect(response.status).toBe(200);
      const trace = ((await response.json()) as { data: JaegerTrace[] }).data[0]!;
      const byId = new Map(trace.spans.map((span) => [span.spanID, span]));
      const parentOf = (span: JaegerTrace["spans"][number]) => byId.get(span.references.find((ref) => ref.refType === "CHILD_OF")?.spanID ?? "");
      const levelOf = (span: JaegerTrace["spans"][number]): number => {
        const parent = parentOf(span);
        return parent ? levelOf(parent) + 1 : 0;
      };
      const nameOf = (span: JaegerTrace["spans"][number]) => String(span.tags.find((tag) => tag.key === ATTR.name)!.value);
      return new Map(trace.spans.map((span) => [nameOf(span), { level: levelOf(span), parent: parentOf(span) ? nameOf(parentOf(span)!) : null }]));
    };
    const owner = await app.context.db.query(`SELECT 1 FROM relations WHERE from_object_id = $1 AND to_object_id = $2 AND kind = 'controller-owner'`, [
      await objectIdOf(app.context.db, "claimed", "pods", NEW_PODS[0]!),
      await objectIdOf(app.context.db, "claimed", "persistentvolumeclaims", claim),
    ]);
    expect(owner.rows).toHaveLength(1);
    for (const relationMode of ["full", "descendants"] as const) {
      // Two levels: the Deployment reaches the claim through the Pod's link, but the Pod sits two down, under its ReplicaSet.
      const two = await treeOf("claimed", relationMode, 2);
      expect(Math.max(...[...two.values()].map((object) => object.level)), relationMode).toBe(2);
      expect(two.get(NEW_PODS[0]!)).toEqual({ level: 2, parent: RS_NEW });
      expect(two.has(claim)).toBe(false);
      // Three: the claim below its Pod.
      const three = await treeOf("claimed", relationMode, 3);
      expect(three.get(claim)).toEqual({ level: 3, parent: NEW_PODS[0] });
      expect([...three.keys()].sort()).toEqual([...two.keys(), claim].sort());
      // Linked to the Deployment too, the claim has a parent within two levels: there it hangs, the Pod where it was.
      const linked = await treeOf("claim-linked", relationMode, 2);
      expect(linked.get(claim)).toEqual({ level: 1, parent: "apiserver" });
      expect(linked.get(NEW_PODS[0]!)).toEqual({ level: 2, parent: RS_NEW });
      expect((await treeOf("claim-linked", relationMode, 3)).get(claim)).toEqual({ level: 3, parent: NEW_PODS[0] });
    }
  });

  it("ancestors from one ReplicaSet: the Deployment with exactly that ReplicaSet, no sibling", async () => {
    const rs = await id("replicasets", RS_NEW);
    const trace = await build(rs, { relationMode: "ancestors" });
    expect(names(trace)).toEqual(["Deployment apiserver", `ReplicaSet ${RS_NEW}`]);
    expect(trace.spans[0]!.parentSpanId).toBeNull();
    expect(trace.spans[1]!.parentSpanId).toBe(trace.spans[0]!.spanId);
    expect(trace.spans[1]!.attributes[ATTR.queried]).toBe(true);
    expect(trace.spans[0]!.attributes).not.toHaveProperty(ATTR.queried);
  });

  it("ancestors from a Pod follow its controller, not its EndpointSlice, up to the depth", async () => {
    const pod = await id("pods", NEW_PODS[0]!);
    expect(names(await build(pod, { relationMode: "ancestors" }))).toEqual(["Deployment apiserver", `ReplicaSet ${RS_NEW}`, `Pod ${NEW_PODS[0]}`]);
    expect(names(await build(pod, { relationMode: "ancestors", depth: 1 }))).toEqual([`ReplicaSet ${RS_NEW}`, `Pod ${NEW_PODS[0]}`]);
  });

  it("full tree from a ReplicaSet: its line up and its Pods down, no sibling ReplicaSet", async () => {
    const rs = await id("replicasets", RS_NEW);
    expect(names(await build(rs, { relationMode: "full" }))).toEqual(["Deployment apiserver", `ReplicaSet ${RS_NEW}`, ...NEW_PODS.map((p) => `Pod ${p}`)]);
  });

  it("descendants: the owned objects, to the depth; self: the object alone", async () => {
    const rs = await id("replicasets", RS_NEW);
    expect(names(await build(rs, { relationMode: "descendants" }))).toEqual([`ReplicaSet ${RS_NEW}`, ...NEW_PODS.map((p) => `Pod ${p}`)]);
    expect(names(await build(deploymentId, { relationMode: "descendants", depth: 1 }))).toEqual([
      "Deployment apiserver",
      `ReplicaSet ${RS_OLD}`,
      `ReplicaSet ${RS_MIDDLE}`,
      `ReplicaSet ${RS_NEW}`,
    ]);
    expect(names(await build(deploymentId, { relationMode: "self" }))).toEqual(["Deployment apiserver"]);
  });

  it("a window that cuts a history in half keeps only the entries inside, and the objects active in it", async () => {
    // The Deployment's steps are a minute apart from 14:54:16: [14:56, 14:59) holds scale up, status, image change.
    const trace = await build(deploymentId, { start: new Date("2021-09-13T14:56:00Z"), end: new Date("2021-09-13T14:59:00Z") });
    expect(trace.spans[0]!.logs.map((log) => log.attributes[ATTR.event])).toEqual([
      "kube:admin patch",
      "system:serviceaccount:kube-system:deployment-controller update status",
      "system:serviceaccount:openshift-apiserver-operator:openshift-apiserver-operator patch",
    ]);
    // The old ReplicaSet and its Pod did nothing in the window: left out. The new Pods created after 14:58:30 are in.
    expect(names(trace)).toEqual(["Deployment apiserver", `ReplicaSet ${RS_MIDDLE}`, `ReplicaSet ${RS_NEW}`, `Pod ${NEW_PODS[0]}`, `Pod ${NEW_PODS[1]}`, `Pod ${NEW_PODS[2]}`]);
    for (const span of trace.spans) {
      for (const log of span.logs) {
        expect(log.time).toBeGreaterThanOrEqual(Date.parse("2021-09-13T14:56:00Z") * 1000);
        expect(log.time).toBeLessThan(Date.parse("2021-09-13T14:59:00Z") * 1000);
      }
    }
  });

  it("an object with no entries in the range but active relatives still appears, as their parent", async () => {
    // [14:58:30, 14:59:10): only the Pods' creates happen — the ReplicaSet and the Deployment frame them.
    const trace = await build(deploymentId, { start: new Date("2021-09-13T14:58:30Z"), end: new Date("2021-09-13T14:58:55Z") });
    expect(names(trace)).toEqual(["Deployment apiserver", `ReplicaSet ${RS_NEW}`, ...NEW_PODS.map((p) => `Pod ${p}`)]);
    const [deployment, rs] = trace.spans;
    expect(deployment!.logs).toEqual([]);
    expect(rs!.logs).toEqual([]);
    // Their spans cover their children's.
    expect(rs!.start).toBe(spanOf(trace, NEW_PODS[0]!).start);
    expect(deployment!.start).toBe(rs!.start);
  });

  it("the delete carries a snapshot; a status update carries status.observedGeneration 1 -> 2; no diff mentions managedFields", async () => {
    const trace = await build(deploymentId);
    const logs = trace.spans[0]!.logs;
    const del = logs.find((log) => log.attributes[ATTR.verb] === "delete")!;
    expect(JSON.parse(del.attributes[ATTR.snapshot] as string)).toMatchObject({ kind: "Deployment", metadata: { name: "apiserver" }, spec: { replicas: 3 } });
    const statusUpdates = logs.filter((log) => log.attributes[ATTR.subresource] === "status");
    expect(statusUpdates.map((log) => log.attributes[ATTR.diff])).toContainEqual(expect.stringMatching(/^status\.observedGeneration 1 -> 2$/m));
    const diffs = trace.spans.flatMap((span) => span.logs).map((log) => log.attributes[ATTR.diff]).filter((d) => d !== undefined);
    expect(diffs.length).toBeGreaterThan(5);
    for (const diff of diffs) expect(diff).not.toMatch(/managedFields/);
  });

  it("a failed request is an error; a no-op update is marked", async () => {
    const trace = await build(deploymentId);
    const deployment = trace.spans[0]!;
    const conflict = deployment.logs.find((log) => log.attributes[ATTR.statusCode] === 409)!;
    expect(conflict.attributes).toMatchObject({ [ATTR.error]: true, [ATTR.reason]: "Conflict", [ATTR.event]: "kube:admin update (Conflict)" });
    expect(conflict.attributes[ATTR.message]).toMatch(/the object has been modified/);
    expect(deployment.error).toBe(true);
    expect(deployment.logs.filter((log) => log.attributes[ATTR.error] === true)).toHaveLength(1);
    expect(deployment.logs.filter((log) => log.attributes[ATTR.noop] === true).map((log) => log.attributes[ATTR.verb])).toEqual(["update"]);
    expect(spanOf(trace, RS_NEW).error).toBe(false);

    const tree = await build(deploymentId, { displayMode: "tree" });
    const failed = tree.spans.filter((s) => s.error);
    expect(failed.map((s) => s.name)).toEqual(["kube:admin update (Conflict)"]);
  });

  it("a generateName create is on the Pod the apiserver named", async () => {
    const trace = await build(deploymentId);
    const pod = spanOf(trace, NEW_PODS[1]!);
    expect(pod.attributes[ATTR.uid]).toBe("59f78c54-17f0-4910-9c80-ec2484886076");
    expect(pod.logs.map((log) => [log.attributes[ATTR.verb], log.attributes[ATTR.subresource]])).toEqual([["create", undefined], ["patch", "status"]]);
    const create = pod.logs[0]!;
    expect(create.attributes).toMatchObject({ [ATTR.statusCode]: 201, [ATTR.user]: "system:serviceaccount:kube-system:replicaset-controller", [ATTR.requestUri]: "/api/v1/namespaces/openshift-apiserver/pods" });
    expect(JSON.parse(create.attributes[ATTR.snapshot] as string)).toMatchObject({ metadata: { name: NEW_PODS[1], generateName: `${RS_NEW}-` } });
  });

  it("two clusters with the same objects are kept apart", async () => {
    const staging = await objectIdOf(app.context.db, "staging", "deployments", "apiserver");
    expect(staging).not.toBe(deploymentId);
    const [a, b] = [await build(deploymentId), await build(staging)];
    expect(names(a)).toEqual(names(b));
    expect(b.spans.every((s) => s.attributes[ATTR.cluster] === "staging")).toBe(true);
    const idsA = new Set(a.spans.map((s) => s.attributes[ATTR.objectId]));
    expect(b.spans.some((s) => idsA.has(s.attributes[ATTR.objectId]!))).toBe(false);
  });

  it("builds the same trace, span IDs included, every time; rebuilds it from its ID alone", async () => {
    for (const displayMode of ["tracing", "grouped", "tree", "timeline"] as const) {
      const first = await build(deploymentId, { displayMode });
      const second = await build(deploymentId, { displayMode });
      expect(second).toEqual(first);
      expect(new Set(first.spans.map((s) => s.spanId)).size).toBe(first.spans.length);
      const parents = new Set(first.spans.map((s) => s.spanId));
      expect(first.spans.every((s) => s.parentSpanId === null || parents.has(s.parentSpanId))).toBe(true);
      expect(await buildTraceById(app.context.db, first.traceId.toUpperCase())).toEqual(first);
    }
  });

  it("lays out every display mode", async () => {
    const grouped = await build(deploymentId, { displayMode: "grouped" });
    expect(grouped.spans.filter((s) => s.name === "audit")).toHaveLength(1 + 3 + 4);
    const timeline = await build(deploymentId, { displayMode: "timeline" });
    const root = timeline.spans[0]!;
    expect(timeline.spans.slice(1).every((s) => s.parentSpanId === root.spanId)).toBe(true);
    expect(timeline.spans).toHaveLength(1 + 9 + 4 + 8);
  });

  it("is null for an object that doesn't exist, and caps the depth", async () => {
    const query = traceQueryOf({ rootObjectId: 999_999, start: FROM, end: TO });
    expect(await buildTrace(app.context.db, query)).toBeNull();
    const pod = await id("pods", NEW_PODS[0]!);
    const deep = traceQueryOf({ rootObjectId: pod, relationMode: "ancestors", depth: 15, start: FROM, end: TO });
    const capped = await buildTrace(app.context.db, deep, { maxDepth: 1 });
    expect(names(capped!)).toEqual([`ReplicaSet ${RS_NEW}`, `Pod ${NEW_PODS[0]}`]);
    // The trace keeps the ID it was asked by.
    expect(capped!.traceId).toBe(encodeTraceId(deep));
    expect((await assembleTrace(app.context.db, deep, { maxDepth: 1 }))!.query.depth).toBe(1);
  });

  it("lists a Node's Pods on its span, at most RELATED_LIMIT of them", async () => {
    const node = await id("nodes", "ci-ln-k7vx6h2-002ac-w7gjh-master-1");
    const alone = await build(node, { relationMode: "self" });
    expect(alone.spans.map((s) => s.name)).toEqual(["ci-ln-k7vx6h2-002ac-w7gjh-master-1 (cluster openshift)"]);
    expect(alone.spans[0]!.attributes).toMatchObject({ "related.node": `Pod openshift-apiserver/${NEW_PODS[1]}` });
    expect(alone.spans[0]!.attributes).not.toHaveProperty(ATTR.relatedTruncated);
    // A busy Node: 60 more Pods (without history) on it.
    await app.context.db.query(
      `WITH pods AS (
         INSERT INTO objects (cluster_id, api_group, api_version, resource, kind, namespace, name, first_seen, last_seen)
         SELECT cluster_id, '', 'v1', 'pods', 'Pod', 'busy', 'pod-' || g, first_seen, last_seen FROM objects, generate_series(1, 60) g WHERE id = $1
         RETURNING id, cluster_id)
       INSERT INTO relations (cluster_id, from_object_id, to_object_id, kind, claimed_by_id, valid_from)
       SELECT cluster_id, $1, id, 'node', id, '2021-09-13T14:00:00Z' FROM pods`,
      [node],
    );
    const busy = (await build(node, { relationMode: "self" })).spans[0]!;
    expect(String(busy.attributes["related.node"]).split(", ")).toHaveLength(RELATED_LIMIT);
    expect(busy.attributes[ATTR.relatedTruncated]).toBe(true);
  });

  it("answers every statement from an index", async () => {
    const ids = [deploymentId, await id("replicasets", RS_NEW), await id("pods", NEW_PODS[0]!)];
    await app.context.db.query("ANALYZE history_entries");
    await app.context.db.transaction(async (tx) => {
      await tx.query("SET LOCAL enable_seqscan = off");
      const plan = async (sql: string, params: unknown[]) => (await tx.query<{ "QUERY PLAN": string }>(`EXPLAIN ${sql}`, params)).rows.map((r) => r["QUERY PLAN"]).join("\n");
      const range = [FROM, TO];
      const plans = {
        parents: await plan(PARENTS_SQL, [ids, ...range, ["node"]]),
        children: await plan(CHILDREN_SQL, [ids, ...range, ["node"]]),
        // Over a range that holds every entry, only the object's index narrows the search.
        entries: await plan(ENTRIES_SQL, [ids, new Date("1970-01-01"), new Date("2100-01-01")]),
        objects: await plan(OBJECTS_SQL, [ids]),
        related: await plan(RELATED_SQL, [ids, ...range, 51, ["controller-owner"]]),
        root: await plan(ROOT_SQL, [deploymentId]),
      };
      expect(plans.parents).toMatch(/relations_to_idx/);
      expect(plans.children).toMatch(/relations_from_idx/);
      expect(plans.entries).toMatch(/history_object_time_idx/);
      expect(plans.objects).toMatch(/objects_pkey/);
      expect(plans.related).toMatch(/relations_to_idx/);
      expect(plans.related).toMatch(/relations_from_idx/);
      // The root by id, else the row a merged id went to (object_aliases), both by primary key.
      expect(plans.root).toMatch(/objects_pkey[\s\S]*object_aliases_pkey/);
      for (const text of Object.values(plans)) expect(text).not.toMatch(/Seq Scan on (relations|history_entries|objects)/);
    });
  });

  it("walks down to a ReplicaSet's 200,000 Pods at one level", async () => {
    // Last, so that its 200,000 rows change no other test's plans.
    // A ReplicaSet of the "linked" rollout and copies of its real Pod's object row (without history) under it.
    const rs = await objectIdOf(app.context.db, "linked", "replicasets", RS_OLD);
    const pod = await objectIdOf(app.context.db, "linked", "pods", OLD_POD);
    await app.context.db.query(
      `WITH pods AS (
         INSERT INTO objects (cluster_id, api_group, api_version, resource, kind, namespace, name, first_seen, last_seen)
         SELECT cluster_id, api_group, api_version, resource, kind, namespace, name || '-' || g, first_seen, last_seen FROM objects, generate_series(1, 200000) g WHERE id = $2
         RETURNING id, cluster_id)
       INSERT INTO relations (cluster_id, from_object_id, to_object_id, kind, claimed_by_id, valid_from)
       SELECT cluster_id, $1, id, 'controller-owner', id, '2021-09-13T14:00:00Z' FROM pods`,
      [rs, pod],
    );
    const trace = await build(rs, { relationMode: "descendants", depth: 1 });
    // The copies have no history in the range: only the real Pod stays.
    expect(names(trace)).toEqual([`ReplicaSet ${RS_OLD}`, `Pod ${OLD_POD}`]);
  }, 120_000);
});
