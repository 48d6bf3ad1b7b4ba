import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { convertAuditEvent } from "../ingest/audit/convert";
import { parseAuditEvent } from "../ingest/audit/eventSchema";
import { createAuditIngestor } from "../ingest/audit/ingest";
import type { AuditWrite, ObjectIdentity } from "../ingest/audit/types";
import { BUILTIN_LINKERS } from "../model/links/builtin";
import { objectAt, stringAt } from "../model/links/fields";
import { coreReference } from "../model/links/references";
import type { Linker } from "../model/links/types";
import { historyOfObject, objectsInNamespace } from "../query/history";
import { APP_SETUPS, startTestApp, type TestApp } from "../testing/appHarness";
import { TEST_CONVERT_OPTIONS } from "../testing/convertOptions";
import { STORE_KINDS, openTestDatabase, type TestDatabase } from "../testing/databases";
import { openshiftObject, sonobuoyItems, type EditableObject } from "../testing/fixtures";
import { eventList } from "../testing/scenarios/rollout";
import { writeEvent } from "../testing/writeEvent";
import { lockAndLoadObjects, planWrites, storeWrites } from "./auditWriter";
import { ClusterRegistry } from "./clusters";
import type { Database, Sql, Statement, Transaction } from "./database";
import { advisoryLockIdOf, objectKeyOf } from "./objectKey";
import { ObjectIdPool } from "./objectIdPool";
import { applyRelationClaims, observeRelations } from "./relationWriter";
import { storeObservedHistory } from "./observedHistoryWriter";
import type { ObservedHistoryEntry } from "../plugins/types";

/*
 * A namespaced object owned by a cluster-scoped custom resource. An ownerReference does not say
 * its owner's scope, and Kubernetes lets a namespaced object name a cluster-scoped owner or one in
 * its own namespace; the linker takes a kind it does not know to be namespaced (references.ts).
 *
 * The Pod is the real openshift-console/console-6f454f786d-mxr8m (OpenShift 4.8 must-gather) with
 * an owner added as the console operator would: its Console, `operator.openshift.io/v1` kind
 * Console named `cluster`, which is cluster-scoped. The capture holds no Console, so its body is
 * written here as the API serves one, with a uid of our own.
 */

const NAMESPACE = "openshift-console";
const POD = "console-6f454f786d-mxr8m";
const CONSOLE_UID = "6c0e3a52-8b1f-4d7e-9a41-2f5c7d9e0b13";
const at = (clock: string) => `2021-09-13T${clock}Z`;
const DAY = { from: new Date(at("00:00:00.000")), to: new Date("2021-09-14T00:00:00Z") };

function pod(resourceVersion: string): EditableObject {
  const body = openshiftObject(NAMESPACE, "core/pods.yaml", POD);
  body.metadata.resourceVersion = resourceVersion;
  body.metadata.ownerReferences.push({ apiVersion: "operator.openshift.io/v1", kind: "Console", name: "cluster", uid: CONSOLE_UID });
  return body;
}

/** The Console as `GET /apis/operator.openshift.io/v1/consoles/cluster` returns it; `namespace` only to make the impossible namespaced twin. */
function consoleBody(resourceVersion: string, namespace?: string, uid = CONSOLE_UID): EditableObject {
  return {
    apiVersion: "operator.openshift.io/v1",
    kind: "Console",
    metadata: {
      name: "cluster",
      ...(namespace ? { namespace } : {}),
      uid,
      resourceVersion,
      generation: 1,
      creationTimestamp: "2021-09-13T14:16:02Z",
      annotations: { "include.release.openshift.io/self-managed-high-availability": "true", "release.openshift.io/create-only": "true" },
    },
    spec: { logLevel: "Normal", managementState: "Managed", operatorLogLevel: "Normal" },
    status: { observedGeneration: 1, readyReplicas: 2, conditions: [{ type: "DeploymentAvailable", status: "True", lastTransitionTime: "2021-09-13T14:40:11Z" }] },
  };
}

/**
 * A real Pod of another namespace, openshift-authentication/oauth-openshift-5d8c6749f5-7xkp6,
 * owned by the Console too: a cluster-scoped owner may own objects in any namespace (the console
 * operator's own objects are in several).
 */
const OTHER_NAMESPACE = "openshift-authentication";
const OTHER_POD = "oauth-openshift-5d8c6749f5-7xkp6";
function otherPod(resourceVersion: string): EditableObject {
  const body = openshiftObject(OTHER_NAMESPACE, "core/pods.yaml", OTHER_POD);
  body.metadata.resourceVersion = resourceVersion;
  body.metadata.ownerReferences.push({ apiVersion: "operator.openshift.io/v1", kind: "Console", name: "cluster", uid: CONSOLE_UID });
  return body;
}
const otherPodUpdate = (id: string, clock: string, resourceVersion: string) =>
  writeEvent({ id, at: at(clock), verb: "update", apiGroup: "", resource: "pods", body: otherPod(resourceVersion) });

/**
 * The Pod of openshift-authentication naming the Console as its parent by name alone, cluster-scoped
 * (`kubetrail.io/parent-link`, added here): a claim that makes a placeholder holding no uid.
 */
function otherPodLinkedToConsole(resourceVersion: string): EditableObject {
  const body = otherPod(resourceVersion);
  body.metadata.ownerReferences = body.metadata.ownerReferences.filter((ref: EditableObject) => ref.kind !== "Console");
  body.metadata.annotations = { ...body.metadata.annotations, "kubetrail.io/parent-link": JSON.stringify({ group: "operator.openshift.io", version: "v1", resource: "consoles", namespace: "", name: "cluster" }) };
  return body;
}

const podUpdate = (id: string, clock: string, resourceVersion: string) =>
  writeEvent({ id, at: at(clock), verb: "update", apiGroup: "", resource: "pods", body: pod(resourceVersion) });
const consoleUpdate = (id: string, clock: string, resourceVersion: string, namespace?: string) =>
  writeEvent({ id, at: at(clock), verb: "update", apiGroup: "operator.openshift.io", resource: "consoles", body: consoleBody(resourceVersion, namespace) });

/**
 * A uid of a third namespace: the real ReplicaSet apiserver-5d887d5fcd of openshift-apiserver, one
 * of its real Pods, and the Pod of openshift-console as an edited log (or two clusters' logs sent
 * under one name) may give it, its ownerReference naming its ReplicaSet console-6f454f786d with the
 * uid of apiserver-5d887d5fcd.
 */
function ownerUidOfAnotherNamespace(): { replicaSet: EditableObject; apiserverPod: EditableObject; edited: EditableObject } {
  const replicaSet = openshiftObject("openshift-apiserver", "apps/replicasets.yaml", "apiserver-5d887d5fcd");
  const edited = pod("25400");
  edited.metadata.ownerReferences[0].uid = replicaSet.metadata.uid;
  return { replicaSet, apiserverPod: openshiftObject("openshift-apiserver", "core/pods.yaml", "apiserver-5d887d5fcd-mrn5h"), edited };
}

/** An object row as the tests compare it: its identity, and how many history entries it holds. */
type StoredObject = Omit<ObjectIdentity, "uid"> & { id: number; entries: number };

/** Every object of the cluster holding `uid`, oldest row first. */
async function objectsWithUid(sql: Sql, cluster: string, uid: string): Promise<StoredObject[]> {
  const result = await sql.query<StoredObject>(
    `SELECT o.id, o.api_group AS "apiGroup", o.api_version AS "apiVersion", o.resource, o.kind, o.namespace, o.name,
            (SELECT count(*)::int FROM history_entries h WHERE h.object_id = o.id) AS entries
       FROM objects o JOIN clusters c ON c.id = o.cluster_id WHERE c.name = $1 AND o.uid = $2 ORDER BY o.id`,
    [cluster, uid],
  );
  return result.rows.map((row) => ({ ...row, id: Number(row.id) }));
}

/** objectsWithUid, by namespace: rows made by two ingest workers take ids from two pools, not in the order they were made. */
async function objectsWithUidByNamespace(sql: Sql, cluster: string, uid: string): Promise<StoredObject[]> {
  return (await objectsWithUid(sql, cluster, uid)).sort((a, b) => (a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : 0));
}

/** The relations of `kind` that name the object `name` as their child: its parent's id and when each held. */
async function parentsOf(sql: Sql, cluster: string, name: string, kind: string): Promise<Array<{ parent: number; validFrom: string; validTo: string | null }>> {
  const result = await sql.query<{ parent: number; valid_from: Date; valid_to: Date | null }>(
    `SELECT r.from_object_id AS parent, r.valid_from, r.valid_to
       FROM relations r JOIN objects t ON t.id = r.to_object_id JOIN clusters c ON c.id = r.cluster_id
      WHERE c.name = $1 AND t.name = $2 AND r.kind = $3 ORDER BY r.valid_from, r.id`,
    [cluster, name, kind],
  );
  return result.rows.map((row) => ({ parent: Number(row.parent), validFrom: new Date(row.valid_from).toISOString(), validTo: row.valid_to && new Date(row.valid_to).toISOString() }));
}

/** The objects a search by namespace finds in `cluster`, as resource/name. */
async function inNamespace(sql: Sql, cluster: string, namespace: string): Promise<string[]> {
  return (await objectsInNamespace(sql, namespace, DAY)).filter((o) => o.cluster === cluster).map((o) => `${o.resource}/${o.name}`).sort();
}

/**
 * Kubernetes 1.8 (Sonobuoy): the real ReplicaSet kube-dns-545bc4bfd4, which names its Deployment
 * kube-dns through extensions/v1beta1 (or, as a later controller writes it, through apps/v1beta2),
 * and writes of the real Deployment through either group.
 */
function kubeDnsReplicaSetUpdate(id: string, ownerGroup: "extensions" | "apps" = "extensions"): EditableObject {
  const replicaSet = sonobuoyItems("kube-system", "ReplicaSets").find((rs) => rs.metadata.name === "kube-dns-545bc4bfd4")!;
  Object.assign(replicaSet, { apiVersion: "extensions/v1beta1", kind: "ReplicaSet" });
  if (ownerGroup === "apps") replicaSet.metadata.ownerReferences[0].apiVersion = "apps/v1beta2";
  return writeEvent({ id, at: "2017-12-14T10:00:00Z", verb: "update", apiGroup: "extensions", resource: "replicasets", body: replicaSet });
}
const KUBE_DNS_UID = sonobuoyItems("kube-system", "Deployments").find((d) => d.metadata.name === "kube-dns")!.metadata.uid as string;
const KUBE_DNS = { resource: "deployments", kind: "Deployment", namespace: "kube-system", name: "kube-dns" };
function kubeDnsWrite(id: string, at: string, group: "apps" | "extensions", resourceVersion: string, verb: "create" | "update" = "update"): EditableObject {
  const deployment = sonobuoyItems("kube-system", "Deployments").find((d) => d.metadata.name === "kube-dns")!;
  deployment.metadata.resourceVersion = resourceVersion;
  const apiVersion = group === "apps" ? "apps/v1beta2" : "extensions/v1beta1";
  return writeEvent({ id, at, verb, apiGroup: group, resource: "deployments", body: { ...deployment, apiVersion, kind: "Deployment" } });
}

/**
 * A HorizontalPodAutoscaler of kube-system scaling kube-dns through apps/v1beta2, as the API
 * (autoscaling/v1) serves one: the Sonobuoy capture holds none, so it is written here. Its
 * scaleTargetRef names the Deployment by name alone.
 */
function kubeDnsAutoscalerUpdate(id: string): EditableObject {
  const autoscaler = {
    apiVersion: "autoscaling/v1",
    kind: "HorizontalPodAutoscaler",
    metadata: { name: "kube-dns", namespace: "kube-system", uid: "5a0f3c2e-e0c1-11e7-8c3a-0a58ac1f0a12", resourceVersion: "900", creationTimestamp: "2017-12-14T09:00:00Z" },
    spec: { scaleTargetRef: { apiVersion: "apps/v1beta2", kind: "Deployment", name: "kube-dns" }, minReplicas: 1, maxReplicas: 3, targetCPUUtilizationPercentage: 80 },
    status: { currentReplicas: 1, desiredReplicas: 1 },
  };
  return writeEvent({ id, at: "2017-12-14T09:59:00Z", verb: "update", apiGroup: "autoscaling", resource: "horizontalpodautoscalers", body: autoscaler });
}

/** `event` as the apiserver records it at Metadata level: no bodies, and (for a patch) no uid in objectRef. */
function metadataLevel(event: EditableObject, verb: "create" | "update" | "patch"): EditableObject {
  const { requestObject: _request, responseObject: _response, ...rest } = event;
  return { ...rest, level: "Metadata", verb, objectRef: { ...event.objectRef } };
}

/** The Deployments named kube-dns (the one holding a uid first), with their history, and which of them the ReplicaSet's controller-owner relations name. */
async function kubeDnsStored(sql: Sql, cluster: string) {
  const rows = await sql.query<{ id: number; apiGroup: string; apiVersion: string; uid: string | null; first_seen: Date; last_seen: Date; entries: number } & typeof KUBE_DNS>(
    `SELECT o.id, o.api_group AS "apiGroup", o.api_version AS "apiVersion", o.resource, o.kind, o.namespace, o.name, o.uid, o.first_seen, o.last_seen,
            (SELECT count(*)::int FROM history_entries h WHERE h.object_id = o.id) AS entries
       FROM objects o JOIN clusters c ON c.id = o.cluster_id
      WHERE c.name = $1 AND o.resource = 'deployments' AND o.namespace = 'kube-system' AND o.name = 'kube-dns' ORDER BY o.uid IS NULL, o.id`,
    [cluster],
  );
  const ids = rows.rows.map((row) => Number(row.id));
  const history = await Promise.all(ids.map(async (id) => (await sql.query(`SELECT audit_id, diff::text, noop FROM history_entries WHERE object_id = $1 ORDER BY start_time`, [id])).rows));
  const owners = (await parentsOf(sql, cluster, "kube-dns-545bc4bfd4", "controller-owner")).map((r) => ids.indexOf(r.parent));
  return {
    rows: rows.rows.map(({ id: _id, first_seen, last_seen, ...row }) => ({ ...row, firstSeen: new Date(first_seen).toISOString(), lastSeen: new Date(last_seen).toISOString() })),
    history,
    owners,
  };
}

/**
 * An owner whose plural is not the one its kind gives: the Redis of the OT-Container-Kit redis
 * operator (`redis.redis.opstreelabs.in`), kind Redis, resource `redis`, where the guess is
 * `redises` (resourceForKind). The real Pod of openshift-console is given it as an owner here, as
 * the operator gives its objects one; the Redis body is written as the API serves one.
 */
const REDIS_UID = "3f6b2c1d-5e4a-4b7c-9d8e-0a1b2c3d4e5f";
const REDIS = { apiGroup: "redis.redis.opstreelabs.in", apiVersion: "v1beta1", resource: "redis", kind: "Redis", namespace: NAMESPACE, name: "console-cache" };
function podOwnedByRedis(resourceVersion: string): EditableObject {
  const body = openshiftObject(NAMESPACE, "core/pods.yaml", POD);
  body.metadata.resourceVersion = resourceVersion;
  body.metadata.ownerReferences.push({ apiVersion: "redis.redis.opstreelabs.in/v1beta1", kind: "Redis", name: REDIS.name, uid: REDIS_UID });
  return body;
}
const redisPodUpdate = (id: string, clock: string, resourceVersion: string) =>
  writeEvent({ id, at: at(clock), verb: "update", apiGroup: "", resource: "pods", body: podOwnedByRedis(resourceVersion) });
const redisUpdate = (id: string, clock: string, resourceVersion: string) =>
  writeEvent({
    id,
    at: at(clock),
    verb: "update",
    apiGroup: REDIS.apiGroup,
    resource: REDIS.resource,
    body: {
      apiVersion: "redis.redis.opstreelabs.in/v1beta1",
      kind: "Redis",
      metadata: { name: REDIS.name, namespace: NAMESPACE, uid: REDIS_UID, resourceVersion, generation: 1, creationTimestamp: "2021-09-13T14:50:00Z" },
      spec: { kubernetesConfig: { image: "quay.io/opstree/redis:v7.0.5", imagePullPolicy: "IfNotPresent" } },
    },
  });

/** Writes sent in one batch, or each in a batch of its own: `it.each` cases, by label, of how to send them. */
const ONE_OR_EACH_ITS_OWN = [
  ["one batch", (writes: EditableObject[]) => [writes]],
  ["two batches", (writes: EditableObject[]) => writes.map((write) => [write])],
] as const;

const CONSOLE = { apiGroup: "operator.openshift.io", apiVersion: "v1", resource: "consoles", kind: "Console", name: "cluster" };

describe.each(APP_SETUPS)("a cluster-scoped owner of a namespaced object on $label", ({ kind, env }) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(kind, env);
  });
  afterAll(() => app?.close());
  const post = async (cluster: string, events: EditableObject[]) => expect((await app.postAudit(eventList(events), { cluster })).status).toBe(200);

  it("turns the namespaced placeholder a Pod's ownerReference made into the Console once the Console is written", async () => {
    const db = app.context.db;
    await post("pod-first", [podUpdate("c0a50000-0000-4000-8000-000000000001", "15:00:00.000", "25400")]);
    // Until the Console is seen, its scope is a guess: the Pod's namespace.
    const [placeholder] = await objectsWithUid(db, "pod-first", CONSOLE_UID);
    expect(placeholder).toEqual({ id: expect.any(Number), ...CONSOLE, namespace: NAMESPACE, entries: 0 });

    await post("pod-first", [consoleUpdate("c0a50000-0000-4000-8000-000000000002", "15:01:00.000", "31001")]);
    await post("pod-first", [podUpdate("c0a50000-0000-4000-8000-000000000003", "15:02:00.000", "25401")]);
    // One row, the placeholder's, now cluster-scoped and holding the Console's history.
    expect(await objectsWithUid(db, "pod-first", CONSOLE_UID)).toEqual([{ id: placeholder!.id, ...CONSOLE, namespace: "", entries: 1 }]);
    expect((await historyOfObject(db, placeholder!.id, DAY)).map((h) => [h.verb, h.auditId])).toEqual([["update", "c0a50000-0000-4000-8000-000000000002"]]);
    expect(await inNamespace(db, "pod-first", NAMESPACE)).not.toContain("consoles/cluster");
    expect(await inNamespace(db, "pod-first", "")).toContain("consoles/cluster");
    // The Pod's owner is that object, from its first body on, through the Pod's later body.
    expect(await parentsOf(db, "pod-first", POD, "owner")).toEqual([{ parent: placeholder!.id, validFrom: at("15:00:00.000"), validTo: null }]);
  });

  it.each([
    ["its version", "v1"],
    ["no version: the ownerReference's is kept", null],
  ] as const)("turns the Pod's placeholder into the Console on a Metadata-level update whose objectRef gives its uid and %s", async (_label, version) => {
    // At Metadata level the apiserver still puts the request body's uid in objectRef of an update.
    // The kind is not a built-in one: the placeholder's, from the ownerReference, stays.
    const db = app.context.db;
    const cluster = `metadata-console-${version ?? "no-version"}`;
    await post(cluster, [podUpdate("c0a50000-0000-4000-8000-0000000001c1", "15:00:00.000", "25400")]);
    const [placeholder] = await objectsWithUid(db, cluster, CONSOLE_UID);
    const update = metadataLevel(consoleUpdate("c0a50000-0000-4000-8000-0000000001c2", "15:01:00.000", "31001"), "update");
    update.objectRef.uid = CONSOLE_UID;
    if (version === null) delete update.objectRef.apiVersion;
    await post(cluster, [update]);
    expect(await objectsWithUid(db, cluster, CONSOLE_UID)).toEqual([{ id: placeholder!.id, ...CONSOLE, namespace: "", entries: 1 }]);
  });

  it("links a Pod's ownerReference to the Console stored before it, by uid, without a namespaced placeholder", async () => {
    const db = app.context.db;
    await post("console-first", [consoleUpdate("c0a50000-0000-4000-8000-000000000011", "15:01:00.000", "31001")]);
    await post("console-first", [podUpdate("c0a50000-0000-4000-8000-000000000012", "15:02:00.000", "25400")]);
    await post("console-first", [podUpdate("c0a50000-0000-4000-8000-000000000013", "15:03:00.000", "25401")]);
    const [console] = await objectsWithUid(db, "console-first", CONSOLE_UID);
    expect(await objectsWithUid(db, "console-first", CONSOLE_UID)).toEqual([{ id: console!.id, ...CONSOLE, namespace: "", entries: 1 }]);
    expect(await parentsOf(db, "console-first", POD, "owner")).toEqual([{ parent: console!.id, validFrom: at("15:02:00.000"), validTo: null }]);
    expect(await inNamespace(db, "console-first", NAMESPACE)).toEqual([`pods/${POD}`, "replicasets/console-6f454f786d"]);
  });

  it("links them the same way when both come in one batch, as an import sends them", async () => {
    const db = app.context.db;
    await post("one-batch", [podUpdate("c0a50000-0000-4000-8000-000000000021", "15:00:00.000", "25400"), consoleUpdate("c0a50000-0000-4000-8000-000000000022", "15:01:00.000", "31001")]);
    const [console] = await objectsWithUid(db, "one-batch", CONSOLE_UID);
    expect(await objectsWithUid(db, "one-batch", CONSOLE_UID)).toEqual([{ id: console!.id, ...CONSOLE, namespace: "", entries: 1 }]);
    expect(await parentsOf(db, "one-batch", POD, "owner")).toEqual([{ parent: console!.id, validFrom: at("15:00:00.000"), validTo: null }]);
  });

  it("makes one placeholder for an owner that Pods of two namespaces name in one batch, which becomes the Console", async () => {
    const db = app.context.db;
    await post("two-namespaces", [podUpdate("c0a50000-0000-4000-8000-0000000000a1", "15:00:00.000", "25400"), otherPodUpdate("c0a50000-0000-4000-8000-0000000000a2", "15:00:01.000", "25500")]);
    const [placeholder] = await objectsWithUid(db, "two-namespaces", CONSOLE_UID);
    expect(await objectsWithUid(db, "two-namespaces", CONSOLE_UID)).toEqual([{ id: placeholder!.id, ...CONSOLE, namespace: NAMESPACE, entries: 0 }]);

    await post("two-namespaces", [consoleUpdate("c0a50000-0000-4000-8000-0000000000a3", "15:01:00.000", "31001")]);
    expect(await objectsWithUid(db, "two-namespaces", CONSOLE_UID)).toEqual([{ id: placeholder!.id, ...CONSOLE, namespace: "", entries: 1 }]);
    expect((await parentsOf(db, "two-namespaces", POD, "owner")).map((r) => r.parent)).toEqual([placeholder!.id]);
    expect((await parentsOf(db, "two-namespaces", OTHER_POD, "owner")).map((r) => r.parent)).toEqual([placeholder!.id]);
  });

  it("makes the placeholder of a recreated Console the name's latest object: the old one ends at its create, and a delete that names no uid ends the new one", async () => {
    // The Console before, with another uid, whose delete was not recorded; then a Pod names the
    // new one, which is created and deleted in one batch, the delete at Metadata level (no body, no uid).
    const db = app.context.db;
    const OLD_UID = "0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6";
    await post("recreated", [writeEvent({ id: "c0a50000-0000-4000-8000-0000000000c1", at: at("14:50:00.000"), verb: "update", apiGroup: "operator.openshift.io", resource: "consoles", body: consoleBody("30001", undefined, OLD_UID) })]);
    await post("recreated", [podUpdate("c0a50000-0000-4000-8000-0000000000c2", "15:00:00.000", "25400")]);
    const [placeholder] = await objectsWithUid(db, "recreated", CONSOLE_UID);
    const create = writeEvent({ id: "c0a50000-0000-4000-8000-0000000000c3", at: at("15:01:00.000"), verb: "create", apiGroup: "operator.openshift.io", resource: "consoles", body: consoleBody("31001") });
    const remove: EditableObject = { ...consoleUpdate("c0a50000-0000-4000-8000-0000000000c4", "15:02:00.000", "31002"), verb: "delete", level: "Metadata" };
    delete remove.requestObject;
    delete remove.responseObject;
    await post("recreated", [create, remove]);

    const [old] = await objectsWithUid(db, "recreated", OLD_UID);
    expect(await objectsWithUid(db, "recreated", CONSOLE_UID)).toEqual([{ id: placeholder!.id, ...CONSOLE, namespace: "", entries: 2 }]);
    expect(old).toEqual({ id: expect.any(Number), ...CONSOLE, namespace: "", entries: 1 });
    const deletedAt = async (id: number) => (await db.query<{ deleted_at: Date }>(`SELECT deleted_at FROM objects WHERE id = $1`, [id])).rows.map((row) => new Date(row.deleted_at).toISOString());
    expect(await deletedAt(old!.id)).toEqual([new Date(new Date(at("15:01:00.000")).getTime() - 5).toISOString()]);
    expect(await deletedAt(placeholder!.id)).toEqual([at("15:02:00.000")]);
  });

  it.each([
    ["after", "15:01:00.000", "15:01:30.000"],
    ["before", "15:01:30.000", "15:01:00.000"],
  ])("keeps the object a placeholder becomes alive when its batch creates another object under the placeholder's old name %s correcting it", async (order, correctionAt, createAt) => {
    // The twin, with a uid of its own this time, created in openshift-console in the batch whose
    // cluster-scoped Console makes the Pod's placeholder the Console.
    const db = app.context.db;
    const cluster = `correct-and-create-${order}`;
    const TWIN_UID = "7d1f4b63-9c2a-4e8f-b0d5-3a6e8c1f2d47";
    await post(cluster, [podUpdate("c0a50000-0000-4000-8000-0000000001f1", "15:00:00.000", "25400")]);
    const [placeholder] = await objectsWithUid(db, cluster, CONSOLE_UID);
    await post(cluster, [
      consoleUpdate("c0a50000-0000-4000-8000-0000000001f2", correctionAt, "31001"),
      writeEvent({ id: "c0a50000-0000-4000-8000-0000000001f3", at: at(createAt), verb: "create", apiGroup: "operator.openshift.io", resource: "consoles", body: consoleBody("31002", NAMESPACE, TWIN_UID) }),
    ]);
    const rows = await db.query<{ id: number; namespace: string; uid: string; deleted_at: Date | null; entries: number }>(
      `SELECT o.id, o.namespace, o.uid, o.deleted_at, (SELECT count(*)::int FROM history_entries h WHERE h.object_id = o.id) AS entries
         FROM objects o JOIN clusters c ON c.id = o.cluster_id WHERE c.name = $1 AND o.resource = 'consoles' ORDER BY o.namespace`,
      [cluster],
    );
    expect(rows.rows.map((r) => ({ ...r, id: Number(r.id) }))).toEqual([
      { id: placeholder!.id, namespace: "", uid: CONSOLE_UID, deleted_at: null, entries: 1 },
      { id: expect.any(Number), namespace: NAMESPACE, uid: TWIN_UID, deleted_at: null, entries: 1 },
    ]);
    expect(await parentsOf(db, cluster, POD, "owner")).toEqual([{ parent: placeholder!.id, validFrom: at("15:00:00.000"), validTo: null }]);
  });


  it.each([
    ["before", "15:01:00.000", "15:01:30.000", { namespaced: "placeholder", clusterScoped: "new" }],
    ["after", "15:01:30.000", "15:01:00.000", { namespaced: "new", clusterScoped: "placeholder" }],
  ] as const)("keeps the namespaced twin and the cluster-scoped Console apart when one batch writes both, the twin %s the Console", async (order, twinAt, consoleAt, rows) => {
    // The twins of the test below, in one batch: each write finds the Pod's placeholder, the twin
    // under its name and the Console by uid. Whichever is written first takes it, as in two
    // batches; the other is another object, with a row of its own, not the same row's history.
    const db = app.context.db;
    const cluster = `twins-in-one-batch-${order}`;
    await post(cluster, [podUpdate("c0a50000-0000-4000-8000-0000000001e1", "15:00:00.000", "25400")]);
    const [placeholder] = await objectsWithUid(db, cluster, CONSOLE_UID);
    await post(cluster, [
      consoleUpdate("c0a50000-0000-4000-8000-0000000001e2", twinAt, "31000", NAMESPACE),
      consoleUpdate("c0a50000-0000-4000-8000-0000000001e3", consoleAt, "31001"),
    ]);
    const stored = await objectsWithUidByNamespace(db, cluster, CONSOLE_UID);
    expect(stored.map((o) => ({ ...o, id: o.id === placeholder!.id ? "placeholder" : "new" }))).toEqual([
      { id: rows.clusterScoped, ...CONSOLE, namespace: "", entries: 1 },
      { id: rows.namespaced, ...CONSOLE, namespace: NAMESPACE, entries: 1 },
    ]);
    const [clusterScoped, namespaced] = stored;
    expect((await historyOfObject(db, clusterScoped!.id, DAY)).map((h) => h.auditId)).toEqual(["c0a50000-0000-4000-8000-0000000001e3"]);
    expect((await historyOfObject(db, namespaced!.id, DAY)).map((h) => h.auditId)).toEqual(["c0a50000-0000-4000-8000-0000000001e2"]);
  });

  it.each(["create", "update"] as const)(
    "makes one Console of the placeholder a parent-link named by name and the one a Pod's ownerReference made in its namespace, once its %s is stored: as had it come between them",
    async (verb) => {
      // The parent-link's placeholder is cluster-scoped and holds no uid; the ownerReference's is
      // in openshift-console, holding the uid. Written before the Pod, the Console would have been
      // the parent-link's placeholder, and the Pod's owner found by uid: one row.
      const db = app.context.db;
      const linked = (id: string) => writeEvent({ id, at: at("15:00:00.000"), verb: "update", apiGroup: "", resource: "pods", body: otherPodLinkedToConsole("25500") });
      const consoleWrite = (id: string) => writeEvent({ id, at: at("15:01:00.000"), verb, apiGroup: "operator.openshift.io", resource: "consoles", body: consoleBody("31001") });
      const [after, between] = [`two-placeholders-${verb}`, `written-between-${verb}`];
      await post(after, [linked("c0a50000-0000-4000-8000-000000000181")]);
      await post(after, [podUpdate("c0a50000-0000-4000-8000-000000000182", "15:00:30.000", "25400")]);
      await post(after, [consoleWrite("c0a50000-0000-4000-8000-000000000183")]);
      await post(between, [linked("c0a50000-0000-4000-8000-000000000181")]);
      await post(between, [consoleWrite("c0a50000-0000-4000-8000-000000000183")]);
      await post(between, [podUpdate("c0a50000-0000-4000-8000-000000000182", "15:00:30.000", "25400")]);
      // Both Pods' next bodies: their relations stay with the Console.
      for (const cluster of [after, between]) {
        await post(cluster, [podUpdate("c0a50000-0000-4000-8000-000000000184", "15:02:00.000", "25401"), writeEvent({ id: "c0a50000-0000-4000-8000-000000000185", at: at("15:02:01.000"), verb: "update", apiGroup: "", resource: "pods", body: otherPodLinkedToConsole("25501") })]);
      }

      const stored = async (cluster: string) => {
        const consoles = await db.query<{ id: number; namespace: string; uid: string | null; kind: string | null; first_seen: Date; entries: number }>(
          `SELECT o.id, o.namespace, o.uid, o.kind, o.first_seen, (SELECT count(*)::int FROM history_entries h WHERE h.object_id = o.id) AS entries
             FROM objects o JOIN clusters c ON c.id = o.cluster_id WHERE c.name = $1 AND o.resource = 'consoles' ORDER BY o.id`,
          [cluster],
        );
        const ids = consoles.rows.map((row) => Number(row.id));
        const parents = async (name: string, kind: string) => (await parentsOf(db, cluster, name, kind)).map((r) => ({ ...r, parent: ids.indexOf(r.parent) }));
        return {
          consoles: consoles.rows.map(({ id: _id, first_seen, ...row }) => ({ ...row, firstSeen: new Date(first_seen).toISOString() })),
          owners: await parents(POD, "owner"),
          links: await parents(OTHER_POD, "parent-link"),
        };
      };
      const merged = await stored(after);
      expect(merged.consoles).toEqual([{ namespace: "", uid: CONSOLE_UID, kind: "Console", firstSeen: verb === "create" ? "2021-09-13T15:00:59.995Z" : at("15:00:00.000"), entries: 1 }]);
      expect(merged.owners).toEqual([{ parent: 0, validFrom: at("15:00:30.000"), validTo: null }]);
      expect(merged.links).toEqual([{ parent: 0, validFrom: at("15:00:00.000"), validTo: null }]);
      expect(merged).toEqual(await stored(between));
      const dangling = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM relations r WHERE NOT EXISTS (SELECT 1 FROM objects o WHERE o.id = r.from_object_id) OR NOT EXISTS (SELECT 1 FROM objects o WHERE o.id = r.to_object_id)`,
      );
      expect(dangling.rows[0]!.n).toBe(0);
    },
  );

  /**
   * A Kubernetes Event about the Console, as the console operator records one on it (regarding the
   * Console, cluster-scoped; with its uid, or by name alone): written out here, the capture has none.
   */
  function consoleEvent(uid: string | null): ObservedHistoryEntry {
    const time = new Date(at("15:00:40.000"));
    return {
      source: "event",
      key: `4e5f6a7b-8c9d-4e0f-9a1b-2c3d4e5f6a7b:1:${uid ?? "by-name"}`,
      object: { ...CONSOLE, namespace: "", uid },
      startTime: time,
      endTime: time,
      actor: "console-operator",
      verb: "event",
      title: "console-operator OperatorStatusChanged: Status for clusteroperator/console changed: Available changed from False to True",
      details: { reason: "OperatorStatusChanged", count: 1, type: "Normal" },
    };
  }
  const storeEvent = async (cluster: string, entry: ObservedHistoryEntry) => (await storeObservedHistory(app.context.db, new ClusterRegistry(app.context.db), new ObjectIdPool(8), cluster, [entry])).summary;

  it("keeps the placeholder an ownerReference made one Console when an Event found it by uid: Pods of another namespace share it, and the Console's write takes it", async () => {
    const db = app.context.db;
    const cluster = "event-on-placeholder";
    await post(cluster, [podUpdate("c0a50000-0000-4000-8000-0000000001e1", "15:00:00.000", "25400")]);
    const [placeholder] = await objectsWithUid(db, cluster, CONSOLE_UID);
    expect(await storeEvent(cluster, consoleEvent(CONSOLE_UID))).toMatchObject({ stored: 1, placeholders: 0 });
    // The placeholder, with the Event on it, is still the one owner Pods of any namespace name.
    await post(cluster, [otherPodUpdate("c0a50000-0000-4000-8000-0000000001e2", "15:00:50.000", "25500")]);
    await post(cluster, [consoleUpdate("c0a50000-0000-4000-8000-0000000001e3", "15:01:00.000", "31001")]);
    expect(await objectsWithUid(db, cluster, CONSOLE_UID)).toEqual([{ id: placeholder!.id, ...CONSOLE, namespace: "", entries: 2 }]);
    expect((await parentsOf(db, cluster, POD, "owner")).map((r) => r.parent)).toEqual([placeholder!.id]);
    expect((await parentsOf(db, cluster, OTHER_POD, "owner")).map((r) => r.parent)).toEqual([placeholder!.id]);
    expect(await inNamespace(db, cluster, NAMESPACE)).not.toContain("consoles/cluster");
  });

  it("makes one Console of the row an Event without a uid made and the placeholder a Pod's ownerReference made, with the Event on it", async () => {
    const db = app.context.db;
    const cluster = "event-by-name";
    await post(cluster, [podUpdate("c0a50000-0000-4000-8000-0000000001f1", "15:00:00.000", "25400")]);
    expect(await storeEvent(cluster, consoleEvent(null))).toMatchObject({ stored: 1, placeholders: 1 });
    await post(cluster, [consoleUpdate("c0a50000-0000-4000-8000-0000000001f2", "15:01:00.000", "31001")]);
    const consoles = await db.query<{ id: number; namespace: string; uid: string | null }>(
      `SELECT o.id, o.namespace, o.uid FROM objects o JOIN clusters c ON c.id = o.cluster_id WHERE c.name = $1 AND o.resource = 'consoles'`,
      [cluster],
    );
    expect(consoles.rows.map((row) => ({ namespace: row.namespace, uid: row.uid }))).toEqual([{ namespace: "", uid: CONSOLE_UID }]);
    const console = Number(consoles.rows[0]!.id);
    const sources = await db.query<{ source: string }>(
      `SELECT h.source::text AS source FROM history_entries h JOIN clusters c ON c.id = h.cluster_id WHERE c.name = $1 AND h.object_id = $2 ORDER BY h.start_time`,
      [cluster, console],
    );
    expect(sources.rows.map((row) => row.source)).toEqual(["event", "audit"]);
    const orphans = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM history_entries h WHERE NOT EXISTS (SELECT 1 FROM objects o WHERE o.id = h.object_id)`);
    expect(orphans.rows[0]!.n).toBe(0);
    expect((await parentsOf(db, cluster, POD, "owner")).map((r) => r.parent)).toEqual([console]);
  });

  it("never moves an object with history of its own to another namespace because a uid matches", async () => {
    // The same uid in openshift-console, written there (the CRD namespaced, or two clusters' logs
    // sent under one name): its history is that object's, whatever comes with its uid later.
    const db = app.context.db;
    await post("twins", [podUpdate("c0a50000-0000-4000-8000-000000000031", "15:00:00.000", "25400")]);
    await post("twins", [consoleUpdate("c0a50000-0000-4000-8000-000000000032", "15:01:00.000", "31001", NAMESPACE)]);
    await post("twins", [consoleUpdate("c0a50000-0000-4000-8000-000000000033", "15:02:00.000", "31002")]);
    const [namespaced, clusterScoped] = await objectsWithUid(db, "twins", CONSOLE_UID);
    expect([namespaced, clusterScoped]).toEqual([
      { id: expect.any(Number), ...CONSOLE, namespace: NAMESPACE, entries: 1 },
      { id: expect.any(Number), ...CONSOLE, namespace: "", entries: 1 },
    ]);
    expect((await historyOfObject(db, namespaced!.id, DAY)).map((h) => h.auditId)).toEqual(["c0a50000-0000-4000-8000-000000000032"]);
    expect((await historyOfObject(db, clusterScoped!.id, DAY)).map((h) => h.auditId)).toEqual(["c0a50000-0000-4000-8000-000000000033"]);
    expect(await inNamespace(db, "twins", NAMESPACE)).toContain("consoles/cluster");
    // The Pod's relation stays with the object it was opened to.
    expect(await parentsOf(db, "twins", POD, "owner")).toEqual([{ parent: namespaced!.id, validFrom: at("15:00:00.000"), validTo: null }]);
  });

  it("never writes an object's history on another object of its namespace because a uid matches", async () => {
    // An edited log: the real Pod console-6f454f786d-xgq64 carrying the uid of its sibling
    // console-6f454f786d-mxr8m, stored before it. A name never changes: it is another object.
    const db = app.context.db;
    const sibling = openshiftObject(NAMESPACE, "core/pods.yaml", "console-6f454f786d-xgq64");
    await post("uid-twins", [podUpdate("c0a50000-0000-4000-8000-0000000000d1", "15:00:00.000", "25400")]);
    const first = pod("25400");
    sibling.metadata.uid = first.metadata.uid;
    await post("uid-twins", [writeEvent({ id: "c0a50000-0000-4000-8000-0000000000d2", at: at("15:01:00.000"), verb: "update", apiGroup: "", resource: "pods", body: sibling })]);
    const rows = await db.query<{ name: string; entries: number }>(
      `SELECT o.name, (SELECT count(*)::int FROM history_entries h WHERE h.object_id = o.id) AS entries
         FROM objects o JOIN clusters c ON c.id = o.cluster_id WHERE c.name = 'uid-twins' AND o.uid = $1 ORDER BY o.name`,
      [first.metadata.uid],
    );
    expect(rows.rows).toEqual([
      { name: POD, entries: 1 },
      { name: "console-6f454f786d-xgq64", entries: 1 },
    ]);
  });

  it("keeps one object for a Deployment written through two API groups", async () => {
    // Kubernetes 1.8 (Sonobuoy): the real Deployment kube-dns, written through extensions/v1beta1
    // and then through apps/v1beta2, as both groups served it.
    const db = app.context.db;
    const deployment = sonobuoyItems("kube-system", "Deployments").find((d) => d.metadata.name === "kube-dns")!;
    await post("two-groups", [writeEvent({ id: "c0a50000-0000-4000-8000-0000000000e1", at: "2017-12-14T10:00:00Z", verb: "update", apiGroup: "extensions", resource: "deployments", body: { ...deployment, apiVersion: "extensions/v1beta1", kind: "Deployment" } })]);
    await post("two-groups", [writeEvent({ id: "c0a50000-0000-4000-8000-0000000000e2", at: "2017-12-14T10:01:00Z", verb: "update", apiGroup: "apps", resource: "deployments", body: { ...deployment, apiVersion: "apps/v1beta2", kind: "Deployment" } })]);
    expect(await objectsWithUid(db, "two-groups", deployment.metadata.uid)).toEqual([
      { id: expect.any(Number), apiGroup: "extensions", apiVersion: "v1beta1", resource: "deployments", kind: "Deployment", namespace: "kube-system", name: "kube-dns", entries: 2 },
    ]);
  });

  it("gives the placeholder of an owner named through an old API group the group its own write tells", async () => {
    // Kubernetes 1.8 (Sonobuoy): the real ReplicaSet kube-dns-545bc4bfd4 names its Deployment as
    // extensions/v1beta1; the real Deployment kube-dns is then written through apps/v1beta2.
    const db = app.context.db;
    const replicaSet = sonobuoyItems("kube-system", "ReplicaSets").find((rs) => rs.metadata.name === "kube-dns-545bc4bfd4")!;
    Object.assign(replicaSet, { apiVersion: "extensions/v1beta1", kind: "ReplicaSet" });
    const deployment = sonobuoyItems("kube-system", "Deployments").find((d) => d.metadata.name === "kube-dns")!;
    Object.assign(deployment, { apiVersion: "apps/v1beta2", kind: "Deployment" });
    await post("old-groups", [writeEvent({ id: "c0a50000-0000-4000-8000-000000000041", at: "2017-12-14T10:00:00Z", verb: "update", apiGroup: "extensions", resource: "replicasets", body: replicaSet })]);
    expect(await objectsWithUid(db, "old-groups", deployment.metadata.uid)).toEqual([
      { id: expect.any(Number), apiGroup: "extensions", apiVersion: "v1beta1", resource: "deployments", kind: "Deployment", namespace: "kube-system", name: "kube-dns", entries: 0 },
    ]);
    await post("old-groups", [writeEvent({ id: "c0a50000-0000-4000-8000-000000000042", at: "2017-12-14T10:01:00Z", verb: "update", apiGroup: "apps", resource: "deployments", body: deployment })]);
    const [owner] = await objectsWithUid(db, "old-groups", deployment.metadata.uid);
    expect(await objectsWithUid(db, "old-groups", deployment.metadata.uid)).toEqual([
      { id: owner!.id, apiGroup: "apps", apiVersion: "v1beta2", resource: "deployments", kind: "Deployment", namespace: "kube-system", name: "kube-dns", entries: 1 },
    ]);
    expect((await parentsOf(db, "old-groups", replicaSet.metadata.name, "controller-owner")).map((r) => r.parent)).toEqual([owner!.id]);
  });

  it.each([
    ["apps", "extensions"],
    ["extensions", "apps"],
  ] as const)("gives the placeholder of an owner named through an old API group the name of the group it is first written through, %s then %s, in one batch as in two", async (first, second) => {
    // The Deployment is written through both groups, as a 1.8 cluster's kubectl (extensions) and
    // controllers (apps) wrote it, and later through apps again.
    const db = app.context.db;
    const writes = [kubeDnsWrite("c0a50000-0000-4000-8000-000000000171", "2017-12-14T10:01:00Z", first, "1001"), kubeDnsWrite("c0a50000-0000-4000-8000-000000000172", "2017-12-14T10:02:00Z", second, "1002")];
    const later = kubeDnsWrite("c0a50000-0000-4000-8000-000000000173", "2017-12-14T10:03:00Z", "apps", "1003");
    for (const [cluster, batches] of [
      [`groups-one-batch-${first}`, [writes, [later]]],
      [`groups-two-batches-${first}`, [[writes[0]!], [writes[1]!], [later]]],
    ] as const) {
      await post(cluster, [kubeDnsReplicaSetUpdate("c0a50000-0000-4000-8000-000000000170")]);
      for (const batch of batches) await post(cluster, [...batch]);
    }
    const oneBatch = await kubeDnsStored(db, `groups-one-batch-${first}`);
    expect(oneBatch.rows).toEqual([
      { ...KUBE_DNS, apiGroup: first, apiVersion: first === "apps" ? "v1beta2" : "v1beta1", uid: KUBE_DNS_UID, firstSeen: "2017-12-14T10:00:00.000Z", lastSeen: "2017-12-14T10:03:00.000Z", entries: 3 },
    ]);
    expect(oneBatch.owners).toEqual([0]);
    expect(oneBatch).toEqual(await kubeDnsStored(db, `groups-two-batches-${first}`));
  });

  it.each([
    ["a patch", "patch", "2017-12-14T10:01:00Z", "v1beta2", "2017-12-14T10:00:00.000Z"],
    ["a patch whose objectRef names no version", "patch", "2017-12-14T10:01:00Z", "", "2017-12-14T10:00:00.000Z"],
    ["its create, arriving after the ReplicaSet's body", "create", "2017-12-14T09:59:00Z", "v1beta2", "2017-12-14T09:58:59.995Z"],
  ] as const)("gives the placeholder of an owner named through an old API group the group %s tells at Metadata level, with no uid", async (_label, verb, at, apiVersion, firstSeen) => {
    // The write a RequestResponse one would be, as the apiserver records it at Metadata level:
    // objectRef's group, resource, namespace and name (a patch or a create tells no uid), no body.
    // The kind is the built-in one of apps' deployments; the uid is the one the placeholder holds.
    const db = app.context.db;
    const cluster = `metadata-${verb}-${apiVersion || "no-version"}`;
    await post(cluster, [kubeDnsReplicaSetUpdate("c0a50000-0000-4000-8000-0000000001a1")]);
    const [placeholder] = await objectsWithUid(db, cluster, KUBE_DNS_UID);
    const write = metadataLevel(kubeDnsWrite("c0a50000-0000-4000-8000-0000000001a2", at, "apps", "1001", verb === "create" ? "create" : "update"), verb);
    if (apiVersion === "") delete write.objectRef.apiVersion;
    await post(cluster, [write]);
    const stored = await kubeDnsStored(db, cluster);
    expect(stored.rows).toEqual([{ ...KUBE_DNS, apiGroup: "apps", apiVersion, uid: KUBE_DNS_UID, firstSeen, lastSeen: verb === "create" ? "2017-12-14T10:00:00.000Z" : at.replace("Z", ".000Z"), entries: 1 }]);
    expect(stored.owners).toEqual([0]);
    expect((await objectsWithUid(db, cluster, KUBE_DNS_UID)).map((o) => o.id)).toEqual([placeholder!.id]);
  });

  it.each([
    ["apps", "extensions"],
    ["extensions", "apps"],
  ] as const)("writes Metadata-level patches through %s then %s as two batches would, in one", async (first, second) => {
    // Without a uid, a patch through the other group finds the placeholder only while it is one:
    // the first takes it, the other gets a row of its own name, in one batch as in two.
    const db = app.context.db;
    const writes = [
      metadataLevel(kubeDnsWrite("c0a50000-0000-4000-8000-0000000001b1", "2017-12-14T10:01:00Z", first, "1001"), "patch"),
      metadataLevel(kubeDnsWrite("c0a50000-0000-4000-8000-0000000001b2", "2017-12-14T10:02:00Z", second, "1002"), "patch"),
    ];
    for (const [cluster, batches] of [
      [`metadata-one-batch-${first}`, [writes]],
      [`metadata-two-batches-${first}`, [[writes[0]!], [writes[1]!]]],
    ] as const) {
      await post(cluster, [kubeDnsReplicaSetUpdate("c0a50000-0000-4000-8000-0000000001b0")]);
      for (const batch of batches) await post(cluster, [...batch]);
    }
    const oneBatch = await kubeDnsStored(db, `metadata-one-batch-${first}`);
    expect(oneBatch.rows.map((row) => [row.apiGroup, row.uid, row.entries])).toEqual([
      [first, KUBE_DNS_UID, 1],
      [second, null, 1],
    ]);
    expect(oneBatch.owners).toEqual([0]);
    expect(oneBatch).toEqual(await kubeDnsStored(db, `metadata-two-batches-${first}`));
  });

  it.each([
    ["without a uid, then with it", 0],
    ["with its uid, then without", 1],
  ] as const)("gives one batch's writes through apps, %s, the placeholder of the extensions name as two batches do", async (_label, uidFirst) => {
    // The patch at Metadata level finds the placeholder by name under the other group, the update
    // by uid: one row for both, however the batch holds them.
    const db = app.context.db;
    const [patchAt, updateAt] = uidFirst ? ["2017-12-14T10:02:00Z", "2017-12-14T10:01:00Z"] : ["2017-12-14T10:01:00Z", "2017-12-14T10:02:00Z"];
    const writes = [
      metadataLevel(kubeDnsWrite("c0a50000-0000-4000-8000-0000000001d1", patchAt, "apps", "1001"), "patch"),
      kubeDnsWrite("c0a50000-0000-4000-8000-0000000001d2", updateAt, "apps", "1002"),
    ];
    for (const [cluster, batches] of [
      [`both-ways-one-batch-${uidFirst}`, [writes]],
      [`both-ways-two-batches-${uidFirst}`, uidFirst ? [[writes[1]!], [writes[0]!]] : [[writes[0]!], [writes[1]!]]],
    ] as const) {
      await post(cluster, [kubeDnsReplicaSetUpdate("c0a50000-0000-4000-8000-0000000001d0")]);
      for (const batch of batches) await post(cluster, [...batch]);
    }
    const oneBatch = await kubeDnsStored(db, `both-ways-one-batch-${uidFirst}`);
    expect(oneBatch.rows.map((row) => [row.apiGroup, row.uid, row.lastSeen, row.entries])).toEqual([["apps", KUBE_DNS_UID, "2017-12-14T10:02:00.000Z", 2]]);
    expect(oneBatch.owners).toEqual([0]);
    expect(oneBatch).toEqual(await kubeDnsStored(db, `both-ways-two-batches-${uidFirst}`));
  });

  it.each(ONE_OR_EACH_ITS_OWN)("keeps the placeholder a Metadata-level patch through its own group wrote first under that group when an update through apps follows, in %s", async (label, batches) => {
    // A 1.8 cluster's kubectl patches the Deployment through extensions/v1beta1 (Metadata level:
    // no uid, no body), then its controller updates it through apps/v1beta2. The patch names the
    // placeholder's own name, and goes to it; the update finds it by uid: one object, under the
    // name the first write gave, in one batch as in two.
    const db = app.context.db;
    const cluster = `patch-then-update-${label.replace(" ", "-")}`;
    await post(cluster, [kubeDnsReplicaSetUpdate("c0a50000-0000-4000-8000-000000000220")]);
    const writes = [
      metadataLevel(kubeDnsWrite("c0a50000-0000-4000-8000-000000000221", "2017-12-14T10:01:00Z", "extensions", "1001"), "patch"),
      kubeDnsWrite("c0a50000-0000-4000-8000-000000000222", "2017-12-14T10:02:00Z", "apps", "1002"),
    ];
    for (const batch of batches(writes)) await post(cluster, batch);
    const stored = await kubeDnsStored(db, cluster);
    expect(stored.rows.map((row) => [row.apiGroup, row.uid, row.entries])).toEqual([["extensions", KUBE_DNS_UID, 2]]);
    expect(stored.owners).toEqual([0]);
  });

  it.each(ONE_OR_EACH_ITS_OWN)("merges the placeholder an autoscaler named through apps into the one the ReplicaSet named through extensions when %s writes the Deployment through both", async (label, batches) => {
    // The autoscaler's scaleTargetRef names apps' kube-dns by name alone (a placeholder holding no
    // uid); the real ReplicaSet kube-dns-545bc4bfd4 names extensions' kube-dns with its uid. The
    // Deployment is then written through apps, then extensions: the apps write finds both, and
    // merges them, whether the extensions write comes in its batch or the next.
    const db = app.context.db;
    const cluster = `autoscaled-${label.replace(" ", "-")}`;
    await post(cluster, [kubeDnsAutoscalerUpdate("c0a50000-0000-4000-8000-000000000230")]);
    await post(cluster, [kubeDnsReplicaSetUpdate("c0a50000-0000-4000-8000-000000000231")]);
    const writes = [
      kubeDnsWrite("c0a50000-0000-4000-8000-000000000232", "2017-12-14T10:01:00Z", "apps", "1001"),
      kubeDnsWrite("c0a50000-0000-4000-8000-000000000233", "2017-12-14T10:02:00Z", "extensions", "1002"),
    ];
    for (const batch of batches(writes)) await post(cluster, batch);
    const stored = await kubeDnsStored(db, cluster);
    expect(stored.rows.map((row) => [row.apiGroup, row.uid, row.entries])).toEqual([["apps", KUBE_DNS_UID, 2]]);
    expect(stored.owners).toEqual([0]);
    const [deployment] = await objectsWithUid(db, cluster, KUBE_DNS_UID);
    const targets = await db.query<{ to_object_id: number }>(
      `SELECT r.to_object_id FROM relations r JOIN clusters c ON c.id = r.cluster_id WHERE c.name = $1 AND r.kind = 'scale-target'`,
      [cluster],
    );
    expect(targets.rows.map((row) => Number(row.to_object_id))).toEqual([deployment!.id]);
  });

  it.each(ONE_OR_EACH_ITS_OWN)("writes no history on a placeholder merged away when a Metadata-level patch through extensions follows the merge, in %s", async (label, batches) => {
    // An edited log: the real ReplicaSet kube-dns-545bc4bfd4 names its Deployment, with its uid,
    // as kube-dns-v1 (a placeholder holding the uid under another name); the autoscaler names
    // apps' kube-dns by name alone. The update through apps takes the first and merges the second
    // into it; the patch through extensions that follows, giving no uid, finds neither placeholder:
    // the object under apps' name has history by then.
    const db = app.context.db;
    const cluster = `merged-then-patched-${label.replace(" ", "-")}`;
    const replicaSet = kubeDnsReplicaSetUpdate("c0a50000-0000-4000-8000-000000000241");
    for (const body of [replicaSet.requestObject, replicaSet.responseObject]) body.metadata.ownerReferences[0].name = "kube-dns-v1";
    await post(cluster, [kubeDnsAutoscalerUpdate("c0a50000-0000-4000-8000-000000000240")]);
    await post(cluster, [replicaSet]);
    const writes = [
      kubeDnsWrite("c0a50000-0000-4000-8000-000000000242", "2017-12-14T10:01:00Z", "apps", "1001"),
      metadataLevel(kubeDnsWrite("c0a50000-0000-4000-8000-000000000243", "2017-12-14T10:02:00Z", "extensions", "1002"), "patch"),
    ];
    for (const batch of batches(writes)) await post(cluster, batch);
    const stored = await kubeDnsStored(db, cluster);
    expect(stored.rows.map((row) => [row.apiGroup, row.uid, row.entries])).toEqual([
      ["apps", KUBE_DNS_UID, 1],
      ["extensions", null, 1],
    ]);
    const dangling = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM history_entries h JOIN clusters c ON c.id = h.cluster_id
        WHERE c.name = $1 AND NOT EXISTS (SELECT 1 FROM objects o WHERE o.id = h.object_id)`,
      [cluster],
    );
    expect(dangling.rows[0]!.n).toBe(0);
  });

  it.each([
    ["the cluster-scoped Console, which the Pod's ownerReference puts in its namespace", "console"],
    ["a Redis, whose plural the Pod's ownerReference guesses from its kind", "redis"],
  ] as const)("makes one object of %s, patched at Metadata level before the Pod named it, once a write gives its uid", async (_label, owner) => {
    // The owner's patch gives no uid: its row holds none. The Pod's ownerReference then finds no
    // row by uid, nor by the name it gives, and makes a placeholder holding the uid under that
    // name. The owner's update gives the uid: the placeholder becomes the owner, and the patch's
    // row is the same object. One row, as had the update come before the Pod.
    const db = app.context.db;
    const [uid, identity, ownerUpdate, podNaming] =
      owner === "console" ? ([CONSOLE_UID, { ...CONSOLE, namespace: "" }, consoleUpdate, podUpdate] as const) : ([REDIS_UID, REDIS, redisUpdate, redisPodUpdate] as const);
    const patch = metadataLevel(ownerUpdate("c0a50000-0000-4000-8000-000000000261", "14:59:00.000", "30999"), "patch");
    const update = ownerUpdate("c0a50000-0000-4000-8000-000000000262", "15:01:00.000", "31001");
    const podBody = podNaming("c0a50000-0000-4000-8000-000000000263", "15:00:00.000", "25400");
    const [podFirst, updateFirst] = [`patched-${owner}-pod-first`, `patched-${owner}-update-first`];
    for (const batch of [[patch], [podBody], [update]]) await post(podFirst, batch);
    for (const batch of [[patch], [update], [podBody]]) await post(updateFirst, batch);
    for (const cluster of [podFirst, updateFirst]) {
      const [stored] = await objectsWithUid(db, cluster, uid);
      expect(await objectsWithUid(db, cluster, uid), cluster).toEqual([{ id: stored!.id, ...identity, entries: 2 }]);
      const named = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM objects o JOIN clusters c ON c.id = o.cluster_id WHERE c.name = $1 AND o.name = $2 AND o.api_group = $3`,
        [cluster, identity.name, identity.apiGroup],
      );
      expect(named.rows[0]!.n, cluster).toBe(1);
      expect((await historyOfObject(db, stored!.id, DAY)).map((h) => h.auditId)).toEqual([patch.auditID, update.auditID]);
      expect((await parentsOf(db, cluster, POD, "owner")).map((r) => r.parent)).toEqual([stored!.id]);
    }
  });

  it.each(ONE_OR_EACH_ITS_OWN)("merges the row a Metadata-level patch through the other API group made into the Deployment once a write through that group gives its uid, in %s", async (label, batches) => {
    // As in "writes Metadata-level patches through apps then extensions": the patch through apps
    // takes the placeholder the ReplicaSet's ownerReference made through extensions, and the one
    // through extensions, giving no uid, gets a row of its own. The update through extensions then
    // gives the uid, which the apps row holds: the extensions row is that object.
    const db = app.context.db;
    const cluster = `patched-through-both-${label.replace(" ", "-")}`;
    await post(cluster, [kubeDnsReplicaSetUpdate("c0a50000-0000-4000-8000-000000000270")]);
    const writes = [
      metadataLevel(kubeDnsWrite("c0a50000-0000-4000-8000-000000000271", "2017-12-14T10:01:00Z", "apps", "1001"), "patch"),
      metadataLevel(kubeDnsWrite("c0a50000-0000-4000-8000-000000000272", "2017-12-14T10:02:00Z", "extensions", "1002"), "patch"),
      kubeDnsWrite("c0a50000-0000-4000-8000-000000000273", "2017-12-14T10:03:00Z", "extensions", "1003"),
    ];
    for (const batch of batches(writes)) await post(cluster, batch);
    const stored = await kubeDnsStored(db, cluster);
    expect(stored.rows.map((row) => [row.apiGroup, row.uid, row.entries])).toEqual([["apps", KUBE_DNS_UID, 3]]);
    expect(stored.owners).toEqual([0]);
  });

  it("links an ownerReference by uid in its own namespace or cluster-scoped, never to an object of a third namespace", async () => {
    // The Pod of openshift-console names the uid of the ReplicaSet of openshift-apiserver, stored
    // first (ownerUidOfAnotherNamespace). Kubernetes's garbage collector takes such an owner for
    // absent (OwnerRefInvalidNamespace): the owner is a placeholder in the Pod's namespace,
    // holding the uid. The Console, also named by uid, is cluster-scoped, and the ReplicaSet's
    // own Pod names it in its namespace: both still link by uid.
    const db = app.context.db;
    const { replicaSet, apiserverPod, edited } = ownerUidOfAnotherNamespace();
    await post("third-namespace", [
      writeEvent({ id: "c0a50000-0000-4000-8000-000000000101", at: at("15:00:00.000"), verb: "update", apiGroup: "apps", resource: "replicasets", body: replicaSet }),
      consoleUpdate("c0a50000-0000-4000-8000-000000000102", "15:00:01.000", "31001"),
    ]);
    const [owner] = await objectsWithUidByNamespace(db, "third-namespace", replicaSet.metadata.uid);
    const [console] = await objectsWithUidByNamespace(db, "third-namespace", CONSOLE_UID);
    await post("third-namespace", [
      writeEvent({ id: "c0a50000-0000-4000-8000-000000000103", at: at("15:01:00.000"), verb: "update", apiGroup: "", resource: "pods", body: edited }),
      writeEvent({ id: "c0a50000-0000-4000-8000-000000000104", at: at("15:01:01.000"), verb: "update", apiGroup: "", resource: "pods", body: apiserverPod }),
    ]);
    const [, placeholder] = await objectsWithUidByNamespace(db, "third-namespace", replicaSet.metadata.uid);
    expect(await objectsWithUidByNamespace(db, "third-namespace", replicaSet.metadata.uid)).toEqual([
      { id: owner!.id, apiGroup: "apps", apiVersion: "v1", resource: "replicasets", kind: "ReplicaSet", namespace: "openshift-apiserver", name: "apiserver-5d887d5fcd", entries: 1 },
      { id: expect.any(Number), apiGroup: "apps", apiVersion: "v1", resource: "replicasets", kind: "ReplicaSet", namespace: NAMESPACE, name: "console-6f454f786d", entries: 0 },
    ]);
    expect((await parentsOf(db, "third-namespace", POD, "controller-owner")).map((r) => r.parent)).toEqual([placeholder!.id]);
    expect((await parentsOf(db, "third-namespace", POD, "owner")).map((r) => r.parent)).toEqual([console!.id]);
    expect((await parentsOf(db, "third-namespace", apiserverPod.metadata.name, "controller-owner")).map((r) => r.parent)).toEqual([owner!.id]);

    // The placeholder holds the uid beside its object: later writes and claims each find their
    // own, also in one batch with a write to the placeholder's name (the real ReplicaSet
    // console-6f454f786d, whose own uid is another).
    const edit = structuredClone(edited);
    edit.metadata.resourceVersion = "25401";
    const rsUpdate = structuredClone(replicaSet);
    rsUpdate.metadata.resourceVersion = "22958";
    const consoleReplicaSet = openshiftObject(NAMESPACE, "apps/replicasets.yaml", "console-6f454f786d");
    await post("third-namespace", [
      writeEvent({ id: "c0a50000-0000-4000-8000-000000000105", at: at("15:02:00.000"), verb: "update", apiGroup: "apps", resource: "replicasets", body: rsUpdate }),
      writeEvent({ id: "c0a50000-0000-4000-8000-000000000106", at: at("15:02:00.500"), verb: "update", apiGroup: "apps", resource: "replicasets", body: consoleReplicaSet }),
      writeEvent({ id: "c0a50000-0000-4000-8000-000000000107", at: at("15:02:01.000"), verb: "update", apiGroup: "", resource: "pods", body: edit }),
    ]);
    expect((await objectsWithUidByNamespace(db, "third-namespace", replicaSet.metadata.uid)).map((o) => [o.id, o.namespace, o.entries])).toEqual([
      [owner!.id, "openshift-apiserver", 2],
      [placeholder!.id, NAMESPACE, 0],
    ]);
    expect((await objectsWithUid(db, "third-namespace", consoleReplicaSet.metadata.uid)).map((o) => [o.namespace, o.name, o.entries])).toEqual([[NAMESPACE, "console-6f454f786d", 1]]);
    expect((await parentsOf(db, "third-namespace", POD, "controller-owner")).map((r) => [r.parent, r.validTo])).toEqual([[placeholder!.id, null]]);
  });

  it("gives the owners two namespaces' Pods name with one uid in one batch a placeholder each, when the kind is namespaced", async () => {
    // The edited Pod of openshift-console names the uid of openshift-apiserver's ReplicaSet, as
    // that ReplicaSet's own Pod does (ownerUidOfAnotherNamespace), in the batch that makes the
    // owners' placeholders. A ReplicaSet is namespaced: one of the two claims names no object,
    // and the ReplicaSet's write takes only its own namespace's placeholder.
    const db = app.context.db;
    const { replicaSet, apiserverPod, edited } = ownerUidOfAnotherNamespace();
    await post("one-uid-two-namespaces", [
      writeEvent({ id: "c0a50000-0000-4000-8000-000000000151", at: at("15:00:00.000"), verb: "update", apiGroup: "", resource: "pods", body: edited }),
      writeEvent({ id: "c0a50000-0000-4000-8000-000000000152", at: at("15:00:01.000"), verb: "update", apiGroup: "", resource: "pods", body: apiserverPod }),
    ]);
    await post("one-uid-two-namespaces", [writeEvent({ id: "c0a50000-0000-4000-8000-000000000153", at: at("15:01:00.000"), verb: "update", apiGroup: "apps", resource: "replicasets", body: replicaSet })]);
    const [owner, placeholder] = await objectsWithUidByNamespace(db, "one-uid-two-namespaces", replicaSet.metadata.uid);
    expect([owner, placeholder].map((o) => [o!.namespace, o!.name, o!.entries])).toEqual([
      ["openshift-apiserver", "apiserver-5d887d5fcd", 1],
      [NAMESPACE, "console-6f454f786d", 0],
    ]);
    expect((await parentsOf(db, "one-uid-two-namespaces", apiserverPod.metadata.name, "controller-owner")).map((r) => r.parent)).toEqual([owner!.id]);
    expect((await parentsOf(db, "one-uid-two-namespaces", POD, "controller-owner")).map((r) => r.parent)).toEqual([placeholder!.id]);
  });

  it("gives a Pod's owner of a kind it does not know a placeholder in its namespace, not the object of a third namespace holding its uid, and that placeholder to the cluster-scoped owner", async () => {
    // The impossible twin: a Console written in openshift-authentication with the uid the Pod of
    // openshift-console names. Then the real, cluster-scoped Console.
    const db = app.context.db;
    await post("twin-elsewhere", [consoleUpdate("c0a50000-0000-4000-8000-000000000111", "15:00:00.000", "31000", OTHER_NAMESPACE)]);
    const [twin] = await objectsWithUidByNamespace(db, "twin-elsewhere", CONSOLE_UID);
    await post("twin-elsewhere", [podUpdate("c0a50000-0000-4000-8000-000000000112", "15:01:00.000", "25400")]);
    const [, placeholder] = await objectsWithUidByNamespace(db, "twin-elsewhere", CONSOLE_UID);
    expect(await objectsWithUidByNamespace(db, "twin-elsewhere", CONSOLE_UID)).toEqual([
      { id: twin!.id, ...CONSOLE, namespace: OTHER_NAMESPACE, entries: 1 },
      { id: expect.any(Number), ...CONSOLE, namespace: NAMESPACE, entries: 0 },
    ]);
    expect((await parentsOf(db, "twin-elsewhere", POD, "owner")).map((r) => r.parent)).toEqual([placeholder!.id]);

    await post("twin-elsewhere", [consoleUpdate("c0a50000-0000-4000-8000-000000000113", "15:02:00.000", "31001")]);
    expect(await objectsWithUidByNamespace(db, "twin-elsewhere", CONSOLE_UID)).toEqual([
      { id: placeholder!.id, ...CONSOLE, namespace: "", entries: 1 },
      { id: twin!.id, ...CONSOLE, namespace: OTHER_NAMESPACE, entries: 1 },
    ]);
    expect((await parentsOf(db, "twin-elsewhere", POD, "owner")).map((r) => r.parent)).toEqual([placeholder!.id]);
  });

  it("never makes a Pod's placeholder owner the object of a third namespace written with its uid; the cluster-scoped owner still takes it", async () => {
    // The Pod comes first, then the twin in openshift-authentication, then the real Console.
    const db = app.context.db;
    await post("twin-after", [podUpdate("c0a50000-0000-4000-8000-000000000121", "15:00:00.000", "25400")]);
    const [placeholder] = await objectsWithUidByNamespace(db, "twin-after", CONSOLE_UID);
    await post("twin-after", [consoleUpdate("c0a50000-0000-4000-8000-000000000122", "15:01:00.000", "31000", OTHER_NAMESPACE)]);
    const [twin] = await objectsWithUidByNamespace(db, "twin-after", CONSOLE_UID);
    expect(await objectsWithUidByNamespace(db, "twin-after", CONSOLE_UID)).toEqual([
      { id: expect.any(Number), ...CONSOLE, namespace: OTHER_NAMESPACE, entries: 1 },
      { id: placeholder!.id, ...CONSOLE, namespace: NAMESPACE, entries: 0 },
    ]);
    expect(await inNamespace(db, "twin-after", OTHER_NAMESPACE)).toEqual(["consoles/cluster"]);

    await post("twin-after", [consoleUpdate("c0a50000-0000-4000-8000-000000000123", "15:02:00.000", "31001")]);
    expect(await objectsWithUidByNamespace(db, "twin-after", CONSOLE_UID)).toEqual([
      { id: placeholder!.id, ...CONSOLE, namespace: "", entries: 1 },
      { id: twin!.id, ...CONSOLE, namespace: OTHER_NAMESPACE, entries: 1 },
    ]);
    expect((await parentsOf(db, "twin-after", POD, "owner")).map((r) => r.parent)).toEqual([placeholder!.id]);
  });

  it("moves the owner of a Pod that shared a placeholder off it once the placeholder turns out to be an object of another namespace", async () => {
    // Pods of openshift-console and openshift-authentication name the Console: one placeholder,
    // in openshift-console, stands for an owner that can only be cluster-scoped. The twin is then
    // written in openshift-console: the openshift-authentication Pod's owner cannot be it, and its
    // next body takes it to a placeholder of its own namespace.
    const db = app.context.db;
    await post("shared-filled", [podUpdate("c0a50000-0000-4000-8000-000000000131", "15:00:00.000", "25400"), otherPodUpdate("c0a50000-0000-4000-8000-000000000132", "15:00:01.000", "25500")]);
    const [shared] = await objectsWithUidByNamespace(db, "shared-filled", CONSOLE_UID);
    expect((await parentsOf(db, "shared-filled", OTHER_POD, "owner")).map((r) => r.parent)).toEqual([shared!.id]);
    await post("shared-filled", [consoleUpdate("c0a50000-0000-4000-8000-000000000133", "15:01:00.000", "31001", NAMESPACE)]);
    await post("shared-filled", [podUpdate("c0a50000-0000-4000-8000-000000000134", "15:02:00.000", "25401"), otherPodUpdate("c0a50000-0000-4000-8000-000000000135", "15:02:01.000", "25501")]);

    const [own] = await objectsWithUidByNamespace(db, "shared-filled", CONSOLE_UID);
    expect(await objectsWithUidByNamespace(db, "shared-filled", CONSOLE_UID)).toEqual([
      { id: expect.any(Number), ...CONSOLE, namespace: OTHER_NAMESPACE, entries: 0 },
      { id: shared!.id, ...CONSOLE, namespace: NAMESPACE, entries: 1 },
    ]);
    expect(await parentsOf(db, "shared-filled", POD, "owner")).toEqual([{ parent: shared!.id, validFrom: at("15:00:00.000"), validTo: null }]);
    expect(await parentsOf(db, "shared-filled", OTHER_POD, "owner")).toEqual([
      { parent: shared!.id, validFrom: at("15:00:01.000"), validTo: at("15:02:01.000") },
      { parent: own!.id, validFrom: at("15:02:01.000"), validTo: null },
    ]);
  });
});

/**
 * Ingest beside another transaction that holds what it locked: another writer (the Console's
 * first write, the Pod's batch that names it), or the pruner deleting a row ingest finds by uid.
 * Neither sees what the other has not committed. The held one runs the store's own functions (or
 * the pruner's statements); the other goes through the ingestor, which must wait for it.
 */
describe("a Console and a Pod naming it beside another transaction, on postgres", () => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await openTestDatabase("postgres");
  });
  afterAll(() => test?.dispose());

  /** Runs `work` in a transaction that stays open, with what it locked, until `commit` is called. */
  async function holdOpen(db: Database, work: (tx: Transaction) => Promise<unknown>): Promise<{ commit(): Promise<void> }> {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let done!: () => void;
    const isDone = new Promise<void>((resolve) => (done = resolve));
    const transaction = db.transaction(async (tx) => {
      await work(tx);
      done();
      await released;
    });
    await Promise.race([isDone, transaction]);
    return { commit: () => (release(), transaction) };
  }

  /** Stores `event` as ingest does, in a transaction held open (holdOpen). */
  async function storeHeldOpen(db: Database, cluster: string, event: EditableObject): Promise<{ commit(): Promise<void> }> {
    const clusterId = await new ClusterRegistry(db).idOf(cluster);
    const parsed = parseAuditEvent(event);
    if (!parsed.ok) throw new Error(parsed.error);
    const write = convertAuditEvent(parsed.event, TEST_CONVERT_OPTIONS) as AuditWrite;
    return holdOpen(db, async (tx) => {
      const ids = new ObjectIdPool(0);
      const plan = await planWrites(tx, clusterId, [write], await lockAndLoadObjects(tx, clusterId, [write.object]), null, ids);
      await Promise.all([storeWrites(tx, clusterId, plan, null), applyRelationClaims(tx, clusterId, observeRelations(plan.takeObservations(), BUILTIN_LINKERS), ids)]);
    });
  }

  /**
   * Deletes the object `id` as retention's pruner does (server/store/retention/prune.ts: under
   * the advisory lock of its name, once nothing refers to it), in a transaction held open.
   */
  async function pruneHeldOpen(db: Database, cluster: string, id: number): Promise<{ commit(): Promise<void> }> {
    const clusterId = await new ClusterRegistry(db).idOf(cluster);
    const row = (await db.query<{ api_group: string; resource: string; namespace: string; name: string }>(`SELECT api_group, resource, namespace, name FROM objects WHERE id = $1`, [id])).rows[0]!;
    const lockId = advisoryLockIdOf(objectKeyOf(clusterId, { apiGroup: row.api_group, resource: row.resource, namespace: row.namespace, name: row.name }));
    return holdOpen(db, async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock($1)`, [lockId]);
      // What the pruner leaves nothing of before it deletes an object: its history and relations.
      await tx.query(`DELETE FROM history_entries WHERE object_id = $1`, [id]);
      await tx.query(`DELETE FROM relations WHERE from_object_id = $1 OR to_object_id = $1`, [id]);
      await tx.query(`DELETE FROM object_states WHERE object_id = $1`, [id]);
      await tx.query(`DELETE FROM objects WHERE id = $1`, [id]);
    });
  }

  /** Rows of history and relations that name an object no longer there. */
  async function dangling(db: Database): Promise<number> {
    const result = await db.query<{ n: number }>(
      `SELECT (SELECT count(*) FROM history_entries h WHERE NOT EXISTS (SELECT 1 FROM objects o WHERE o.id = h.object_id))
            + (SELECT count(*) FROM relations r WHERE NOT EXISTS (SELECT 1 FROM objects o WHERE o.id = r.from_object_id)
                                                  OR NOT EXISTS (SELECT 1 FROM objects o WHERE o.id = r.to_object_id)) AS n`,
    );
    return Number(result.rows[0]!.n);
  }

  /**
   * Resolves once `work` has settled ("settled") or waits for a lock: then with the lock's type
   * ("advisory" for the locks on names, "transactionid" for a row another transaction changed).
   */
  async function settledOrWaiting(work: Promise<unknown>): Promise<string> {
    let settled = false;
    void work.then(
      () => (settled = true),
      () => (settled = true),
    );
    for (;;) {
      if (settled) return "settled";
      const waiting = await test.db.query<{ locktype: string }>(
        `SELECT l.locktype FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE NOT l.granted AND a.datname = current_database()`,
      );
      if (waiting.rows.length > 0) return waiting.rows[0]!.locktype;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /**
   * Stores `held` in a transaction held open, and `then` through the ingestor beside it, which
   * must wait for a lock on a name until the first commits.
   */
  async function storeBesideHeld(cluster: string, held: EditableObject, then: EditableObject): Promise<void> {
    const holder = await storeHeldOpen(test.db, cluster, held);
    const other = createAuditIngestor(test.db, TEST_CONVERT_OPTIONS).ingest(cluster, [then]);
    try {
      expect(await settledOrWaiting(other)).toBe("advisory");
    } finally {
      await holder.commit();
      await other;
    }
  }

  it.each([
    ["the Console's write", "race-console", () => consoleUpdate("c0a50000-0000-4000-8000-000000000051", "15:01:00.000", "31001"), () => podUpdate("c0a50000-0000-4000-8000-000000000052", "15:00:00.000", "25400")],
    ["the Pod's placeholder", "race-pod", () => podUpdate("c0a50000-0000-4000-8000-000000000062", "15:00:00.000", "25400"), () => consoleUpdate("c0a50000-0000-4000-8000-000000000061", "15:01:00.000", "31001")],
    // The Pod's relation names `redises`, the Redis's write `redis`: the writer locks the name the
    // guess gives too, as both lock the Console's cluster-scoped name.
    ["the Redis's write", "race-redis", () => redisUpdate("c0a50000-0000-4000-8000-0000000001e1", "15:01:00.000", "41001"), () => redisPodUpdate("c0a50000-0000-4000-8000-0000000001e2", "15:00:00.000", "25400")],
    ["the placeholder of the Redis", "race-redis-pod", () => redisPodUpdate("c0a50000-0000-4000-8000-0000000001e3", "15:00:00.000", "25400"), () => redisUpdate("c0a50000-0000-4000-8000-0000000001e4", "15:01:00.000", "41001")],
  ])("makes one owner of the Pod, the cluster-scoped Console or a Redis whose plural its kind does not give, when %s is stored first", async (_first, cluster, held, then) => {
    const [uid, owner] = cluster.startsWith("race-redis") ? [REDIS_UID, REDIS] : [CONSOLE_UID, { ...CONSOLE, namespace: "" }];
    // The other writer must wait for the first to commit: the owner's name is what both lock.
    await storeBesideHeld(cluster, held(), then());
    const [stored] = await objectsWithUid(test.db, cluster, uid);
    expect(await objectsWithUid(test.db, cluster, uid)).toEqual([{ id: stored!.id, ...owner, entries: 1 }]);
    expect((await parentsOf(test.db, cluster, POD, "owner")).map((r) => r.parent)).toEqual([stored!.id]);
  });

  it.each([
    ["the Deployment's write through apps", "race-apps-write", () => kubeDnsWrite("c0a50000-0000-4000-8000-000000000251", "2017-12-14T10:01:00Z", "apps", "1001"), () => kubeDnsReplicaSetUpdate("c0a50000-0000-4000-8000-000000000252")],
    ["the ReplicaSet naming it through extensions", "race-extensions-owner", () => kubeDnsReplicaSetUpdate("c0a50000-0000-4000-8000-000000000253"), () => kubeDnsWrite("c0a50000-0000-4000-8000-000000000254", "2017-12-14T10:01:00Z", "apps", "1001")],
    ["the Deployment's write through extensions", "race-extensions-write", () => kubeDnsWrite("c0a50000-0000-4000-8000-000000000255", "2017-12-14T10:01:00Z", "extensions", "1001"), () => kubeDnsReplicaSetUpdate("c0a50000-0000-4000-8000-000000000256", "apps")],
    ["the ReplicaSet naming it through apps", "race-apps-owner", () => kubeDnsReplicaSetUpdate("c0a50000-0000-4000-8000-000000000257", "apps"), () => kubeDnsWrite("c0a50000-0000-4000-8000-000000000258", "2017-12-14T10:01:00Z", "extensions", "1001")],
  ])("makes one Deployment of a ReplicaSet's owner and its write through the other API group when %s is stored first", async (_first, cluster, held, then) => {
    // Stored at once, neither would see the other's row: the owner's placeholder would hold the
    // uid under one group's name beside the object under the other's. The batch naming or
    // writing it through extensions locks the newer group's name too, which the other locks.
    await storeBesideHeld(cluster, held(), then());
    const writtenThrough = cluster.endsWith("apps-write") || cluster.endsWith("extensions-owner") ? "apps" : "extensions";
    const [stored] = await objectsWithUid(test.db, cluster, KUBE_DNS_UID);
    expect(await objectsWithUid(test.db, cluster, KUBE_DNS_UID)).toEqual([
      { id: stored!.id, ...KUBE_DNS, apiGroup: writtenThrough, apiVersion: writtenThrough === "apps" ? "v1beta2" : "v1beta1", entries: 1 },
    ]);
    expect((await parentsOf(test.db, cluster, "kube-dns-545bc4bfd4", "controller-owner")).map((r) => r.parent)).toEqual([stored!.id]);
  });

  /** The Redis's update at Metadata level: objectRef gives its uid (the request body's), and no body a kind. */
  const redisMetadataUpdate = (id: string, clock: string) => {
    const update = metadataLevel(redisUpdate(id, clock, "41001"), "update");
    update.objectRef.uid = REDIS_UID;
    return update;
  };

  it.each([
    ["the Redis's Metadata-level update", "race-redis-metadata", () => redisMetadataUpdate("c0a50000-0000-4000-8000-000000000281", "15:01:00.000"), () => redisPodUpdate("c0a50000-0000-4000-8000-000000000282", "15:00:00.000", "25400")],
    ["the placeholder of the Redis", "race-redis-metadata-pod", () => redisPodUpdate("c0a50000-0000-4000-8000-000000000283", "15:00:00.000", "25400"), () => redisMetadataUpdate("c0a50000-0000-4000-8000-000000000284", "15:01:00.000")],
  ])("makes one owner of the Pod, a Redis written at Metadata level (no kind to guess its plural from), when %s is stored first", async (_first, cluster, held, then) => {
    // The Pod's relation names `redises`, the update `redis`, and tells no kind: no name is locked
    // by both. The uid is, by the update that brings it and the relation about to make a
    // placeholder holding it.
    await storeBesideHeld(cluster, held(), then());
    const stored = await objectsWithUid(test.db, cluster, REDIS_UID);
    expect(stored.map(({ resource, namespace, name, entries }) => ({ resource, namespace, name, entries }))).toEqual([{ resource: "redis", namespace: NAMESPACE, name: REDIS.name, entries: 1 }]);
    expect((await parentsOf(test.db, cluster, POD, "owner")).map((r) => r.parent)).toEqual([stored[0]!.id]);
  });

  it.each([
    ["the Console's update", "race-patched-console", () => consoleUpdate("c0a50000-0000-4000-8000-000000000291", "15:01:00.000", "31001"), () => podUpdate("c0a50000-0000-4000-8000-000000000292", "15:00:00.000", "25400")],
    ["the Pod's placeholder", "race-patched-console-pod", () => podUpdate("c0a50000-0000-4000-8000-000000000293", "15:00:00.000", "25400"), () => consoleUpdate("c0a50000-0000-4000-8000-000000000294", "15:01:00.000", "31001")],
  ])("makes one Console of the row its Metadata-level patch made when %s is stored first", async (_first, cluster, held, then) => {
    // The patch gave no uid. Stored second, the update finds the Pod's placeholder by uid and the
    // patch's row under its name, and merges that row into the placeholder.
    await createAuditIngestor(test.db, TEST_CONVERT_OPTIONS).ingest(cluster, [metadataLevel(consoleUpdate("c0a50000-0000-4000-8000-000000000290", "14:59:00.000", "30999"), "patch")]);
    await storeBesideHeld(cluster, held(), then());
    const [stored] = await objectsWithUid(test.db, cluster, CONSOLE_UID);
    expect(await objectsWithUid(test.db, cluster, CONSOLE_UID)).toEqual([{ id: stored!.id, ...CONSOLE, namespace: "", entries: 2 }]);
    const consoles = await test.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM objects o JOIN clusters c ON c.id = o.cluster_id WHERE c.name = $1 AND o.resource = 'consoles'`, [cluster]);
    expect(consoles.rows[0]!.n).toBe(1);
    expect((await parentsOf(test.db, cluster, POD, "owner")).map((r) => r.parent)).toEqual([stored!.id]);
    expect(await dangling(test.db)).toBe(0);
  });

  it("makes one placeholder for an owner that Pods of two namespaces name in batches stored at once", async () => {
    // Each batch would miss the other's uncommitted placeholder: the second waits for the first.
    const cluster = "two-namespaces-at-once";
    const first = await storeHeldOpen(test.db, cluster, podUpdate("c0a50000-0000-4000-8000-0000000000b1", "15:00:00.000", "25400"));
    const second = createAuditIngestor(test.db, TEST_CONVERT_OPTIONS).ingest(cluster, [otherPodUpdate("c0a50000-0000-4000-8000-0000000000b2", "15:00:01.000", "25500")]);
    try {
      expect(await settledOrWaiting(second)).toBe("advisory");
    } finally {
      await first.commit();
      await second;
    }
    const [placeholder] = await objectsWithUid(test.db, cluster, CONSOLE_UID);
    expect(await objectsWithUid(test.db, cluster, CONSOLE_UID)).toEqual([{ id: placeholder!.id, ...CONSOLE, namespace: NAMESPACE, entries: 0 }]);
    expect((await parentsOf(test.db, cluster, OTHER_POD, "owner")).map((r) => r.parent)).toEqual([placeholder!.id]);
  });

  it("gives a Pod no owner of another namespace that the placeholder it found became while it waited for that name", async () => {
    // The Pod of openshift-authentication finds the placeholder the Pod of openshift-console
    // made, shared while the owner may be cluster-scoped; meanwhile the twin's write in
    // openshift-console, not yet committed, makes that placeholder an object of its namespace.
    const cluster = "filled-meanwhile";
    await createAuditIngestor(test.db, TEST_CONVERT_OPTIONS).ingest(cluster, [podUpdate("c0a50000-0000-4000-8000-000000000161", "15:00:00.000", "25400")]);
    const [shared] = await objectsWithUid(test.db, cluster, CONSOLE_UID);
    const twin = await storeHeldOpen(test.db, cluster, consoleUpdate("c0a50000-0000-4000-8000-000000000162", "15:01:00.000", "31001", NAMESPACE));
    const other = createAuditIngestor(test.db, TEST_CONVERT_OPTIONS).ingest(cluster, [otherPodUpdate("c0a50000-0000-4000-8000-000000000163", "15:02:00.000", "25500")]);
    try {
      expect(await settledOrWaiting(other)).toBe("advisory");
    } finally {
      await twin.commit();
      await other;
    }
    const rows = await objectsWithUidByNamespace(test.db, cluster, CONSOLE_UID);
    expect(rows).toEqual([
      { id: expect.any(Number), ...CONSOLE, namespace: OTHER_NAMESPACE, entries: 0 },
      { id: shared!.id, ...CONSOLE, namespace: NAMESPACE, entries: 1 },
    ]);
    expect((await parentsOf(test.db, cluster, OTHER_POD, "owner")).map((r) => r.parent)).toEqual([rows[0]!.id]);
  });

  /** Resolves once `count` transactions wait for a lock on a name; rejects if one of `works` fails first. */
  async function untilWaiting(count: number, ...works: Array<Promise<unknown>>): Promise<void> {
    let failed: unknown = null;
    for (const work of works) work.catch((error) => (failed ??= error));
    for (;;) {
      if (failed !== null) throw failed;
      const waiting = await test.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
          WHERE NOT l.granted AND l.locktype = 'advisory' AND a.datname = current_database()`,
      );
      if (waiting.rows[0]!.n >= count) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it("stores a Pod created with the Console as its owner beside a batch writing the Console and waiting for the Pod's batch, without a deadlock", async () => {
    // The Pod's batch creates the real console-6f454f786d-mxr8m and updates its ReplicaSet; the
    // other batch updates the Console (its operator) and the ReplicaSet's other Pod, whose first
    // body names that ReplicaSet. A batch locks the names its creates point to with the names it
    // writes, in one order; one that locked the Console's name only once it found the Console by
    // uid held the ReplicaSet meanwhile, which the Console's batch waited for while holding the
    // Console: a cycle Postgres breaks by failing one of them.
    const cluster = "console-rollout";
    await createAuditIngestor(test.db, TEST_CONVERT_OPTIONS).ingest(cluster, [consoleUpdate("c0a50000-0000-4000-8000-000000000091", "15:01:00.000", "31001")]);
    const [console] = await objectsWithUid(test.db, cluster, CONSOLE_UID);
    const replicaSet = openshiftObject(NAMESPACE, "apps/replicasets.yaml", "console-6f454f786d");
    const secondPod = openshiftObject(NAMESPACE, "core/pods.yaml", "console-6f454f786d-xgq64");
    // A third batch, the Deployment's, holds the Pod's batch back until the Console's batch waits too.
    const deployment = await storeHeldOpen(
      test.db,
      cluster,
      writeEvent({ id: "c0a50000-0000-4000-8000-000000000092", at: at("15:02:00.000"), verb: "update", apiGroup: "apps", resource: "deployments", body: openshiftObject(NAMESPACE, "apps/deployments.yaml", "console") }),
    );
    const podBatch = createAuditIngestor(test.db, TEST_CONVERT_OPTIONS).ingest(cluster, [
      writeEvent({ id: "c0a50000-0000-4000-8000-000000000093", at: at("15:02:01.000"), verb: "update", apiGroup: "apps", resource: "replicasets", body: replicaSet }),
      writeEvent({ id: "c0a50000-0000-4000-8000-000000000094", at: at("15:02:02.000"), verb: "create", apiGroup: "", resource: "pods", body: pod("25400") }),
    ]);
    let consoleBatch: Promise<unknown> = Promise.resolve();
    try {
      await untilWaiting(1, podBatch);
      consoleBatch = createAuditIngestor(test.db, TEST_CONVERT_OPTIONS).ingest(cluster, [
        consoleUpdate("c0a50000-0000-4000-8000-000000000095", "15:02:03.000", "31002"),
        writeEvent({ id: "c0a50000-0000-4000-8000-000000000096", at: at("15:02:04.000"), verb: "update", apiGroup: "", resource: "pods", body: secondPod }),
      ]);
      await untilWaiting(2, podBatch, consoleBatch);
    } finally {
      await deployment.commit();
    }
    const [pods, consoles] = await Promise.allSettled([podBatch, consoleBatch]);
    expect([pods.status, consoles.status, (pods as PromiseRejectedResult).reason?.message ?? (consoles as PromiseRejectedResult).reason?.message]).toEqual(["fulfilled", "fulfilled", undefined]);
    expect(await objectsWithUid(test.db, cluster, CONSOLE_UID)).toEqual([{ id: console!.id, ...CONSOLE, namespace: "", entries: 2 }]);
    expect((await parentsOf(test.db, cluster, POD, "owner")).map((r) => r.parent)).toEqual([console!.id]);
  });

  it("links a Pod's ownerReference to the Console found by uid only once the Console's name is locked: the pruner may be deleting it", async () => {
    await createAuditIngestor(test.db, TEST_CONVERT_OPTIONS).ingest("pruned-owner", [consoleUpdate("c0a50000-0000-4000-8000-000000000071", "15:01:00.000", "31001")]);
    const [console] = await objectsWithUid(test.db, "pruned-owner", CONSOLE_UID);
    const pruner = await pruneHeldOpen(test.db, "pruned-owner", console!.id);
    const pod = createAuditIngestor(test.db, TEST_CONVERT_OPTIONS).ingest("pruned-owner", [podUpdate("c0a50000-0000-4000-8000-000000000072", "15:02:00.000", "25400")]);
    try {
      expect(await settledOrWaiting(pod)).toBe("advisory");
    } finally {
      await pruner.commit();
      await pod;
    }
    // The Console is gone: the Pod's owner is a placeholder again, not a row that is no more.
    expect(await dangling(test.db)).toBe(0);
    const [placeholder] = await objectsWithUid(test.db, "pruned-owner", CONSOLE_UID);
    expect(placeholder).toEqual({ id: expect.any(Number), ...CONSOLE, namespace: NAMESPACE, entries: 0 });
    expect((await parentsOf(test.db, "pruned-owner", POD, "owner")).map((r) => r.parent)).toEqual([placeholder!.id]);
  });

  it("writes the Console's history on the placeholder found by uid only once the placeholder's name is locked: the pruner may be deleting it", async () => {
    await createAuditIngestor(test.db, TEST_CONVERT_OPTIONS).ingest("pruned-placeholder", [podUpdate("c0a50000-0000-4000-8000-000000000081", "15:00:00.000", "25400")]);
    const [placeholder] = await objectsWithUid(test.db, "pruned-placeholder", CONSOLE_UID);
    const pruner = await pruneHeldOpen(test.db, "pruned-placeholder", placeholder!.id);
    const console = createAuditIngestor(test.db, TEST_CONVERT_OPTIONS).ingest("pruned-placeholder", [consoleUpdate("c0a50000-0000-4000-8000-000000000082", "15:01:00.000", "31001")]);
    try {
      expect(await settledOrWaiting(console)).toBe("advisory");
    } finally {
      await pruner.commit();
      await console;
    }
    expect(await dangling(test.db)).toBe(0);
    expect(await objectsWithUid(test.db, "pruned-placeholder", CONSOLE_UID)).toEqual([{ id: expect.any(Number), ...CONSOLE, namespace: "", entries: 1 }]);
  });

  it("stores again, and keeps, a batch that Postgres fails for a deadlock through the uid a Redis written at Metadata level brings", async () => {
    // The Redis's Metadata-level update locks its uid, after its names; a batch about to make a
    // placeholder holding that uid locks it shared, after its names too. The held batch writes
    // the ReplicaSet downloads-8b49bb4c5 and the Pod naming the Redis; the ingested one the Redis
    // and a Pod naming that ReplicaSet, whose name it locks only once its uid is held (an update's
    // relations are looked up after its writes). Each waits for the other: Postgres fails the one
    // that waited first, the ingested one, which is stored again once the held one has committed.
    const cluster = "uid-deadlock";
    const clusterId = await new ClusterRegistry(test.db).idOf(cluster);
    const heldWrites = [
      writeEvent({ id: "c0a50000-0000-4000-8000-0000000002a1", at: at("15:00:00.000"), verb: "update", apiGroup: "apps", resource: "replicasets", body: openshiftObject(NAMESPACE, "apps/replicasets.yaml", "downloads-8b49bb4c5") }),
      redisPodUpdate("c0a50000-0000-4000-8000-0000000002a2", "15:00:01.000", "25400"),
    ].map((event) => {
      const parsed = parseAuditEvent(event);
      if (!parsed.ok) throw new Error(parsed.error);
      return convertAuditEvent(parsed.event, TEST_CONVERT_OPTIONS) as AuditWrite;
    });
    let resume!: () => void;
    const resumed = new Promise<void>((resolve) => (resume = resolve));
    let locked!: () => void;
    const heldLocked = new Promise<void>((resolve) => (locked = resolve));
    const held = holdOpen(test.db, async (tx) => {
      const ids = new ObjectIdPool(0);
      const objects = await lockAndLoadObjects(tx, clusterId, heldWrites.map((w) => w.object));
      locked();
      await resumed;
      const plan = await planWrites(tx, clusterId, heldWrites, objects, null, ids);
      await Promise.all([storeWrites(tx, clusterId, plan, null), applyRelationClaims(tx, clusterId, observeRelations(plan.takeObservations(), BUILTIN_LINKERS), ids)]);
    });
    await heldLocked;
    const batch = [
      redisMetadataUpdate("c0a50000-0000-4000-8000-0000000002a3", "15:00:02.000"),
      writeEvent({ id: "c0a50000-0000-4000-8000-0000000002a4", at: at("15:00:03.000"), verb: "update", apiGroup: "", resource: "pods", body: openshiftObject(NAMESPACE, "core/pods.yaml", "downloads-8b49bb4c5-2rj89") }),
    ];
    // As the webhook and the import hand a batch over: a function, which the ingestor may call again.
    const ingested = createAuditIngestor(test.db, TEST_CONVERT_OPTIONS).ingest(cluster, () => structuredClone(batch));
    await untilWaiting(1, ingested);
    resume();
    await (await held).commit();
    expect(await ingested).toMatchObject({ accepted: 2, duplicates: 0, history: 2, rejected: [] });
    const stored = await objectsWithUid(test.db, cluster, REDIS_UID);
    expect(stored.map(({ resource, name, entries }) => ({ resource, name, entries }))).toEqual([{ resource: "redis", name: REDIS.name, entries: 1 }]);
    expect((await parentsOf(test.db, cluster, POD, "owner")).map((r) => r.parent)).toEqual([stored[0]!.id]);
    const replicaSets = await test.db.query<{ id: number }>(`SELECT o.id FROM objects o JOIN clusters c ON c.id = o.cluster_id WHERE c.name = $1 AND o.name = 'downloads-8b49bb4c5'`, [cluster]);
    expect((await parentsOf(test.db, cluster, "downloads-8b49bb4c5-2rj89", "controller-owner")).map((r) => r.parent)).toEqual(replicaSets.rows.map((r) => Number(r.id)));
    const entries = await test.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM history_entries h JOIN clusters c ON c.id = h.cluster_id WHERE c.name = $1`, [cluster]);
    expect(entries.rows[0]!.n).toBe(4);
  });

  /** `db`, with the name of each statement its transactions send (a prepared one's, else its first words) added to `sent`. */
  function recordingStatements(db: Database, sent: string[]): Database {
    const named = (statement: Statement) => (typeof statement === "string" ? statement.trim().split(/\s+/, 3).join(" ") : statement.name);
    return new Proxy(db, {
      get(target, property) {
        if (property === "transaction") {
          return <T,>(work: (tx: Transaction) => Promise<T>) =>
            target.transaction((tx) =>
              work({
                query: (statement, params) => (sent.push(named(statement)), tx.query(statement, params)),
                copyFrom: (table, columns, text) => (sent.push(`COPY ${table}`), tx.copyFrom(table, columns, text)),
              }),
            );
        }
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  }

  it("sends nothing more for a Redis's Metadata-level update, nor a write of a name whose latest row holds its uid", async () => {
    // The uid lock, the question to rows holding no uid and the move of their history are for
    // writes whose uid no row of their names holds, or whose row holds none (docs/storage.md).
    const cluster = "ordinary-writes";
    const sent: string[] = [];
    const ingestor = createAuditIngestor(recordingStatements(test.db, sent), TEST_CONVERT_OPTIONS);
    await ingestor.ingest(cluster, () => [redisUpdate("c0a50000-0000-4000-8000-0000000002b1", "15:00:00.000", "41001"), consoleUpdate("c0a50000-0000-4000-8000-0000000002b2", "15:00:00.000", "31001")]);
    sent.length = 0;
    await ingestor.ingest(cluster, () => [
      redisMetadataUpdate("c0a50000-0000-4000-8000-0000000002b3", "15:01:00.000"),
      metadataLevel(redisUpdate("c0a50000-0000-4000-8000-0000000002b4", "15:01:01.000", "41002"), "patch"),
      consoleUpdate("c0a50000-0000-4000-8000-0000000002b5", "15:01:02.000", "31002"),
    ]);
    expect(sent).toEqual(["kt_record_receipts", "kt_lock_objects", "kt_latest_by_name", "kt_update_objects", "kt_upsert_states", "COPY history_entries", "kt_open_relations"]);
  });
});

/**
 * A cluster-scoped object may name a namespaced one by uid: a PersistentVolume's `spec.claimRef`
 * gives its claim's namespace, name and uid. No built-in linker reads it (the claim names its
 * volume), so this one does, as a plugin may. The capture holds no volume or claim: both are
 * written here as the API serves them, for OpenShift's image registry on a cluster with storage.
 */
const claimRefLinker: Linker = {
  name: "test-claimRef",
  claims(body, self) {
    if (self.apiGroup !== "" || self.resource !== "persistentvolumes") return [];
    const ref = objectAt(body, "spec", "claimRef");
    const [namespace, name] = [stringAt(ref ?? undefined, "namespace"), stringAt(ref ?? undefined, "name")];
    if (!namespace || !name) return [];
    return [{ kind: "bound-volume", role: "child", other: coreReference("persistentvolumeclaims", "PersistentVolumeClaim", namespace, name, stringAt(ref ?? undefined, "uid")) }];
  },
};

const REGISTRY_NAMESPACE = "openshift-image-registry";
const CLAIM_UID = "b3c6e0a4-2f5d-4e71-9c8a-0d4f1e2a3b5c";

function registryClaim(): EditableObject {
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: {
      name: "image-registry-storage",
      namespace: REGISTRY_NAMESPACE,
      uid: CLAIM_UID,
      resourceVersion: "18204",
      creationTimestamp: "2021-09-13T14:20:41Z",
      annotations: { "imageregistry.openshift.io": "true", "pv.kubernetes.io/bind-completed": "yes" },
      finalizers: ["kubernetes.io/pvc-protection"],
    },
    spec: { accessModes: ["ReadWriteMany"], resources: { requests: { storage: "100Gi" } }, storageClassName: "azurefile-csi", volumeMode: "Filesystem", volumeName: `pvc-${CLAIM_UID}` },
    status: { phase: "Bound", accessModes: ["ReadWriteMany"], capacity: { storage: "100Gi" } },
  };
}

/** The volume bound to the registry's claim; `claimNamespace` only to make one naming it in another namespace. */
function registryVolume(name: string, uid: string, claimNamespace = REGISTRY_NAMESPACE): EditableObject {
  return {
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: { name, uid, resourceVersion: "18210", creationTimestamp: "2021-09-13T14:20:44Z", finalizers: ["kubernetes.io/pv-protection"] },
    spec: {
      accessModes: ["ReadWriteMany"],
      capacity: { storage: "100Gi" },
      claimRef: { apiVersion: "v1", kind: "PersistentVolumeClaim", namespace: claimNamespace, name: "image-registry-storage", uid: CLAIM_UID, resourceVersion: "18190" },
      csi: { driver: "file.csi.azure.com", volumeHandle: `ci-ln-k7vx6h2-002ac#${name}` },
      persistentVolumeReclaimPolicy: "Delete",
      storageClassName: "azurefile-csi",
      volumeMode: "Filesystem",
    },
    status: { phase: "Bound" },
  };
}

describe.each(STORE_KINDS)("a cluster-scoped object naming a namespaced one by uid on %s", (kind) => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await openTestDatabase(kind);
  });
  afterAll(() => test?.dispose());

  it("links it in the namespace its claim gives, and to no object of another namespace holding that uid", async () => {
    const ingestor = createAuditIngestor(test.db, TEST_CONVERT_OPTIONS, {}, [...BUILTIN_LINKERS, claimRefLinker]);
    const bound = `pvc-${CLAIM_UID}`;
    await ingestor.ingest("volumes", [
      writeEvent({ id: "c0a50000-0000-4000-8000-000000000141", at: at("14:20:41.000"), verb: "create", apiGroup: "", resource: "persistentvolumeclaims", body: registryClaim() }),
      writeEvent({ id: "c0a50000-0000-4000-8000-000000000142", at: at("14:20:44.000"), verb: "create", apiGroup: "", resource: "persistentvolumes", body: registryVolume(bound, "e5a0c1d2-6b7f-4a38-8e9d-1c2b3a4d5e6f") }),
      // An edited volume: its claim put in openshift-console, with the registry claim's uid.
      writeEvent({ id: "c0a50000-0000-4000-8000-000000000143", at: at("14:20:45.000"), verb: "create", apiGroup: "", resource: "persistentvolumes", body: registryVolume("pvc-edited", "f6b1d2e3-7c80-4b49-9fae-2d3c4b5e6f70", NAMESPACE) }),
    ]);
    const claims = await objectsWithUidByNamespace(test.db, "volumes", CLAIM_UID);
    const claim = { apiGroup: "", apiVersion: "v1", resource: "persistentvolumeclaims", kind: "PersistentVolumeClaim", name: "image-registry-storage" };
    expect(claims).toEqual([
      { id: expect.any(Number), ...claim, namespace: NAMESPACE, entries: 0 },
      { id: expect.any(Number), ...claim, namespace: REGISTRY_NAMESPACE, entries: 1 },
    ]);
    const children = await test.db.query<{ volume: string; claim: number }>(
      `SELECT f.name AS volume, r.to_object_id AS claim FROM relations r JOIN objects f ON f.id = r.from_object_id
        WHERE r.kind = 'bound-volume' AND r.claimed_by_id = r.from_object_id ORDER BY f.name`,
    );
    expect(children.rows.map((r) => [r.volume, Number(r.claim)])).toEqual([
      [bound, claims[1]!.id],
      ["pvc-edited", claims[0]!.id],
    ]);
  });
});
