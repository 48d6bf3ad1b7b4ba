import { AuditClock, seededRandom, uuidOf } from "../../ingest/workload/clock";
import { newConfigMap } from "../../ingest/workload/configMaps";
import { auditEvent, type Actor, type GeneratorContext, type Json } from "../../ingest/workload/envelope";
import { falcoTemplate, kubectlActor } from "../../ingest/workload/falco";
import { newService } from "../../ingest/workload/services";

/**
 * The audit events whose history rows become the templates of the kinds the OpenShift capture
 * has no bodies for (cluster `templates`): a ConfigMap's and a Service's life (the ingest
 * benchmark's lifecycles, derived from the real falco events create_configmap.json and
 * create_service.json; the ConfigMap's delete is the real delete_configmap.json), and an
 * EndpointSlice's and a Node's life.
 *
 * The EndpointSlice and the Node are CONSTRUCTED, not recorded: no fixture holds their bodies.
 * They follow what the endpointslice-controller (discovery.k8s.io/v1, one endpoint per ready
 * Pod, an ownerReference to the Service) and the kubelet (a Node registered by itself, then a
 * strategic merge patch of the conditions' heartbeat times every five minutes, answered by the
 * whole Node) send, with the fields `kubectl get -o yaml` shows for them on a kubeadm cluster.
 */

export const TEMPLATE_NAMESPACE = "templates";
export const TEMPLATE_SERVICE = "web";
/** The Pods the template EndpointSlice routes to; the row of each update names one of them. */
export const TEMPLATE_ENDPOINT_PODS = ["web-7d4b9c6f58-x2x9k", "web-7d4b9c6f58-qm5zt", "web-7d4b9c6f58-h8vbc"];
export const TEMPLATE_NODE = "ip-10-0-1-17.ec2.internal";

const ENDPOINTSLICE_CONTROLLER: Actor = {
  user: { username: "system:serviceaccount:kube-system:endpointslice-controller", groups: ["system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"] },
  userAgent: "kube-controller-manager/v1.29.3 (linux/amd64) kubernetes/6813625/system:serviceaccount:kube-system:endpointslice-controller",
  sourceIP: "10.0.1.10",
  reason: 'RBAC: allowed by ClusterRoleBinding "system:controller:endpointslice-controller" of ClusterRole "system:controller:endpointslice-controller" to ServiceAccount "endpointslice-controller/kube-system"',
};

function kubelet(node: string): Actor {
  return {
    user: { username: `system:node:${node}`, groups: ["system:nodes", "system:authenticated"] },
    userAgent: "kubelet/v1.29.3 (linux/amd64) kubernetes/6813625",
    sourceIP: "10.0.1.17",
    reason: "",
  };
}

function contextOf(seed: number, start: string): GeneratorContext {
  const random = seededRandom(seed);
  const clock = new AuditClock(start, 0.2, random);
  let audits = 0;
  let uids = 0;
  let version = 500_000;
  return {
    times: () => clock.next(),
    auditId: () => uuidOf(seed, ++audits),
    uid: () => uuidOf(seed + 1, ++uids),
    resourceVersion: () => String(++version),
    random,
  };
}

/** kubectl delete of a ConfigMap: the real falco event, retargeted. */
function configMapDelete(ctx: GeneratorContext, name: string, uid: string): Json {
  const template = falcoTemplate("delete_configmap.json");
  const uri = `/api/v1/namespaces/${TEMPLATE_NAMESPACE}/configmaps/${name}`;
  return auditEvent({
    auditId: ctx.auditId(),
    times: ctx.times(),
    level: "RequestResponse",
    verb: "delete",
    actor: kubectlActor(template),
    objectRef: { resource: "configmaps", namespace: TEMPLATE_NAMESPACE, name, apiVersion: "v1" },
    requestURI: uri,
    code: 200,
    status: { status: "Success" },
    requestObject: template.requestObject,
    responseObject: { ...structuredClone(template.responseObject), details: { kind: "configmaps", name, uid } },
  });
}

function endpointSliceEvents(ctx: GeneratorContext, serviceUid: string): Json[] {
  const name = `${TEMPLATE_SERVICE}-8fk2p`;
  const uid = ctx.uid();
  const uri = `/apis/discovery.k8s.io/v1/namespaces/${TEMPLATE_NAMESPACE}/endpointslices`;
  // A generateName create: objectRef has no name yet.
  const createRef = { resource: "endpointslices", namespace: TEMPLATE_NAMESPACE, apiGroup: "discovery.k8s.io", apiVersion: "v1" };
  const objectRef = { ...createRef, name };
  const endpoint = (pod: string, index: number, ready: boolean) => ({
    addresses: [`10.244.${1 + index}.${20 + index}`],
    conditions: { ready, serving: ready, terminating: false },
    nodeName: TEMPLATE_NODE,
    targetRef: { kind: "Pod", name: pod, namespace: TEMPLATE_NAMESPACE, uid: uuidOf(0x7e3, index + 1) },
    zone: "us-east-1a",
  });
  let generation = 0;
  const body = (created: string, endpoints: Json[]): Json => ({
    kind: "EndpointSlice",
    apiVersion: "discovery.k8s.io/v1",
    metadata: {
      name,
      generateName: `${TEMPLATE_SERVICE}-`,
      namespace: TEMPLATE_NAMESPACE,
      uid,
      resourceVersion: ctx.resourceVersion(),
      generation: ++generation,
      creationTimestamp: created,
      labels: {
        "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
        "kubernetes.io/service-name": TEMPLATE_SERVICE,
        app: TEMPLATE_SERVICE,
      },
      annotations: { "endpoints.kubernetes.io/last-change-trigger-time": created },
      ownerReferences: [{ apiVersion: "v1", kind: "Service", name: TEMPLATE_SERVICE, uid: serviceUid, controller: true, blockOwnerDeletion: true }],
    },
    addressType: "IPv4",
    endpoints,
    ports: [{ name: "http", protocol: "TCP", port: 8080 }],
  });
  const [a, b, c] = TEMPLATE_ENDPOINT_PODS as [string, string, string];
  // create with two ready Pods; a third becomes ready; one goes unready and back; one leaves.
  const states: Json[][] = [
    [endpoint(a, 0, true), endpoint(b, 1, true)],
    [endpoint(a, 0, true), endpoint(b, 1, true), endpoint(c, 2, true)],
    [endpoint(a, 0, true), endpoint(b, 1, false), endpoint(c, 2, true)],
    [endpoint(a, 0, true), endpoint(b, 1, true), endpoint(c, 2, true)],
    [endpoint(b, 1, true), endpoint(c, 2, true)],
  ];
  let created = "";
  return states.map((endpoints, step) => {
    const times = ctx.times();
    if (step === 0) created = times.seconds;
    const stored = body(created, endpoints);
    stored.metadata.annotations["endpoints.kubernetes.io/last-change-trigger-time"] = times.seconds;
    const request = structuredClone(stored);
    if (step === 0) for (const field of ["uid", "resourceVersion", "generation", "creationTimestamp"]) delete request.metadata[field];
    return auditEvent({
      auditId: ctx.auditId(),
      times,
      level: "RequestResponse",
      verb: step === 0 ? "create" : "update",
      actor: ENDPOINTSLICE_CONTROLLER,
      objectRef: step === 0 ? createRef : objectRef,
      requestURI: step === 0 ? uri : `${uri}/${name}`,
      code: step === 0 ? 201 : 200,
      requestObject: request,
      responseObject: stored,
    });
  });
}

const NODE_CONDITIONS = [
  ["MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"],
  ["DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"],
  ["PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"],
  ["Ready", "True", "KubeletReady", "kubelet is posting ready status"],
] as const;

function nodeEvents(ctx: GeneratorContext): Json[] {
  const actor = kubelet(TEMPLATE_NODE);
  const uri = "/api/v1/nodes";
  const objectRef = { resource: "nodes", name: TEMPLATE_NODE, apiVersion: "v1" };
  const uid = ctx.uid();
  const conditions = (heartbeat: string, transition: string) =>
    NODE_CONDITIONS.map(([type, status, reason, message]) => ({ type, status, lastHeartbeatTime: heartbeat, lastTransitionTime: transition, reason, message }));
  const node: Json = {
    kind: "Node",
    apiVersion: "v1",
    metadata: {
      name: TEMPLATE_NODE,
      uid,
      resourceVersion: "",
      creationTimestamp: "",
      labels: {
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/instance-type": "m5.2xlarge",
        "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": TEMPLATE_NODE,
        "kubernetes.io/os": "linux",
        "node.kubernetes.io/instance-type": "m5.2xlarge",
        "topology.kubernetes.io/region": "us-east-1",
        "topology.kubernetes.io/zone": "us-east-1a",
      },
      annotations: {
        "node.alpha.kubernetes.io/ttl": "0",
        "volumes.kubernetes.io/controller-managed-attach-detach": "true",
      },
    },
    spec: { podCIDR: "10.244.1.0/24", podCIDRs: ["10.244.1.0/24"], providerID: "aws:///us-east-1a/i-0a1b2c3d4e5f60718" },
    status: {
      capacity: { cpu: "8", "ephemeral-storage": "104845292Ki", "hugepages-1Gi": "0", "hugepages-2Mi": "0", memory: "32386220Ki", pods: "110" },
      allocatable: { cpu: "7910m", "ephemeral-storage": "95551679124", "hugepages-1Gi": "0", "hugepages-2Mi": "0", memory: "31369388Ki", pods: "110" },
      conditions: [],
      addresses: [
        { type: "InternalIP", address: "10.0.1.17" },
        { type: "InternalDNS", address: TEMPLATE_NODE },
        { type: "Hostname", address: TEMPLATE_NODE },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: "ec2b6a1f0c9d4e8f9a7b6c5d4e3f2a1b",
        systemUUID: "ec2b6a1f-0c9d-4e8f-9a7b-6c5d4e3f2a1b",
        bootID: "5f0c3f0e-2a3b-4c5d-8e9f-0a1b2c3d4e5f",
        kernelVersion: "5.10.210-201.852.amzn2.x86_64",
        osImage: "Amazon Linux 2",
        containerRuntimeVersion: "containerd://1.7.11",
        kubeletVersion: "v1.29.3",
        kubeProxyVersion: "v1.29.3",
        operatingSystem: "linux",
        architecture: "amd64",
      },
      images: [
        { names: ["registry.k8s.io/kube-proxy@sha256:fa87cba052adcb992bd59bd1304115c6f3b3fb370407805ba52af3d9ff3f0863", "registry.k8s.io/kube-proxy:v1.29.3"], sizeBytes: 28398741 },
        { names: ["docker.io/library/nginx@sha256:6db391d1c0cfb30588ba0bf72ea999404f2764febf0f1f196acd5867ac7efa7e", "docker.io/library/nginx:1.25"], sizeBytes: 70542235 },
        { names: ["registry.k8s.io/pause@sha256:7031c1b283388d2c2e09b57badb803c05ebed362dc88d84b480cc47f72a21097", "registry.k8s.io/pause:3.9"], sizeBytes: 321520 },
      ],
    },
  };
  const events: Json[] = [];
  let created = "";
  for (let step = 0; step < 3; step++) {
    const times = ctx.times();
    node.metadata.resourceVersion = ctx.resourceVersion();
    if (step === 0) {
      created = times.seconds;
      node.metadata.creationTimestamp = created;
      node.status.conditions = conditions(created, created);
      const request = structuredClone(node);
      for (const field of ["uid", "resourceVersion", "creationTimestamp"]) delete request.metadata[field];
      events.push(auditEvent({ auditId: ctx.auditId(), times, level: "RequestResponse", verb: "create", actor, objectRef, requestURI: uri, code: 201, requestObject: request, responseObject: structuredClone(node) }));
      continue;
    }
    node.status.conditions = conditions(times.seconds, created);
    const patch = {
      status: {
        "$setElementOrder/conditions": NODE_CONDITIONS.map(([type]) => ({ type })),
        conditions: NODE_CONDITIONS.map(([type]) => ({ lastHeartbeatTime: times.seconds, type })),
      },
    };
    events.push(
      auditEvent({
        auditId: ctx.auditId(),
        times,
        level: "RequestResponse",
        verb: "patch",
        actor,
        objectRef: { ...objectRef, subresource: "status" },
        requestURI: `${uri}/${TEMPLATE_NODE}/status?timeout=10s`,
        code: 200,
        requestObject: patch,
        responseObject: structuredClone(node),
      }),
    );
  }
  return events;
}

/** The template events of cluster `templates`, in time order. */
export function templateEvents(): Json[] {
  const ctx = contextOf(0x6b7151, "2026-01-02T10:00:00Z");
  const events: Json[] = [];
  const configMap = newConfigMap(ctx, TEMPLATE_NAMESPACE, "web-config");
  for (let step = 0; step < configMap.steps; step++) events.push(configMap.write(step));
  const configMapUid = events[0]?.responseObject?.metadata?.uid as string;
  events.push(configMapDelete(ctx, "web-config", configMapUid));
  const service = newService(ctx, TEMPLATE_NAMESPACE, TEMPLATE_SERVICE);
  for (let step = 0; step < service.steps; step++) events.push(service.write(step));
  events.push(...endpointSliceEvents(ctx, ctx.uid()));
  events.push(...nodeEvents(ctx));
  return events;
}
