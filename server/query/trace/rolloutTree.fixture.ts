import type { Sql } from "../../store/database";
import type { TestApp } from "../../testing/appHarness";
import { realApiserverPod, realApiserverReplicaSets, type EditableObject } from "../../testing/fixtures";
import { eventList, rolloutScenario } from "../../testing/scenarios/rollout";

/**
 * A Deployment with its ReplicaSets and Pods, for trace tests: the rollout scenario of the
 * Deployment openshift-apiserver/apiserver (create 14:54:16 … delete 15:02:16 on 2021-09-13),
 * plus audit events for its three real ReplicaSets and for Pods — the three real Pods of
 * apiserver-5d887d5fcd and one of apiserver-85b76d5494 (a real Pod renamed) — created with
 * generateName the way the replicaset controller does, then updated by the kubelet.
 *
 * The relations — controller-owner Deployment → ReplicaSet → Pod, node Node → Pod — are the
 * ones the linkers state from these bodies; loadRolloutTree inserts any the store lacks, so the
 * trace tests hold whatever the linkers do, and adds one no body here states: endpoint-target
 * EndpointSlice → Pod for one Pod (a second, weaker hierarchical parent).
 */

export const CONTROLLERS = {
  deployment: { username: "system:serviceaccount:kube-system:deployment-controller", groups: ["system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"] },
  replicaset: { username: "system:serviceaccount:kube-system:replicaset-controller", groups: ["system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"] },
  kubelet: (node: string) => ({ username: `system:node:${node}`, groups: ["system:nodes", "system:authenticated"] }),
};
export const KCM_AGENT = (sa: string) => `kube-controller-manager/v1.21.1 (linux/amd64) kubernetes/a4ab7a9/system:serviceaccount:kube-system:${sa}`;
const KUBELET_AGENT = "kubelet/v1.21.1+f36aa36 (linux/amd64) kubernetes/f36aa36";
const NAMESPACE = "openshift-apiserver";

export const RS_OLD = "apiserver-85b76d5494";
export const RS_MIDDLE = "apiserver-675785f59";
export const RS_NEW = "apiserver-5d887d5fcd";
export const OLD_POD = "apiserver-85b76d5494-9fz2k";
export const NEW_PODS = ["apiserver-5d887d5fcd-mrn5h", "apiserver-5d887d5fcd-qnvqh", "apiserver-5d887d5fcd-xdwdd"];
export const SLICE = "api-7xk2p";

let auditCounter = 0;
let resourceVersion = 30_000;

export function write(at: string, fields: { user: { username: string; groups: string[] }; userAgent: string; verb: string; resource: string; apiGroup: string; name?: string; subresource?: string; requestObject?: EditableObject; responseObject?: EditableObject; code: number }): EditableObject {
  const received = new Date(at);
  const path = fields.apiGroup === "" ? `/api/v1/namespaces/${NAMESPACE}/${fields.resource}` : `/apis/${fields.apiGroup}/v1/namespaces/${NAMESPACE}/${fields.resource}`;
  return {
    kind: "Event",
    apiVersion: "audit.k8s.io/v1",
    level: "RequestResponse",
    auditID: `7a1e9c44-0000-4000-8000-${String(++auditCounter).padStart(12, "0")}`,
    stage: "ResponseComplete",
    requestURI: fields.name ? `${path}/${fields.name}${fields.subresource ? `/${fields.subresource}` : ""}` : path,
    verb: fields.verb,
    user: fields.user,
    sourceIPs: ["10.0.0.3"],
    userAgent: fields.userAgent,
    objectRef: {
      resource: fields.resource,
      namespace: NAMESPACE,
      ...(fields.name ? { name: fields.name } : {}),
      apiGroup: fields.apiGroup,
      apiVersion: "v1",
      ...(fields.subresource ? { subresource: fields.subresource } : {}),
    },
    responseStatus: { metadata: {}, code: fields.code },
    ...(fields.requestObject ? { requestObject: fields.requestObject } : {}),
    ...(fields.responseObject ? { responseObject: fields.responseObject } : {}),
    requestReceivedTimestamp: received.toISOString().replace("Z", "000Z"),
    stageTimestamp: new Date(received.getTime() + 5).toISOString().replace("Z", "000Z"),
    annotations: { "authorization.k8s.io/decision": "allow", "authorization.k8s.io/reason": "" },
  };
}

export function stored(body: EditableObject): EditableObject {
  const copy = structuredClone(body);
  copy.metadata.resourceVersion = String(++resourceVersion);
  delete copy.metadata.managedFields;
  return copy;
}

/** A create as the controller sends it: no uid, resourceVersion or status; with generateName for Pods. */
export function createRequest(body: EditableObject, generateName: boolean): EditableObject {
  const request = structuredClone(body);
  for (const key of ["uid", "resourceVersion", "creationTimestamp", "managedFields"]) delete request.metadata[key];
  delete request.status;
  if (generateName) delete request.metadata.name;
  return request;
}

function replicaSetEvents(): EditableObject[] {
  const byName = new Map((realApiserverReplicaSets() as EditableObject[]).map((rs) => [rs.metadata.name as string, rs]));
  const events: EditableObject[] = [];
  for (const [name, at] of [[RS_OLD, "2021-09-13T14:54:20Z"], [RS_MIDDLE, "2021-09-13T14:58:20Z"], [RS_NEW, "2021-09-13T14:58:25Z"]] as const) {
    const rs = byName.get(name)!;
    const created = stored({ ...rs, status: { replicas: 0 } });
    events.push(write(at, { user: CONTROLLERS.deployment, userAgent: KCM_AGENT("deployment-controller"), verb: "create", resource: "replicasets", apiGroup: "apps", requestObject: createRequest(rs, false), responseObject: created, code: 201 }));
  }
  // The replicaset controller reports the new ReplicaSet's Pods.
  const rs = byName.get(RS_NEW)!;
  const status = stored({ ...rs, status: { replicas: 3, fullyLabeledReplicas: 3, observedGeneration: 1 } });
  events.push(write("2021-09-13T14:59:00Z", { user: CONTROLLERS.replicaset, userAgent: KCM_AGENT("replicaset-controller"), verb: "update", resource: "replicasets", apiGroup: "apps", name: RS_NEW, subresource: "status", requestObject: status, responseObject: status, code: 200 }));
  return events;
}

function podEvents(): EditableObject[] {
  const real = realApiserverPod() as EditableObject;
  const replicaSets = realApiserverReplicaSets() as EditableObject[];
  const newRs = replicaSets.find((rs) => rs.metadata.name === RS_NEW)!;
  const oldRs = replicaSets.find((rs) => rs.metadata.name === RS_OLD)!;
  const pods: Array<{ body: EditableObject; at: string }> = NEW_PODS.map((name, i) => {
    const body = structuredClone(real);
    body.metadata.name = name;
    body.metadata.uid = ["39535e5f-434f-4272-b118-8249ef72001c", "59f78c54-17f0-4910-9c80-ec2484886076", "33403a52-3a02-4841-8a1d-07f97a5853c5"][i];
    body.metadata.ownerReferences[0].uid = newRs.metadata.uid;
    body.spec.nodeName = `ci-ln-k7vx6h2-002ac-w7gjh-master-${i}`;
    return { body, at: `2021-09-13T14:58:${30 + i * 10}Z` };
  });
  const old = structuredClone(real);
  old.metadata.name = OLD_POD;
  old.metadata.generateName = `${RS_OLD}-`;
  old.metadata.uid = "0b7c6d0e-1f2a-4b3c-8d4e-5f6a7b8c9d0e";
  old.metadata.ownerReferences[0].name = RS_OLD;
  old.metadata.ownerReferences[0].uid = oldRs.metadata.uid;
  old.metadata.labels["pod-template-hash"] = "85b76d5494";
  old.spec.nodeName = "ci-ln-k7vx6h2-002ac-w7gjh-master-0";
  pods.unshift({ body: old, at: "2021-09-13T14:54:30Z" });

  const events: EditableObject[] = [];
  for (const { body, at } of pods) {
    const pending = stored({ ...body, status: { phase: "Pending", qosClass: body.status.qosClass } });
    events.push(write(at, { user: CONTROLLERS.replicaset, userAgent: KCM_AGENT("replicaset-controller"), verb: "create", resource: "pods", apiGroup: "", requestObject: createRequest(body, true), responseObject: pending, code: 201 }));
    const running = stored(body);
    const later = new Date(Date.parse(at) + 20_000).toISOString();
    events.push(write(later, { user: CONTROLLERS.kubelet(body.spec.nodeName), userAgent: KUBELET_AGENT, verb: "patch", resource: "pods", apiGroup: "", name: body.metadata.name, subresource: "status", requestObject: { status: body.status }, responseObject: running, code: 200 }));
  }
  return events;
}

/** Every audit event of the scenario, in time order. */
export function rolloutTreeEvents(): EditableObject[] {
  const all = [...rolloutScenario().map((step) => step.event), ...replicaSetEvents(), ...podEvents()];
  return all.sort((a, b) => Date.parse(a.requestReceivedTimestamp) - Date.parse(b.requestReceivedTimestamp));
}

/**
 * `events` with the annotation kubetrail.io/parent-link naming the Deployment apiserver on
 * every body of the Pod `pod` (its create's request and response, its status patch's
 * response) — or of the object `name` of another `resource` —, as a tool that links Pods to
 * their application would write it. The Pod is then reachable from the Deployment at two
 * depths: directly (parent-link) and through its ReplicaSet (controller-owner, the
 * better-ranked relation).
 */
export function withParentLinkToDeployment(events: EditableObject[], pod: string, resource = "pods"): EditableObject[] {
  const link = JSON.stringify({ group: "apps", version: "v1", resource: "deployments", name: "apiserver" });
  return events.map((event) => {
    if (event.objectRef.resource !== resource || (event.objectRef.name ?? event.responseObject?.metadata?.name) !== pod) return event;
    const copy = structuredClone(event);
    for (const body of [copy.requestObject, copy.responseObject]) {
      if (body?.metadata) body.metadata.annotations = { ...body.metadata.annotations, "kubetrail.io/parent-link": link };
    }
    return copy;
  });
}

/** The generic ephemeral volume withEphemeralVolume gives a Pod, and the claim Kubernetes makes for it (`<pod>-<volume>`). */
export const EPHEMERAL_VOLUME = "scratch";
export const ephemeralClaimOf = (pod: string) => `${pod}-${EPHEMERAL_VOLUME}`;
const EPHEMERAL_VOLUME_CONTROLLER = {
  username: "system:serviceaccount:kube-system:ephemeral-volume-controller",
  groups: ["system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"],
};

/**
 * `events` with a generic ephemeral volume `scratch` on the Pod `pod` (in every body of it), and
 * the create of the PersistentVolumeClaim that kube-controller-manager's ephemeral volume
 * controller makes for it a second after the Pod, as handleVolume in
 * pkg/controller/volume/ephemeral/controller.go makes it: named `<pod>-<volume>`, the volume
 * template's spec, the Pod as its controller owner. So the Pod owns an object a level below it
 * (controller-owner Pod → PersistentVolumeClaim), which also stays a reference of the Pod's
 * (volume-claim). The claim's spec is a scenario's (managed-premium is Azure's default class in
 * OpenShift 4.8, the cluster of the capture).
 */
export function withEphemeralVolume(events: EditableObject[], pod: string): EditableObject[] {
  const claimSpec = { accessModes: ["ReadWriteOnce"], storageClassName: "managed-premium", resources: { requests: { storage: "1Gi" } }, volumeMode: "Filesystem" };
  const volume = { name: EPHEMERAL_VOLUME, ephemeral: { volumeClaimTemplate: { spec: claimSpec } } };
  let podCreate: EditableObject | undefined;
  const changed = events.map((event) => {
    if (event.objectRef.resource !== "pods" || (event.objectRef.name ?? event.responseObject?.metadata?.name) !== pod) return event;
    const copy = structuredClone(event);
    for (const body of [copy.requestObject, copy.responseObject]) {
      if (body?.spec) body.spec.volumes = [...(body.spec.volumes ?? []), volume];
    }
    if (copy.verb === "create") podCreate = copy;
    return copy;
  });
  if (!podCreate) throw new Error(`no create of Pod ${pod} among the events`);
  const at = new Date(Date.parse(podCreate.requestReceivedTimestamp) + 1000).toISOString();
  const claim = {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: {
      name: ephemeralClaimOf(pod),
      namespace: NAMESPACE,
      uid: "6f1d2c3b-8a4e-4f5d-9c6b-7e8f9a0b1c2d",
      creationTimestamp: at.replace(/\.\d+Z$/, "Z"),
      ownerReferences: [{ apiVersion: "v1", kind: "Pod", name: pod, uid: podCreate.responseObject.metadata.uid, controller: true, blockOwnerDeletion: true }],
    },
    spec: claimSpec,
    status: { phase: "Pending" },
  };
  const create = write(at, {
    user: EPHEMERAL_VOLUME_CONTROLLER,
    userAgent: KCM_AGENT("ephemeral-volume-controller"),
    verb: "create",
    resource: "persistentvolumeclaims",
    apiGroup: "",
    requestObject: createRequest(claim, false),
    responseObject: stored(claim),
    code: 201,
  });
  return [...changed, create].sort((a, b) => Date.parse(a.requestReceivedTimestamp) - Date.parse(b.requestReceivedTimestamp));
}

/** The id of the latest incarnation of an object, by cluster, resource and name. */
export async function objectIdOf(sql: Sql, cluster: string, resource: string, name: string): Promise<number> {
  const rows = await sql.query<{ id: number }>(
    `SELECT o.id FROM objects o JOIN clusters c ON c.id = o.cluster_id WHERE c.name = $1 AND o.resource = $2 AND o.name = $3 ORDER BY o.first_seen DESC LIMIT 1`,
    [cluster, resource, name],
  );
  const id = rows.rows[0]?.id;
  if (id === undefined) throw new Error(`no ${resource} ${name} in ${cluster}`);
  return Number(id);
}

/** An object no audit event showed (a Node, an EndpointSlice): found, or inserted without history. */
async function ensureObject(sql: Sql, cluster: string, apiGroup: string, resource: string, kind: string, namespace: string, name: string, at: string): Promise<number> {
  const found = await sql.query<{ id: number }>(
    `SELECT o.id FROM objects o JOIN clusters c ON c.id = o.cluster_id WHERE c.name = $1 AND o.api_group = $2 AND o.resource = $3 AND o.namespace = $4 AND o.name = $5`,
    [cluster, apiGroup, resource, namespace, name],
  );
  if (found.rows[0]) return Number(found.rows[0].id);
  const inserted = await sql.query<{ id: number }>(
    `INSERT INTO objects (cluster_id, api_group, api_version, resource, kind, namespace, name, first_seen, last_seen)
     SELECT c.id, $2, 'v1', $3, $4, $5, $6, $7, $7 FROM clusters c WHERE c.name = $1 RETURNING id`,
    [cluster, apiGroup, resource, kind, namespace, name, new Date(at)],
  );
  return Number(inserted.rows[0]!.id);
}

/** Inserts a relation unless the same one (from, to, kind) is stored already (by a linker). */
async function relate(sql: Sql, fromId: number, toId: number, kind: string, claimedById: number, validFrom: string, validTo: string | null = null): Promise<void> {
  await sql.query(
    `INSERT INTO relations (cluster_id, from_object_id, to_object_id, kind, claimed_by_id, valid_from, valid_to)
     SELECT o.cluster_id, $1, $2, $3, $4, $5, $6 FROM objects o
      WHERE o.id = $4 AND NOT EXISTS (SELECT 1 FROM relations r WHERE r.from_object_id = $1 AND r.to_object_id = $2 AND r.kind = $3)`,
    [fromId, toId, kind, claimedById, new Date(validFrom), validTo === null ? null : new Date(validTo)],
  );
}

/** Posts the scenario (or `events`, a variant of it) to `cluster` and states its relations. */
export async function loadRolloutTree(app: TestApp, cluster: string, events: EditableObject[] = rolloutTreeEvents()): Promise<void> {
  const response = await app.postAudit(eventList(events), { cluster });
  if (response.status !== 200) throw new Error(`ingest answered ${response.status}: ${await response.text()}`);
  const sql = app.context.db;
  const id = (resource: string, name: string) => objectIdOf(sql, cluster, resource, name);
  const deployment = await id("deployments", "apiserver");
  const replicaSets: Record<string, number> = { [RS_OLD]: await id("replicasets", RS_OLD), [RS_MIDDLE]: await id("replicasets", RS_MIDDLE), [RS_NEW]: await id("replicasets", RS_NEW) };
  for (const [name, rsId] of Object.entries(replicaSets)) {
    await relate(sql, deployment, rsId, "controller-owner", rsId, name === RS_OLD ? "2021-09-13T14:54:20Z" : "2021-09-13T14:58:20Z");
  }
  const pods = [[OLD_POD, RS_OLD, "2021-09-13T14:54:30Z"], ...NEW_PODS.map((name, i) => [name, RS_NEW, `2021-09-13T14:58:${30 + i * 10}Z`])] as Array<[string, string, string]>;
  for (const [index, [pod, rs, at]] of pods.entries()) {
    const podId = await id("pods", pod);
    await relate(sql, replicaSets[rs]!, podId, "controller-owner", podId, at);
    const node = await ensureObject(sql, cluster, "", "nodes", "Node", "", `ci-ln-k7vx6h2-002ac-w7gjh-master-${Math.max(0, index - 1)}`, "2021-09-13T10:00:00Z");
    await relate(sql, node, podId, "node", podId, at);
  }
  // An EndpointSlice routes to the first new Pod: a second, weaker hierarchical parent.
  const slice = await ensureObject(sql, cluster, "discovery.k8s.io", "endpointslices", "EndpointSlice", NAMESPACE, SLICE, "2021-09-13T10:00:00Z");
  await relate(sql, slice, await id("pods", NEW_PODS[0]!), "endpoint-target", slice, "2021-09-13T14:59:00Z");
}
