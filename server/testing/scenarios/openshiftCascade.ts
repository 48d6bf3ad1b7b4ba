import { openshiftItems, openshiftObject, type EditableObject } from "../fixtures";
import { eventList } from "./rollout";

/**
 * The rolling update of the Deployment openshift-apiserver/apiserver through three ReplicaSets
 * and seven Pods, as kube-apiserver would audit it at RequestResponse level: every write of the
 * operator, the deployment and replicaset controllers, the scheduler and the kubelets, in time
 * order. For tests of relations and traces: Deployment → ReplicaSets → Pods → Nodes.
 *
 * Derived from real data (shared/fixtures/real/openshift-must-gather-azure, OpenShift 4.8.11):
 * - bodies: the real Deployment, its three real ReplicaSets (apiserver-85b76d5494 rev 1,
 *   -675785f59 rev 2, -5d887d5fcd rev 3) and the three real Pods of rev 3, with their real uids,
 *   labels, annotations, ownerReferences, specs and final statuses. The four Pods of revs 1 and 2
 *   are gone from the capture; their bodies are a real Pod's with the names, uids, Nodes and Pod
 *   IPs that the capture's Events record for them, and their ReplicaSet's template labels and
 *   annotations (the revisions' templates differ only there);
 * - timing: every create, binding, start, scale and delete at the time of the capture's Events
 *   (ScalingReplicaSet, SuccessfulCreate/Delete, Scheduled, AddedInterface, Started, Killing,
 *   TerminationStoppedServing); steps the Events don't date (status updates, the kubelet's final
 *   delete) follow them by milliseconds or by the observed shutdown;
 * - what each write changes follows kube-apiserver and the controllers: resourceVersion on every
 *   write, generation on spec changes, observedGeneration from the controllers, generateName
 *   creates, the scheduler's pods/binding (a Status response), graceful Pod deletion (a delete
 *   that returns the Pod with a deletionTimestamp, then the kubelet's delete with grace 0).
 *
 * After the real rollout, two phases that are NOT in the capture, for relation changes:
 * - "quarantine" (15:05): an admin relabels Pod apiserver-5d887d5fcd-xdwdd out of its
 *   ReplicaSet's selector; the replicaset-controller releases it (a patch removing its
 *   ownerReference: the ReplicaSet → Pod relation ends while the Pod lives on, orphaned) and
 *   creates a replacement, which stays Pending until the admin deletes the quarantined Pod;
 * - "teardown" (15:20): an admin deletes the Deployment (background propagation); the garbage
 *   collector deletes the three ReplicaSets, then the Pods of the last one (gracefully; each
 *   kubelet finishes the delete).
 *
 * Deterministic: the same steps, bodies, auditIDs and times on every call. Nodes are never
 * written (their uids are in CASCADE.nodes): a store learns of them only through Pods.
 */

type Obj = EditableObject;

export type CascadePhase = "rollout" | "quarantine" | "teardown";

export interface CascadeStep {
  /** Unique and readable, e.g. "create pod apiserver-85b76d5494-tscjb". */
  label: string;
  phase: CascadePhase;
  /** When the request completed (the event's stageTimestamp). */
  at: Date;
  /** An audit.k8s.io/v1 Event, level RequestResponse, stage ResponseComplete. */
  event: Obj;
}

const NAMESPACE = "openshift-apiserver";
const NODE_PREFIX = "ci-ln-k7vx6h2-002ac-w7gjh-";

/** The objects of the scenario: names and uids (real unless marked otherwise). */
export const CASCADE = {
  namespace: NAMESPACE,
  deployment: { name: "apiserver", uid: "fbf76809-33a5-4017-a1f5-8be34cd2b2fd" },
  replicaSets: {
    rev1: { name: "apiserver-85b76d5494", uid: "2576920f-55b8-4caa-8d87-0184409c71a4" },
    rev2: { name: "apiserver-675785f59", uid: "7286ca94-af50-4e27-ab2f-6bb7ea9714e9" },
    rev3: { name: "apiserver-5d887d5fcd", uid: "844d9542-7974-4670-9d85-746e8c4b2d83" },
  },
  nodes: {
    master0: { name: `${NODE_PREFIX}master-0`, uid: "e06edc37-8115-4338-91d5-fa581a37894a" },
    master1: { name: `${NODE_PREFIX}master-1`, uid: "7ffab0b6-9174-4f84-9b4f-2a33e3956b36" },
    master2: { name: `${NODE_PREFIX}master-2`, uid: "1baa43da-8222-42bd-9c0a-1f700e3c4578" },
  },
  /** The Pod the quarantine phase orphans, and its replacement (name and uid invented). */
  quarantined: { name: "apiserver-5d887d5fcd-xdwdd", uid: "33403a52-3a02-4841-8a1d-07f97a5853c5" },
  replacement: { name: "apiserver-5d887d5fcd-k8w2n", uid: "6f1c2b7e-4d3a-4e59-9b0f-2a7c5d8e1f30" },
} as const;

/** The eight Pods' names, by the suffix the replicaset-controller generated. */
export const CASCADE_PODS = {
  tscjb: "apiserver-85b76d5494-tscjb",
  c6q5q: "apiserver-85b76d5494-c6q5q",
  hc72z: "apiserver-85b76d5494-hc72z",
  jl22t: "apiserver-675785f59-jl22t",
  qnvqh: "apiserver-5d887d5fcd-qnvqh",
  mrn5h: "apiserver-5d887d5fcd-mrn5h",
  xdwdd: CASCADE.quarantined.name,
  k8w2n: CASCADE.replacement.name,
} as const;

type Revision = keyof typeof CASCADE.replicaSets;
type NodeKey = keyof typeof CASCADE.nodes;

/** One Pod's life, from the capture's Events (times on 2021-09-13, UTC). */
interface PodLife {
  name: string;
  uid: string;
  revision: Revision;
  created: string;
  /** Scheduled (the binding); absent: never scheduled. */
  bound?: string;
  node?: NodeKey;
  podIP?: string;
  /** All containers started: the kubelet reports it Running and ready. */
  running?: string;
  /** The replicaset-controller's delete (SuccessfulDelete). */
  deleted?: string;
  /** The kubelet's final delete, once the containers stopped (TerminationStoppedServing + 1s). */
  gone?: string;
}

const ROLLOUT_PODS: PodLife[] = [
  { name: "apiserver-85b76d5494-tscjb", uid: "33f598c8-0111-4226-a041-a58caa7c0bbf", revision: "rev1", created: "14:53:16.100", bound: "14:53:16.313974", node: "master0", podIP: "10.129.0.25", running: "14:53:24.500", deleted: "14:58:47.050", gone: "14:59:32.000" },
  { name: "apiserver-85b76d5494-c6q5q", uid: "085c669c-3f03-44c6-8efb-f4853ae62b0b", revision: "rev1", created: "14:53:16.150", bound: "14:53:16.410533", node: "master2", podIP: "10.128.0.25", running: "14:53:24.600", deleted: "15:00:23.050", gone: "15:00:35.000" },
  { name: "apiserver-85b76d5494-hc72z", uid: "4b05fb84-5c3a-472a-a50d-6c71d455d10e", revision: "rev1", created: "14:53:16.200", bound: "14:53:16.443464", node: "master1", podIP: "10.130.0.20", running: "14:53:30.500", deleted: "14:57:14.150", gone: "14:57:25.000" },
  // Never scheduled (anti-affinity: every master ran an apiserver Pod); deleted while Pending.
  { name: "apiserver-675785f59-jl22t", uid: "82bb06da-2ac8-4eaa-b164-90d479c8b5f1", revision: "rev2", created: "14:57:14.100", deleted: "14:57:20.020" },
  { name: "apiserver-5d887d5fcd-qnvqh", uid: "59f78c54-17f0-4910-9c80-ec2484886076", revision: "rev3", created: "14:57:20.050", bound: "14:58:37.005855", node: "master1", podIP: "10.130.0.30", running: "14:58:40.500" },
  { name: "apiserver-5d887d5fcd-mrn5h", uid: "39535e5f-434f-4272-b118-8249ef72001c", revision: "rev3", created: "14:58:47.150", bound: "15:00:13.834441", node: "master0", podIP: "10.129.0.41", running: "15:00:17.500" },
  { name: "apiserver-5d887d5fcd-xdwdd", uid: "33403a52-3a02-4841-8a1d-07f97a5853c5", revision: "rev3", created: "15:00:24.050", bound: "15:01:46.911666", node: "master2", podIP: "10.128.0.42", running: "15:01:51.500" },
];

const DAY = "2021-09-13T";
const time = (clock: string): Date => new Date(`${DAY}${clock}Z`);
const clone = <T>(value: T): T => structuredClone(value);
const seconds = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, "Z");

const user = (username: string, groups: string[]) => ({ username, groups });
const CONTROLLER_GROUPS = ["system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"];
const KCM_AGENT = "kube-controller-manager/v1.21.1 (linux/amd64) kubernetes/a4ab7a9";
const ACTORS = {
  operator: {
    user: user("system:serviceaccount:openshift-apiserver-operator:openshift-apiserver-operator", ["system:serviceaccounts", "system:serviceaccounts:openshift-apiserver-operator", "system:authenticated"]),
    userAgent: "cluster-openshift-apiserver-operator/v0.0.0 (linux/amd64) kubernetes/$Format",
  },
  deploymentController: { user: user("system:serviceaccount:kube-system:deployment-controller", CONTROLLER_GROUPS), userAgent: `${KCM_AGENT}/system:serviceaccount:kube-system:deployment-controller` },
  replicaSetController: { user: user("system:serviceaccount:kube-system:replicaset-controller", CONTROLLER_GROUPS), userAgent: `${KCM_AGENT}/system:serviceaccount:kube-system:replicaset-controller` },
  garbageCollector: { user: user("system:serviceaccount:kube-system:generic-garbage-collector", CONTROLLER_GROUPS), userAgent: `${KCM_AGENT}/system:serviceaccount:kube-system:generic-garbage-collector` },
  scheduler: { user: user("system:kube-scheduler", ["system:authenticated"]), userAgent: "kube-scheduler/v1.21.1 (linux/amd64) kubernetes/a4ab7a9/scheduler" },
  admin: { user: user("kube:admin", ["system:cluster-admins", "system:authenticated"]), userAgent: "kubectl/v1.21.1 (linux/amd64) kubernetes/a4ab7a9" },
  kubelet: (node: NodeKey) => ({ user: user(`system:node:${CASCADE.nodes[node].name}`, ["system:nodes", "system:authenticated"]), userAgent: "kubelet/v1.21.1+9807387 (linux/amd64) kubernetes/9807387" }),
};
type Actor = { user: { username: string; groups: string[] }; userAgent: string };
const whoIs = (actor: Actor) =>
  actor === ACTORS.replicaSetController ? "replicaset-controller" : actor === ACTORS.garbageCollector ? "garbage collector" : actor === ACTORS.admin ? "admin" : actor.user.username;

interface Request {
  actor: Actor;
  verb: "create" | "update" | "patch" | "delete";
  resource: "deployments" | "replicasets" | "pods";
  /** Absent for a generateName create. */
  name?: string;
  subresource?: "status" | "binding";
  requestObject?: Obj;
  responseObject: Obj;
  code: number;
}

const deleteOptions = (fields: Obj = {}) => ({ kind: "DeleteOptions", apiVersion: "meta.k8s.io/v1", ...fields });
/** What kube-apiserver answers a delete of an object it removes at once (all but Pods, which answer with the Pod). */
const deletedStatus = (kind: string, name: string, uid: string) => ({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", details: { name, group: "apps", kind, uid } });
const BINDING_CREATED = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 };

/** Builds the scenario: a small simulation of the objects, each write recorded as an audit event. */
class Recorder {
  readonly steps: CascadeStep[] = [];
  private resourceVersion = 9100;
  phase: CascadePhase = "rollout";

  nextResourceVersion(): string {
    return String(++this.resourceVersion);
  }

  record(label: string, at: Date, request: Request): void {
    const received = new Date(at.getTime() - 4);
    const base = request.resource === "pods" ? `/api/v1/namespaces/${NAMESPACE}/pods` : `/apis/apps/v1/namespaces/${NAMESPACE}/${request.resource}`;
    const uri = request.verb === "create" && !request.subresource ? base : `${base}/${request.name}${request.subresource ? `/${request.subresource}` : ""}`;
    this.steps.push({
      label,
      phase: this.phase,
      at,
      event: {
        kind: "Event",
        apiVersion: "audit.k8s.io/v1",
        level: "RequestResponse",
        auditID: `c45ca4de-0000-4000-8000-${String(this.steps.length + 1).padStart(12, "0")}`,
        stage: "ResponseComplete",
        requestURI: uri,
        verb: request.verb,
        user: request.actor.user,
        sourceIPs: ["10.0.0.5"],
        userAgent: request.actor.userAgent,
        objectRef: {
          resource: request.resource,
          namespace: NAMESPACE,
          ...(request.name ? { name: request.name } : {}),
          apiGroup: request.resource === "pods" ? "" : "apps",
          apiVersion: "v1",
          ...(request.subresource ? { subresource: request.subresource } : {}),
        },
        responseStatus: { metadata: {}, code: request.code },
        ...(request.requestObject ? { requestObject: request.requestObject } : {}),
        responseObject: request.responseObject,
        requestReceivedTimestamp: received.toISOString().replace("Z", "000Z"),
        stageTimestamp: at.toISOString().replace("Z", "000Z"),
        annotations: { "authorization.k8s.io/decision": "allow", "authorization.k8s.io/reason": "" },
      },
    });
  }
}

/** The whole scenario, in time order. Fresh objects on every call. */
export function openshiftCascade(): CascadeStep[] {
  const rec = new Recorder();
  const realDeployment = openshiftObject(NAMESPACE, "apps/deployments.yaml", "apiserver");
  const realReplicaSets = Object.fromEntries(openshiftItems(NAMESPACE, "apps/replicasets.yaml").map((rs) => [rs.metadata.name, rs])) as Record<string, Obj>;
  const realPods = Object.fromEntries(openshiftItems(NAMESPACE, "core/pods.yaml").map((pod) => [pod.metadata.name, pod])) as Record<string, Obj>;
  const hostIPs = Object.fromEntries(Object.values(realPods).map((pod) => [pod.spec.nodeName, pod.status.hostIP])) as Record<string, string>;
  const realRs = (revision: Revision) => realReplicaSets[CASCADE.replicaSets[revision].name]!;

  // ---- The simulated objects -------------------------------------------------------------
  const replicaSets = new Map<Revision, Obj>();
  const pods = new Map<string, { life: PodLife; body: Obj; ready: boolean; terminating: boolean }>();

  const deployment = clone(realDeployment);
  delete deployment.status;
  const deploymentAnnotations = (revision: Revision) => {
    const annotations = { ...realRs(revision).metadata.annotations };
    for (const key of Object.keys(annotations)) if (key.startsWith("deployment.kubernetes.io/")) delete annotations[key];
    return annotations;
  };
  const templateOf = (revision: Revision) => {
    const template = clone(realRs(revision).spec.template);
    delete template.metadata.labels["pod-template-hash"];
    return template;
  };

  const replicaSetStatus = (revision: Revision) => {
    const rs = replicaSets.get(revision)!;
    const owned = [...pods.values()].filter((p) => p.life.revision === revision && !p.terminating && p.body.metadata.ownerReferences?.length);
    const ready = owned.filter((p) => p.ready).length;
    return owned.length === 0
      ? { observedGeneration: rs.metadata.generation, replicas: 0 }
      : { availableReplicas: ready, fullyLabeledReplicas: owned.length, observedGeneration: rs.metadata.generation, readyReplicas: ready, replicas: owned.length };
  };
  const replicaSetWritten = (revision: Revision) => {
    const rs = replicaSets.get(revision)!;
    rs.metadata.resourceVersion = rec.nextResourceVersion();
    return clone(rs);
  };

  const deploymentStatus = (revision: Revision, at: Date, complete: boolean) => {
    const statuses = [...replicaSets.values()].map((rs) => rs.status ?? {});
    const sum = (field: string) => statuses.reduce((total, s) => total + (s[field] ?? 0), 0);
    const available = sum("availableReplicas");
    const desired = deployment.spec.replicas as number;
    return {
      observedGeneration: deployment.metadata.generation,
      replicas: sum("replicas"),
      updatedReplicas: replicaSets.get(revision)!.status?.replicas ?? 0,
      readyReplicas: sum("readyReplicas"),
      availableReplicas: available,
      ...(desired - available > 0 ? { unavailableReplicas: desired - available } : {}),
      conditions: [
        available >= desired - 1
          ? { type: "Available", status: "True", reason: "MinimumReplicasAvailable", message: "Deployment has minimum availability.", lastUpdateTime: "2021-09-13T14:53:36Z", lastTransitionTime: "2021-09-13T14:53:36Z" }
          : { type: "Available", status: "False", reason: "MinimumReplicasUnavailable", message: "Deployment does not have minimum availability.", lastUpdateTime: seconds(at), lastTransitionTime: "2021-09-13T14:53:16Z" },
        {
          type: "Progressing",
          status: "True",
          reason: complete ? "NewReplicaSetAvailable" : "ReplicaSetUpdated",
          message: complete
            ? `ReplicaSet "${CASCADE.replicaSets[revision].name}" has successfully progressed.`
            : `ReplicaSet "${CASCADE.replicaSets[revision].name}" is progressing.`,
          lastUpdateTime: seconds(at),
          lastTransitionTime: "2021-09-13T14:53:16Z",
        },
      ],
    };
  };
  const deploymentControllerStatus = (label: string, clock: string, revision: Revision, complete = false) => {
    const at = time(clock);
    deployment.metadata.annotations["deployment.kubernetes.io/revision"] = String(Object.keys(CASCADE.replicaSets).indexOf(revision) + 1);
    deployment.status = deploymentStatus(revision, at, complete);
    deployment.metadata.resourceVersion = rec.nextResourceVersion();
    const body = clone(deployment);
    rec.record(label, at, { actor: ACTORS.deploymentController, verb: "update", resource: "deployments", name: "apiserver", subresource: "status", requestObject: body, responseObject: body, code: 200 });
  };

  // ---- Writes ------------------------------------------------------------------------------
  const operatorWritesDeployment = (clock: string, revision: Revision) => {
    const at = time(clock);
    deployment.metadata.annotations = { ...deploymentAnnotations(revision), ...(deployment.metadata.annotations["deployment.kubernetes.io/revision"] ? { "deployment.kubernetes.io/revision": deployment.metadata.annotations["deployment.kubernetes.io/revision"] } : {}) };
    deployment.spec.template = templateOf(revision);
    if (revision === "rev1") {
      deployment.metadata.generation = 1;
      deployment.metadata.creationTimestamp = seconds(at);
      deployment.metadata.resourceVersion = rec.nextResourceVersion();
      const request = clone(deployment);
      for (const field of ["uid", "resourceVersion", "creationTimestamp", "generation", "managedFields"]) delete request.metadata[field];
      rec.record("create deployment apiserver", at, { actor: ACTORS.operator, verb: "create", resource: "deployments", name: "apiserver", requestObject: request, responseObject: clone(deployment), code: 201 });
    } else {
      deployment.metadata.generation += 1;
      deployment.metadata.resourceVersion = rec.nextResourceVersion();
      const body = clone(deployment);
      rec.record(`operator updates deployment apiserver to ${revision}`, at, { actor: ACTORS.operator, verb: "update", resource: "deployments", name: "apiserver", requestObject: body, responseObject: body, code: 200 });
    }
  };

  const createReplicaSet = (clock: string, revision: Revision, replicas: number) => {
    const at = time(clock);
    const rs = clone(realRs(revision));
    rs.spec.replicas = replicas;
    rs.metadata.generation = 1;
    rs.metadata.creationTimestamp = seconds(at);
    rs.metadata.annotations["deployment.kubernetes.io/revision"] = String(Object.keys(CASCADE.replicaSets).indexOf(revision) + 1);
    delete rs.status;
    replicaSets.set(revision, rs);
    const request = clone(rs);
    for (const field of ["uid", "resourceVersion", "creationTimestamp", "generation", "managedFields"]) delete request.metadata[field];
    rs.status = { replicas: 0 };
    rec.record(`create replicaset ${rs.metadata.name}`, at, {
      actor: ACTORS.deploymentController,
      verb: "create",
      resource: "replicasets",
      name: rs.metadata.name,
      requestObject: request,
      responseObject: replicaSetWritten(revision),
      code: 201,
    });
  };

  const scaleReplicaSet = (clock: string, revision: Revision, replicas: number) => {
    const rs = replicaSets.get(revision)!;
    rs.spec.replicas = replicas;
    rs.metadata.generation += 1;
    const body = replicaSetWritten(revision);
    rec.record(`scale replicaset ${rs.metadata.name} to ${replicas}`, time(clock), { actor: ACTORS.deploymentController, verb: "update", resource: "replicasets", name: rs.metadata.name, requestObject: body, responseObject: body, code: 200 });
  };

  const replicaSetControllerStatus = (at: Date, revision: Revision) => {
    const rs = replicaSets.get(revision);
    if (!rs) return; // deleted: its controller has nothing to report
    rs.status = replicaSetStatus(revision);
    const body = replicaSetWritten(revision);
    rec.record(`status of replicaset ${rs.metadata.name} (${rs.status.replicas} replicas, ${rs.status.readyReplicas ?? 0} ready)`, new Date(at.getTime() + 10), {
      actor: ACTORS.replicaSetController,
      verb: "update",
      resource: "replicasets",
      name: rs.metadata.name,
      subresource: "status",
      requestObject: body,
      responseObject: body,
      code: 200,
    });
  };

  const templatePod = realPods["apiserver-5d887d5fcd-mrn5h"]!;
  const podBodyOf = (life: PodLife, at: Date): Obj => {
    const real = realPods[life.name];
    const pod = clone(real ?? templatePod);
    const rs = realRs(life.revision);
    // The CNI plugin's annotations come later and from another writer; left out throughout.
    delete pod.metadata.annotations["k8s.v1.cni.cncf.io/network-status"];
    delete pod.metadata.annotations["k8s.v1.cni.cncf.io/networks-status"];
    if (!real) {
      pod.metadata.annotations = { ...pod.metadata.annotations, ...rs.spec.template.metadata.annotations };
      pod.metadata.labels = { ...rs.spec.template.metadata.labels };
      pod.metadata.ownerReferences[0].name = rs.metadata.name;
      pod.metadata.ownerReferences[0].uid = rs.metadata.uid;
    }
    pod.metadata.name = life.name;
    pod.metadata.generateName = `${rs.metadata.name}-`;
    pod.metadata.uid = life.uid;
    pod.metadata.creationTimestamp = seconds(at);
    delete pod.spec.nodeName;
    pod.status = { phase: "Pending", qosClass: "Burstable" };
    return pod;
  };
  const runningStatus = (life: PodLife): Obj => {
    const real = realPods[life.name];
    if (real) return clone(real.status);
    const status = clone(templatePod.status);
    const node = CASCADE.nodes[life.node!].name;
    const started = seconds(time(life.running!));
    Object.assign(status, { hostIP: hostIPs[node], podIP: life.podIP, podIPs: [{ ip: life.podIP }], startTime: seconds(time(life.bound!)) });
    for (const condition of status.conditions) condition.lastTransitionTime = condition.type === "PodScheduled" ? seconds(time(life.bound!)) : started;
    for (const container of [...status.containerStatuses, ...status.initContainerStatuses]) {
      delete container.containerID;
      if (container.state.running) container.state.running.startedAt = started;
      if (container.state.terminated) {
        delete container.state.terminated.containerID;
        container.state.terminated.startedAt = started;
        container.state.terminated.finishedAt = started;
      }
    }
    return status;
  };
  const podWritten = (name: string) => {
    const pod = pods.get(name)!;
    pod.body.metadata.resourceVersion = rec.nextResourceVersion();
    return clone(pod.body);
  };

  const createPod = (life: PodLife) => {
    const at = time(life.created);
    const body = podBodyOf(life, at);
    pods.set(life.name, { life, body, ready: false, terminating: false });
    const request = clone(body);
    for (const field of ["name", "uid", "resourceVersion", "creationTimestamp"]) delete request.metadata[field];
    delete request.status;
    rec.record(`create pod ${life.name}`, at, { actor: ACTORS.replicaSetController, verb: "create", resource: "pods", requestObject: request, responseObject: podWritten(life.name), code: 201 });
    replicaSetControllerStatus(at, life.revision);
  };

  const bindPod = (name: string, clock: string, node: NodeKey) => {
    const pod = pods.get(name)!;
    pod.body.spec.nodeName = CASCADE.nodes[node].name;
    pod.body.status.conditions = [{ type: "PodScheduled", status: "True", lastProbeTime: null, lastTransitionTime: seconds(time(clock)) }];
    pod.body.metadata.resourceVersion = rec.nextResourceVersion();
    rec.record(`bind pod ${name} to ${node}`, time(clock), {
      actor: ACTORS.scheduler,
      verb: "create",
      resource: "pods",
      name,
      subresource: "binding",
      requestObject: { kind: "Binding", apiVersion: "v1", metadata: { name, namespace: NAMESPACE, uid: pod.life.uid }, target: { kind: "Node", name: CASCADE.nodes[node].name } },
      responseObject: BINDING_CREATED,
      code: 201,
    });
  };

  const podRunning = (name: string, clock: string) => {
    const pod = pods.get(name)!;
    pod.body.status = runningStatus(pod.life);
    pod.ready = true;
    const body = podWritten(name);
    rec.record(`pod ${name} running`, time(clock), {
      actor: ACTORS.kubelet(nodeOf(pod.body)),
      verb: "patch",
      resource: "pods",
      name,
      subresource: "status",
      requestObject: { metadata: { uid: pod.life.uid }, status: { conditions: body.status.conditions, podIP: body.status.podIP, phase: "Running" } },
      responseObject: body,
      code: 200,
    });
    replicaSetControllerStatus(time(clock), pod.life.revision);
  };

  const nodeOf = (body: Obj): NodeKey => (Object.keys(CASCADE.nodes) as NodeKey[]).find((key) => CASCADE.nodes[key].name === body.spec.nodeName)!;

  /** A graceful delete (or, for a Pod never scheduled, an immediate one). */
  const deletePod = (name: string, clock: string, actor: Actor, options: Obj) => {
    const at = time(clock);
    const pod = pods.get(name)!;
    const scheduled = !!pod.body.spec.nodeName;
    const grace = scheduled ? pod.body.spec.terminationGracePeriodSeconds : 0;
    pod.body.metadata.deletionTimestamp = seconds(new Date(at.getTime() + grace * 1000));
    pod.body.metadata.deletionGracePeriodSeconds = grace;
    pod.terminating = true;
    pod.ready = false;
    const body = podWritten(name);
    rec.record(`${whoIs(actor)} deletes pod ${name}${scheduled ? "" : " (never scheduled: gone at once)"}`, at, { actor, verb: "delete", resource: "pods", name, requestObject: deleteOptions(options), responseObject: body, code: 200 });
    if (pod.body.metadata.ownerReferences?.length) replicaSetControllerStatus(at, pod.life.revision);
    if (!scheduled) pods.delete(name);
  };

  const podGone = (name: string, clock: string) => {
    const pod = pods.get(name)!;
    pod.body.metadata.deletionGracePeriodSeconds = 0;
    for (const condition of pod.body.status.conditions ?? []) if (condition.type === "Ready" || condition.type === "ContainersReady") condition.status = "False";
    const body = podWritten(name);
    rec.record(`kubelet deletes pod ${name}`, time(clock), {
      actor: ACTORS.kubelet(nodeOf(pod.body)),
      verb: "delete",
      resource: "pods",
      name,
      requestObject: deleteOptions({ gracePeriodSeconds: 0, preconditions: { uid: pod.life.uid } }),
      responseObject: body,
      code: 200,
    });
    pods.delete(name);
  };


  const [tscjb, c6q5q, hc72z, jl22t, qnvqh, mrn5h, xdwdd] = ROLLOUT_PODS as [PodLife, PodLife, PodLife, PodLife, PodLife, PodLife, PodLife];
  const bind = (life: PodLife) => bindPod(life.name, life.bound!, life.node!);
  const run = (life: PodLife) => podRunning(life.name, life.running!);
  const scaleDownDelete = (life: PodLife) => deletePod(life.name, life.deleted!, ACTORS.replicaSetController, {});
  const gone = (life: PodLife) => podGone(life.name, life.gone!);

  // ---- Revision 1 (14:53:16): three Pods ---------------------------------------------------------
  operatorWritesDeployment("14:53:16.000", "rev1");
  createReplicaSet("14:53:16.050", "rev1", 3);
  [tscjb, c6q5q, hc72z].forEach(createPod);
  deploymentControllerStatus("deployment apiserver status: generation 1 observed", "14:53:16.300", "rev1");
  [tscjb, c6q5q, hc72z].forEach(bind);
  [tscjb, c6q5q, hc72z].forEach(run);
  deploymentControllerStatus("deployment apiserver status: 3 available", "14:53:36.000", "rev1", true);

  // ---- Revision 2 (14:57:14): one Pod, never scheduled -----------------------------------------
  operatorWritesDeployment("14:57:13.800", "rev2");
  createReplicaSet("14:57:14.000", "rev2", 1);
  scaleReplicaSet("14:57:14.050", "rev1", 2);
  createPod(jl22t);
  scaleDownDelete(hc72z);
  deploymentControllerStatus("deployment apiserver status: generation 2 observed", "14:57:14.300", "rev2");

  // ---- Revision 3 (14:57:20): the surge walks through the masters -------------------------------
  operatorWritesDeployment("14:57:19.500", "rev3");
  createReplicaSet("14:57:19.900", "rev3", 1);
  scaleReplicaSet("14:57:20.000", "rev2", 0);
  scaleDownDelete(jl22t);
  createPod(qnvqh);
  deploymentControllerStatus("deployment apiserver status: generation 3 observed", "14:57:20.200", "rev3");
  gone(hc72z);
  bind(qnvqh);
  run(qnvqh);

  scaleReplicaSet("14:58:47.000", "rev1", 1);
  scaleDownDelete(tscjb);
  scaleReplicaSet("14:58:47.100", "rev3", 2);
  createPod(mrn5h);
  deploymentControllerStatus("deployment apiserver status: 2 of 3 updated", "14:58:47.300", "rev3");
  gone(tscjb);
  bind(mrn5h);
  run(mrn5h);

  scaleReplicaSet("15:00:23.000", "rev1", 0);
  scaleDownDelete(c6q5q);
  scaleReplicaSet("15:00:24.000", "rev3", 3);
  createPod(xdwdd);
  deploymentControllerStatus("deployment apiserver status: 3 of 3 updated", "15:00:24.300", "rev3");
  gone(c6q5q);
  bind(xdwdd);
  run(xdwdd);
  deploymentControllerStatus("deployment apiserver status: rollout complete", "15:01:57.000", "rev3", true);

  // ---- Quarantine (not in the capture): xdwdd leaves its ReplicaSet -----------------------------
  rec.phase = "quarantine";
  const quarantined = pods.get(CASCADE.quarantined.name)!;
  quarantined.body.metadata.labels.apiserver = "quarantined";
  rec.record(`relabel pod ${CASCADE.quarantined.name} out of its replicaset`, time("15:05:00.000"), {
    actor: ACTORS.admin,
    verb: "patch",
    resource: "pods",
    name: CASCADE.quarantined.name,
    requestObject: { metadata: { labels: { apiserver: "quarantined" } } },
    responseObject: podWritten(CASCADE.quarantined.name),
    code: 200,
  });
  delete quarantined.body.metadata.ownerReferences;
  rec.record(`release pod ${CASCADE.quarantined.name} (ownerReference removed)`, time("15:05:00.050"), {
    actor: ACTORS.replicaSetController,
    verb: "patch",
    resource: "pods",
    name: CASCADE.quarantined.name,
    requestObject: { metadata: { ownerReferences: [{ $patch: "delete", uid: CASCADE.replicaSets.rev3.uid }], uid: CASCADE.quarantined.uid } },
    responseObject: podWritten(CASCADE.quarantined.name),
    code: 200,
  });
  replicaSetControllerStatus(time("15:05:00.050"), "rev3");
  const replacement: PodLife = { name: CASCADE.replacement.name, uid: CASCADE.replacement.uid, revision: "rev3", created: "15:05:00.150", bound: "15:10:32.000", node: "master2", podIP: "10.128.0.57", running: "15:10:40.500" };
  createPod(replacement);
  deletePod(CASCADE.quarantined.name, "15:10:00.000", ACTORS.admin, { propagationPolicy: "Background" });
  podGone(CASCADE.quarantined.name, "15:10:31.000");
  bind(replacement);
  run(replacement);

  // ---- Teardown (not in the capture): the Deployment deleted, the garbage collector cascades ----
  rec.phase = "teardown";
  rec.record("delete deployment apiserver", time("15:20:00.000"), {
    actor: ACTORS.admin,
    verb: "delete",
    resource: "deployments",
    name: "apiserver",
    requestObject: deleteOptions({ propagationPolicy: "Background" }),
    responseObject: deletedStatus("deployments", "apiserver", CASCADE.deployment.uid),
    code: 200,
  });
  (["rev1", "rev2", "rev3"] as const).forEach((revision, i) => {
    const { name, uid } = CASCADE.replicaSets[revision];
    replicaSets.delete(revision);
    rec.record(`garbage collector deletes replicaset ${name}`, new Date(time("15:20:00.200").getTime() + i * 20), {
      actor: ACTORS.garbageCollector,
      verb: "delete",
      resource: "replicasets",
      name,
      requestObject: deleteOptions({ preconditions: { uid }, propagationPolicy: "Background" }),
      responseObject: deletedStatus("replicasets", name, uid),
      code: 200,
    });
  });
  const remaining = [...pods.keys()];
  remaining.forEach((name, i) => {
    deletePod(name, `15:20:00.${400 + i * 20}`, ACTORS.garbageCollector, { preconditions: { uid: pods.get(name)!.life.uid }, propagationPolicy: "Background" });
  });
  remaining.forEach((name, i) => podGone(name, `15:20:${31 + i}.000`));

  // Recorded in time order, so resourceVersions grow with time as etcd's revisions do.
  rec.steps.forEach((step, i) => {
    if (i > 0 && step.at < rec.steps[i - 1]!.at) throw new Error(`openshiftCascade: "${step.label}" is recorded before "${rec.steps[i - 1]!.label}" but happens earlier`);
  });
  return rec.steps;
}

/** The scenario's events as one audit.k8s.io/v1 EventList (or a slice of it), as the webhook posts them. */
export function cascadeEventList(steps: CascadeStep[]) {
  return eventList(steps.map((step) => step.event));
}
