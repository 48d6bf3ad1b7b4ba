import { seededRandom, uuidOf } from "../../ingest/workload/clock";
import { nameSuffix } from "../../ingest/workload/envelope";
import type { EntryTemplate, TemplateSet } from "./templates";

/**
 * A week of one busy cluster, simulated: who writes what to which object when, and which
 * relations hold between them. Every write is a copy of a real history row (templates.ts) of
 * the same kind of write: the Deployments, ReplicaSets and Pods are the OpenShift capture's
 * (real bodies, diffs and snapshots), the rest as templateEvents.ts says.
 *
 * - Nodes: the kubelet patches each Node's status every five minutes (its heartbeat).
 * - Namespaces `team-NN`, each with Deployments that roll out twice in the week; each rollout
 *   creates a ReplicaSet that scales up Pod by Pod while the previous one scales down. A Pod is
 *   created by the replicaset-controller, bound by the scheduler, reported by its Node's
 *   kubelet (starting, ready), now and then restarts (not ready, ready again), and may be
 *   deleted early (evicted by the node-controller or deleted by a person) and replaced. Every
 *   Pod change makes the ReplicaSet's status, the EndpointSlice and the Deployment's status
 *   change, as their controllers do. Each Deployment has a Service and an EndpointSlice.
 * - ConfigMaps created and edited with kubectl by the namespace's people, some deleted.
 * - One Deployment, `team-00/checkout`, has exactly 100 Pods in the last day (50 replaced by
 *   a rollout 10 hours before the end): the full-tree case.
 *
 * Relations are the ones Kubetrail's linkers state for such bodies (checked against the
 * template clusters): controller-owner Deployment → ReplicaSet → Pod and Service →
 * EndpointSlice, service-endpointslice, endpoint-target EndpointSlice → Pod while it is listed,
 * node Node → Pod while it runs there. Times in µs since the epoch.
 */

export interface Actor {
  username: string;
  userAgent: string;
}

export interface WorldObject {
  resource: string;
  apiGroup: string;
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  uid: string;
  /** Index of the controller owner, -1 when none. */
  parent: number;
  /** Index of a Pod's Node, -1 otherwise. */
  node: number;
  deletedAt: number | null;
  /** Set once the entries are known. */
  firstSeen: number;
  lastSeen: number;
  /** objects.id, set by the loader. */
  id: number;
}

export interface WorldEntry {
  /** Start, µs. */
  t: number;
  object: number;
  template: EntryTemplate;
  /** Instead of the template's actor. */
  actor: Actor | null;
  /** For an EndpointSlice row: the Pod whose endpoint changed (-1 otherwise). */
  pod: number;
}

export interface WorldRelation {
  from: number;
  to: number;
  kind: string;
  validFrom: number;
  validTo: number | null;
  claimedBy: number;
}

export interface WorldSettings {
  namespaces: number;
  deploymentsPerNamespace: number;
  configMapsPerNamespace: number;
  nodes: number;
  /** End of the simulated week (exclusive), µs. */
  end: number;
  days: number;
  seed: number;
}

/** The objects the benchmark's cases are about (indexes into objects), and its search criteria. */
export interface WorldCases {
  /** A Pod created by a rollout in the last day, as someone investigating that rollout opens it. */
  pod: number;
  /** A Node: the busiest single object (a heartbeat every five minutes). */
  node: number;
  /** The Deployment with exactly 100 Pods in the last day. */
  treeDeployment: number;
  /** Pods created in the last day, in creation order: a different one for each run of a case. */
  recentPods: number[];
  namespace: string;
  humanUser: string;
  controllerUser: string;
}

export interface World {
  objects: WorldObject[];
  entries: WorldEntry[];
  relations: WorldRelation[];
  cases: WorldCases;
}

const SECOND = 1_000_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

const KUBECTL_AGENT = "kubectl/v1.29.3 (linux/amd64) kubernetes/6813625";
const PEOPLE: Actor[] = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"].map((name) => ({ username: `${name}@example.com`, userAgent: KUBECTL_AGENT }));
const DEPLOYERS: Actor[] = [
  { username: "system:serviceaccount:argocd:argocd-application-controller", userAgent: "argocd-application-controller/v2.10.4+f5d63a5 (linux/amd64)" },
  { username: "system:serviceaccount:ci:deployer", userAgent: "Helm/3.14.2" },
];
const NODE_CONTROLLER: Actor = {
  username: "system:serviceaccount:kube-system:node-controller",
  userAgent: "kube-controller-manager/v1.21.1 (linux/amd64) kubernetes/a4ab7a9/system:serviceaccount:kube-system:node-controller",
};
const KUBELET_AGENT = "kubelet/v1.21.1+9807387 (linux/amd64) kubernetes/9807387";
const APPS = ["web", "api", "checkout", "cart", "payments", "search", "catalog", "auth", "orders", "inventory", "shipping", "reviews", "notifications", "recommendations", "gateway"];

const ROLE = {
  deploymentCreate: "deployments:create:user",
  deploymentUpdate: "deployments:update:user",
  deploymentScale: "deployments:patch:user",
  deploymentNoop: "deployments:update:user:noop",
  deploymentConflict: "deployments:update:user:failed",
  deploymentStatus: "deployments:update/status:deployment-controller",
  replicaSetCreate: "replicasets:create:deployment-controller",
  replicaSetScale: "replicasets:update:deployment-controller",
  replicaSetStatus: "replicasets:update/status:replicaset-controller",
  podCreate: "pods:create:replicaset-controller",
  podBinding: "pods:create/binding:scheduler",
  podStatus: "pods:patch/status:kubelet",
  podDeleteByController: "pods:delete:replicaset-controller",
  podDeleteByUser: "pods:delete:user",
  podRemove: "pods:delete:kubelet",
  serviceCreate: "services:create:user",
  servicePatch: "services:patch:user",
  serviceUpdate: "services:update:user",
  endpointSliceCreate: "endpointslices:create:endpointslice-controller",
  endpointSliceUpdate: "endpointslices:update:endpointslice-controller",
  nodeHeartbeat: "nodes:patch/status:kubelet",
  configMapCreate: "configmaps:create:user",
  configMapUpdate: "configmaps:update:user",
  configMapPatch: "configmaps:patch:user",
  configMapDelete: "configmaps:delete:user",
} as const;
type Role = (typeof ROLE)[keyof typeof ROLE];

/** Every role the world writes: the templates must have each. */
export const WORLD_ROLES: readonly Role[] = Object.values(ROLE);

interface DeploymentPlan {
  namespace: string;
  name: string;
  replicas: number;
  created: number;
  rollouts: number[];
  churnPerDay: number;
  restartsPerDay: number;
  owner: Actor;
}

export function simulateWorld(settings: WorldSettings, templates: TemplateSet): World {
  const random = seededRandom(settings.seed);
  const uniform = (min: number, max: number) => min + random() * (max - min);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  /** Waiting time of a Poisson process with `perDay` events a day. */
  const exponential = (perDay: number) => (perDay <= 0 ? Number.POSITIVE_INFINITY : (-Math.log(1 - random()) / perDay) * DAY);
  const end = settings.end;
  const start = end - settings.days * DAY;

  const objects: WorldObject[] = [];
  const entries: WorldEntry[] = [];
  const relations: WorldRelation[] = [];
  let uids = 0;

  const addObject = (resource: string, apiGroup: string, kind: string, namespace: string, name: string, parent = -1, node = -1): number => {
    objects.push({ resource, apiGroup, apiVersion: "v1", kind, namespace, name, uid: uuidOf(settings.seed, ++uids), parent, node, deletedAt: null, firstSeen: 0, lastSeen: 0, id: 0 });
    return objects.length - 1;
  };
  /** A write at `t`; nothing happens at or after the end of the week. */
  const write = (t: number, object: number, role: Role, actor: Actor | null = null, pod = -1): boolean => {
    if (t >= end) return false;
    entries.push({ t: Math.round(t), object, template: templates.pick(role, random), actor, pod });
    return true;
  };
  const relate = (from: number, to: number, kind: string, validFrom: number, claimedBy: number): WorldRelation => {
    const relation: WorldRelation = { from, to, kind, validFrom: Math.round(validFrom), validTo: null, claimedBy };
    // One that would start after the week is never stated.
    if (validFrom < end) relations.push(relation);
    return relation;
  };
  const endRelation = (relation: WorldRelation, at: number) => {
    if (at < end) relation.validTo = Math.round(at);
  };

  // ---- Nodes ---------------------------------------------------------------------------
  const nodes: number[] = [];
  const kubelets: Actor[] = [];
  for (let i = 0; i < settings.nodes; i++) {
    const name = `ip-10-0-${1 + (i >> 5)}-${11 + (i & 31) * 7}.ec2.internal`;
    const node = addObject("nodes", "", "Node", "", name);
    nodes.push(node);
    kubelets.push({ username: `system:node:${name}`, userAgent: KUBELET_AGENT });
    for (let t = start + uniform(0, 5 * MINUTE); t < end; t += 5 * MINUTE + uniform(-2, 2) * SECOND) write(t, node, ROLE.nodeHeartbeat, kubelets[i]!);
  }

  // ---- Deployments ---------------------------------------------------------------------
  const windowStart = end - DAY;
  const recentPods: Array<{ pod: number; created: number }> = [];

  function simulateDeployment(plan: DeploymentPlan): { deployment: number; lastRolloutFirstPod: number; pods: number[] } {
    const { namespace, name, replicas, owner } = plan;
    const deployment = addObject("deployments", "apps", "Deployment", namespace, name);
    write(plan.created, deployment, ROLE.deploymentCreate, owner);
    const service = addObject("services", "", "Service", namespace, name);
    write(plan.created + SECOND, service, ROLE.serviceCreate, owner);
    write(uniform(plan.created + HOUR, end), service, ROLE.servicePatch, owner);
    const slice = addObject("endpointslices", "discovery.k8s.io", "EndpointSlice", namespace, `${name}-${nameSuffix(random)}`, service);
    const sliceCreated = plan.created + 1.5 * SECOND;
    write(sliceCreated, slice, ROLE.endpointSliceCreate);
    relate(service, slice, "controller-owner", sliceCreated, slice);
    relate(service, slice, "service-endpointslice", sliceCreated, slice);
    if (random() < 0.3) write(uniform(plan.created + HOUR, end), deployment, ROLE.deploymentScale, pick(PEOPLE));
    if (random() < 0.1) write(uniform(plan.created + HOUR, end), deployment, ROLE.deploymentNoop, DEPLOYERS[0]!);

    const pods: number[] = [];
    const revisions = [plan.created, ...plan.rollouts];
    const steps = revisions.map(() => uniform(3, 12) * SECOND);
    const slotStart = (k: number, i: number) => revisions[k]! + 0.2 * SECOND + i * steps[k]!;
    let replicaSet = -1;
    let lastRolloutFirstPod = -1;

    const podChanged = (at: number, pod: number) => {
      write(at + 20_000, replicaSet, ROLE.replicaSetStatus);
      write(at + 40_000, slice, ROLE.endpointSliceUpdate, null, pod);
      write(at + 60_000, deployment, ROLE.deploymentStatus);
    };

    /** A Pod's life from its creation at `t`; returns when it is ready. */
    const spawnPod = (rs: number, t: number): { pod: number; ready: number; node: number; ownerRelation: WorldRelation; nodeRelation: WorldRelation; endpoint: WorldRelation } => {
      const nodeIndex = Math.floor(random() * nodes.length);
      const pod = addObject("pods", "", "Pod", namespace, `${objects[rs]!.name}-${nameSuffix(random)}`, rs, nodes[nodeIndex]!);
      pods.push(pod);
      if (t >= windowStart && t < end - HOUR) recentPods.push({ pod, created: t });
      write(t, pod, ROLE.podCreate);
      const ownerRelation = relate(rs, pod, "controller-owner", t, pod);
      write(t + 20_000, rs, ROLE.replicaSetStatus);
      const bound = t + uniform(0.1, 2) * SECOND;
      write(bound, pod, ROLE.podBinding);
      const starting = bound + uniform(0.5, 2) * SECOND;
      write(starting, pod, ROLE.podStatus, kubelets[nodeIndex]!);
      const nodeRelation = relate(nodes[nodeIndex]!, pod, "node", starting, pod);
      const ready = starting + uniform(2, 25) * SECOND;
      write(ready, pod, ROLE.podStatus, kubelets[nodeIndex]!);
      podChanged(ready, pod);
      const endpoint = relate(slice, pod, "endpoint-target", ready + 40_000, slice);
      return { pod, ready, node: nodeIndex, ownerRelation, nodeRelation, endpoint };
    };

    for (let k = 0; k < revisions.length; k++) {
      const at = revisions[k]!;
      if (k > 0) {
        const who = random() < 0.5 ? owner : pick(DEPLOYERS);
        if (random() < 0.1) write(at - uniform(10, 60) * SECOND, deployment, ROLE.deploymentConflict, pick(PEOPLE));
        write(at, deployment, ROLE.deploymentUpdate, who);
      }
      const rs = addObject("replicasets", "apps", "ReplicaSet", namespace, `${name}-${nameSuffix(random, 10)}`, deployment);
      replicaSet = rs;
      write(at + 50_000, rs, ROLE.replicaSetCreate);
      relate(deployment, rs, "controller-owner", at + 50_000, rs);
      write(at + 80_000, deployment, ROLE.deploymentStatus);

      for (let i = 0; i < replicas; i++) {
        const slotFrom = slotStart(k, i);
        // The slot's Pod leaves once its successor in the next revision is up.
        const slotTo = k + 1 < revisions.length ? slotStart(k + 1, i) + uniform(15, 30) * SECOND : Number.POSITIVE_INFINITY;
        if (i % 4 === 0) write(slotFrom - 30_000, rs, ROLE.replicaSetScale);
        if (i % 4 === 0 && slotTo < end) write(slotTo - 30_000, rs, ROLE.replicaSetScale);
        let t = slotFrom;
        for (;;) {
          const life = spawnPod(rs, t);
          if (k === revisions.length - 1 && k > 0 && i === 0) lastRolloutFirstPod = life.pod;
          const kubelet = kubelets[life.node]!;
          const churnAt = life.ready + exponential(plan.churnPerDay);
          const leaves = Math.min(churnAt, slotTo);
          for (let restart = life.ready + exponential(plan.restartsPerDay); restart < Math.min(leaves, end); restart += exponential(plan.restartsPerDay)) {
            write(restart, life.pod, ROLE.podStatus, kubelet);
            podChanged(restart, life.pod);
            const back = restart + uniform(10, 90) * SECOND;
            write(back, life.pod, ROLE.podStatus, kubelet);
            podChanged(back, life.pod);
            restart = back;
          }
          if (leaves >= end) break;
          const early = churnAt < slotTo;
          if (early) write(leaves, life.pod, random() < 0.4 ? ROLE.podDeleteByUser : ROLE.podDeleteByController, random() < 0.4 ? pick(PEOPLE) : NODE_CONTROLLER);
          else write(leaves, life.pod, ROLE.podDeleteByController);
          podChanged(leaves, life.pod);
          endRelation(life.endpoint, leaves + 40_000);
          const gone = leaves + uniform(1, 30) * SECOND;
          if (write(gone, life.pod, ROLE.podRemove, kubelet)) {
            objects[life.pod]!.deletedAt = gone; // made exact below, from the entry's end
            endRelation(life.ownerRelation, gone);
            endRelation(life.nodeRelation, gone);
          }
          t = leaves + uniform(0.5, 3) * SECOND;
          if (!early || t >= end) break;
        }
      }
      if (k > 0) write(slotStart(k, replicas - 1) + 30 * SECOND, deployment, ROLE.deploymentStatus);
    }
    write(uniform(plan.created + HOUR, end), service, ROLE.serviceUpdate, owner);
    return { deployment, lastRolloutFirstPod, pods };
  }

  let casePod = -1;
  let treeDeployment = -1;
  for (let n = 0; n < settings.namespaces; n++) {
    const namespace = `team-${String(n).padStart(2, "0")}`;
    const owner = PEOPLE[n % PEOPLE.length]!;
    for (let d = 0; d < settings.deploymentsPerNamespace; d++) {
      const name = APPS[d % APPS.length]! + (d >= APPS.length ? `-${Math.floor(d / APPS.length)}` : "");
      if (n === 0 && name === "checkout") {
        // The full-tree case: 50 Pods, all replaced by a rollout in the last day, nothing else.
        const plan: DeploymentPlan = { namespace, name, replicas: 50, created: end - 3 * DAY, rollouts: [end - 10 * HOUR], churnPerDay: 0, restartsPerDay: 0, owner };
        const before = recentPods.length;
        const result = simulateDeployment(plan);
        recentPods.length = before;
        treeDeployment = result.deployment;
        if (result.pods.length !== 100) throw new Error(`the full-tree Deployment has ${result.pods.length} Pods, expected 100`);
        continue;
      }
      const created = start + uniform(0, 12 * HOUR);
      const rollouts = [uniform(start + 12 * HOUR, end - HOUR), uniform(start + 12 * HOUR, end - HOUR)].sort((a, b) => a - b);
      const plan: DeploymentPlan = { namespace, name, replicas: 4 + Math.floor(random() * 37), created, rollouts, churnPerDay: 0.15, restartsPerDay: 0.5, owner: random() < 0.5 ? owner : pick(DEPLOYERS) };
      const result = simulateDeployment(plan);
      if (casePod < 0 && rollouts[1]! >= windowStart && result.lastRolloutFirstPod >= 0) casePod = result.lastRolloutFirstPod;
    }

    // ConfigMaps, written by the namespace's people with kubectl.
    for (let c = 0; c < settings.configMapsPerNamespace; c++) {
      const name = `${APPS[c % APPS.length]}-${["config", "env", "settings", "flags", "routes"][Math.floor(c / APPS.length) % 5]}-${Math.floor(c / (APPS.length * 5))}`;
      const configMap = addObject("configmaps", "", "ConfigMap", namespace, name);
      let t = uniform(start, end - HOUR);
      const who = () => (random() < 0.6 ? owner : pick(PEOPLE));
      write(t, configMap, ROLE.configMapCreate, who());
      const edits = Math.floor(random() * 7);
      for (let e = 0; e < edits; e++) {
        t = uniform(t, Math.min(end, t + 2 * DAY));
        write(t, configMap, e % 2 === 0 ? ROLE.configMapUpdate : ROLE.configMapPatch, who());
      }
      if (random() < 0.15) {
        const gone = uniform(t, Math.min(end, t + DAY));
        if (write(gone, configMap, ROLE.configMapDelete, who())) objects[configMap]!.deletedAt = gone;
      }
    }
  }
  if (casePod < 0) throw new Error("no Deployment rolled out in the last day: no Pod for the single-object case");

  entries.sort((a, b) => a.t - b.t);
  // Lifetimes from the entries; a deletion ends at its entry's end.
  for (const object of objects) object.firstSeen = Number.POSITIVE_INFINITY;
  for (const entry of entries) {
    const object = objects[entry.object]!;
    const finished = entry.t + entry.template.durationMicros;
    if (entry.t < object.firstSeen) object.firstSeen = entry.t;
    if (finished > object.lastSeen) object.lastSeen = finished;
    if (entry.template.verb === "delete" && object.deletedAt !== null && (entry.template.role === ROLE.podRemove || object.resource !== "pods")) object.deletedAt = finished;
  }
  for (const object of objects) if (object.firstSeen === Number.POSITIVE_INFINITY) throw new Error(`${object.resource} ${object.namespace}/${object.name} has no entry`);

  return {
    objects,
    entries,
    relations,
    cases: {
      pod: casePod,
      node: nodes[0]!,
      treeDeployment,
      recentPods: recentPods.sort((a, b) => a.created - b.created).map((p) => p.pod),
      namespace: `team-${String(Math.min(7, settings.namespaces - 1)).padStart(2, "0")}`,
      humanUser: PEOPLE[0]!.username,
      controllerUser: "system:serviceaccount:kube-system:replicaset-controller",
    },
  };
}
