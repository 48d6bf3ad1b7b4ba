import type { RequestTimes } from "./clock";
import { auditEvent, hexString, nameSuffix, type Actor, type GeneratorContext, type Json } from "./envelope";
import { FALCO_RELEASE, falcoTemplate } from "./falco";
import type { ObjectLifecycle } from "./lifecycle";

/**
 * A Pod's life: created by the ReplicaSet controller, bound by the scheduler, then the
 * kubelet patches its status as the container starts, crashes once and comes back.
 *
 * Derived from the real RequestResponse event falco-k8s-audit-traces/
 * create_nginx_pod_unprivileged.json (a minikube ReplicaSet creating an nginx Pod): its
 * request and response bodies are kept as recorded, with new names, uids and versions. The
 * binding and the status patches follow what kube-scheduler and the kubelet of the same
 * release (v1.12) send: a Binding answered by a Status, and strategic merge patches of
 * `status` answered by the whole Pod.
 */

const RELEASE = FALCO_RELEASE;
const NODES = ["minikube", "minikube-m02", "minikube-m03"];

const template = falcoTemplate("create_nginx_pod_unprivileged.json");

const REPLICASET_CONTROLLER: Actor = {
  user: template.user,
  userAgent: `kube-controller-manager/${RELEASE}/system:serviceaccount:kube-system:replicaset-controller`,
  sourceIP: "192.168.99.100",
  reason: template.annotations["authorization.k8s.io/reason"],
};
const SCHEDULER: Actor = {
  user: { username: "system:kube-scheduler", groups: ["system:authenticated"] },
  userAgent: `kube-scheduler/${RELEASE}/scheduler`,
  sourceIP: "192.168.99.100",
  reason: 'RBAC: allowed by ClusterRoleBinding "system:kube-scheduler" of ClusterRole "system:kube-scheduler" to User "system:kube-scheduler"',
};
function kubelet(node: string): Actor {
  return {
    user: { username: `system:node:${node}`, groups: ["system:nodes", "system:authenticated"] },
    userAgent: `kubelet/${RELEASE}`,
    sourceIP: "192.168.99.100",
    reason: "",
  };
}

/** The Pod's status as the kubelet reports it after each status patch. */
type Phase = "creating" | "running" | "restarted" | "ready-again";
const PHASES: Phase[] = ["creating", "running", "restarted", "ready-again"];

function condition(type: string, ready: boolean, time: string, reason?: string): Json {
  return {
    lastProbeTime: null,
    lastTransitionTime: time,
    ...(ready ? {} : { message: "containers with unready status: [nginx]", reason: reason ?? "ContainersNotReady" }),
    status: ready ? "True" : "False",
    type,
  };
}

export function newPod(ctx: GeneratorContext, namespace: string, owner: { name: string; uid: string }): ObjectLifecycle {
  const name = `${owner.name}-${nameSuffix(ctx.random)}`;
  const uid = ctx.uid();
  const node = NODES[Math.floor(ctx.random() * NODES.length)]!;
  const podIP = `172.17.${Math.floor(ctx.random() * 250)}.${2 + Math.floor(ctx.random() * 250)}`;
  const containerId = `docker://${hexString(ctx.random, 64)}`;
  const token = `default-token-${nameSuffix(ctx.random)}`;
  const hash = owner.name.slice(owner.name.lastIndexOf("-") + 1);
  let pod: Json = {};
  let created = "";
  let started = "";

  const objectRef = { resource: "pods", namespace, name, apiVersion: "v1" };
  const uri = `/api/v1/namespaces/${namespace}/pods/${name}`;

  function create(times: RequestTimes): Json {
    created = times.seconds;
    const request = structuredClone(template.requestObject);
    request.metadata.generateName = `${owner.name}-`;
    request.metadata.labels = { app: owner.name.slice(0, owner.name.lastIndexOf("-")), "pod-template-hash": hash };
    request.metadata.ownerReferences[0].name = owner.name;
    request.metadata.ownerReferences[0].uid = owner.uid;

    pod = structuredClone(template.responseObject);
    Object.assign(pod.metadata, {
      name,
      generateName: `${owner.name}-`,
      namespace,
      selfLink: uri,
      uid,
      resourceVersion: ctx.resourceVersion(),
      creationTimestamp: created,
      labels: request.metadata.labels,
      ownerReferences: request.metadata.ownerReferences,
    });
    pod.spec.volumes[0].name = token;
    pod.spec.volumes[0].secret.secretName = token;
    pod.spec.containers[0].volumeMounts[0].name = token;
    return auditEvent({
      auditId: ctx.auditId(),
      times,
      level: "RequestResponse",
      verb: "create",
      actor: REPLICASET_CONTROLLER,
      // As recorded: the name is the server's to pick, so objectRef has none.
      objectRef: { resource: "pods", namespace, apiVersion: "v1" },
      requestURI: `/api/v1/namespaces/${namespace}/pods`,
      code: 201,
      requestObject: request,
      responseObject: structuredClone(pod),
    });
  }

  function bind(times: RequestTimes): Json {
    pod.spec.nodeName = node;
    pod.metadata.resourceVersion = ctx.resourceVersion();
    pod.status.conditions = [{ lastProbeTime: null, lastTransitionTime: times.seconds, status: "True", type: "PodScheduled" }];
    return auditEvent({
      auditId: ctx.auditId(),
      times,
      level: "RequestResponse",
      verb: "create",
      actor: SCHEDULER,
      objectRef: { ...objectRef, subresource: "binding" },
      requestURI: `${uri}/binding`,
      code: 201,
      requestObject: { kind: "Binding", apiVersion: "v1", metadata: { name, namespace, uid, creationTimestamp: null }, target: { kind: "Node", name: node } },
      responseObject: { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 },
    });
  }

  function containerStatus(phase: Phase, time: string): Json {
    const base = { image: "nginx:latest", name: "nginx" };
    if (phase === "creating") return { ...base, imageID: "", lastState: {}, ready: false, restartCount: 0, state: { waiting: { reason: "ContainerCreating" } } };
    const running = {
      ...base,
      containerID: containerId,
      imageID: "docker-pullable://nginx@sha256:9ad0746d8f2ea6df3a17ba89eca40b48c47066dfab55a75e08e2b70fc80d929e",
    };
    if (phase === "running") return { ...running, lastState: {}, ready: true, restartCount: 0, state: { running: { startedAt: started } } };
    const terminated = { terminated: { containerID: containerId, exitCode: 137, finishedAt: time, reason: "OOMKilled", startedAt: started } };
    return { ...running, lastState: terminated, ready: phase === "ready-again", restartCount: 1, state: { running: { startedAt: time } } };
  }

  function statusPatch(times: RequestTimes, phase: Phase): Json {
    if (phase === "running") started = times.seconds;
    const ready = phase === "running" || phase === "ready-again";
    const reason = phase === "restarted" ? "ContainersNotReady" : undefined;
    const conditions = [
      condition("Initialized", true, created),
      condition("Ready", ready, times.seconds, reason),
      condition("ContainersReady", ready, times.seconds, reason),
    ];
    const changes: Json = {
      conditions,
      containerStatuses: [containerStatus(phase, times.seconds)],
      ...(phase === "creating" ? { hostIP: "192.168.99.100", startTime: created } : {}),
      ...(phase === "running" ? { phase: "Running", podIP } : {}),
    };
    const patch = {
      metadata: { uid },
      status: {
        "$setElementOrder/conditions": [{ type: "Initialized" }, { type: "Ready" }, { type: "ContainersReady" }, { type: "PodScheduled" }],
        ...changes,
      },
    };
    const scheduled = pod.status.conditions.find((c: Json) => c.type === "PodScheduled");
    pod.status = { ...pod.status, ...changes, conditions: [...conditions, scheduled] };
    pod.metadata.resourceVersion = ctx.resourceVersion();
    return auditEvent({
      auditId: ctx.auditId(),
      times,
      level: "RequestResponse",
      verb: "patch",
      actor: kubelet(node),
      objectRef: { ...objectRef, subresource: "status" },
      requestURI: `${uri}/status`,
      code: 200,
      requestObject: patch,
      responseObject: structuredClone(pod),
    });
  }

  return {
    steps: 2 + PHASES.length,
    write(step) {
      const times = ctx.times();
      if (step === 0) return create(times);
      if (step === 1) return bind(times);
      return statusPatch(times, PHASES[step - 2]!);
    },
  };
}
