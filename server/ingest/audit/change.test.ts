import { describe, expect, it } from "vitest";
import { DEFAULT_SENSITIVE_RULES, hmacFingerprint, redactBody } from "../../model/redact/redact";
import { exampleSecretBody, loadFalcoTraceEvent, realApiserverDeployment, realApiserverPod } from "../../testing/fixtures";
import { parseKubernetesVersion } from "../../k8s/kubernetesVersion";
import { apiserverBehaviourOf } from "./apiserverBehaviour";
import { computeChange, createsObject, resourceVersionOf, type ChangeOptions, type PreviousState } from "./change";
import type { AuditWrite, JsonObject, JsonValue } from "./types";

type Loose = Record<string, any>;

const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

/**
 * The AuditWrite of a real audit event, with the fields computeChange reads filled as the
 * converter fills them (bodyAfter: the response object unless it is a Status). Enough for
 * these tests; the converter's own tests cover the conversion.
 */
function writeOf(event: Loose, overrides: Partial<AuditWrite> = {}): AuditWrite {
  const ref = event.objectRef as Loose;
  const code: number | null = event.responseStatus?.code ?? null;
  const response = event.responseObject as Loose | undefined;
  return {
    kind: "write",
    auditId: event.auditID,
    stage: event.stage,
    requestReceived: event.requestReceivedTimestamp,
    level: event.level,
    object: {
      apiGroup: ref.apiGroup ?? "",
      apiVersion: ref.apiVersion ?? "v1",
      resource: ref.resource,
      kind: null,
      namespace: ref.namespace ?? "",
      name: ref.name ?? "",
      uid: ref.uid ?? null,
    },
    verb: event.verb,
    subresource: ref.subresource ?? "",
    startTime: new Date(event.requestReceivedTimestamp),
    endTime: new Date(event.stageTimestamp),
    actor: event.user.username,
    title: `${event.user.username} ${event.verb}`,
    statusCode: code,
    failed: code !== null && code >= 300,
    dryRun: false,
    userAgent: event.userAgent ?? null,
    details: { user: event.user.username, groups: event.user.groups ?? [], sourceIPs: event.sourceIPs ?? [], requestURI: event.requestURI, annotations: event.annotations ?? {} },
    bodyAfter: response && response.kind !== "Status" ? (structuredClone(response) as JsonObject) : null,
    patch: null,
    ...overrides,
  };
}

/** The change options of a cluster whose kube-apiserver is of release `version`. */
const onKubernetes = (version: string): ChangeOptions => ({ apiserverAt: () => apiserverBehaviourOf(parseKubernetesVersion(version)) });

const NOTHING_KNOWN = { diff: null, snapshot: null, noop: false, nextState: null, deleted: false };
const UNKNOWN: PreviousState = { state: null, resourceVersion: null };

function known(state: JsonObject | Loose): PreviousState {
  return { state: state as JsonObject, resourceVersion: resourceVersionOf(state as JsonObject) };
}

// Fresh copies of real objects from the OpenShift capture; tests change them as a real write would.
const realDeployment = () => realApiserverDeployment() as Loose;
const realPod = () => realApiserverPod() as Loose;

/**
 * A write of `body` to the real Deployment, as an update at RequestResponse level (the
 * envelope of the real falco create_deployment.json event, changed to an update).
 */
function deploymentUpdate(body: Loose | null, overrides: Partial<AuditWrite> = {}): AuditWrite {
  const event = structuredClone(loadFalcoTraceEvent("create_deployment.json")) as Loose;
  event.verb = "update";
  event.level = "RequestResponse";
  event.objectRef = { apiGroup: "apps", apiVersion: "v1", resource: "deployments", namespace: "openshift-apiserver", name: "apiserver" };
  event.responseStatus = { code: 200 };
  return writeOf(event, { bodyAfter: body as JsonObject | null, ...overrides });
}

/**
 * The scheduler's binding of the real Pod to `node` (pods/binding: a create whose request is a
 * Binding and whose answer a Status), as the converter gives it, with its effect.
 */
function podBinding(node: string): AuditWrite {
  const event = structuredClone(loadFalcoTraceEvent("create_nginx_pod_privileged.json")) as Loose;
  event.objectRef = { apiVersion: "v1", resource: "pods", namespace: "openshift-apiserver", name: "apiserver-5d887d5fcd-mrn5h", subresource: "binding" };
  event.responseStatus = { code: 201 };
  event.responseObject = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 };
  event.stageTimestamp = "2021-09-13T14:58:48.512345Z";
  return writeOf(event, { effect: { kind: "binding", nodeName: node, at: "2021-09-13T14:58:48Z" } });
}

describe("computeChange: create", () => {
  it("keeps the created object as the snapshot and the state to diff from", () => {
    const write = writeOf(loadFalcoTraceEvent("create_nginx_pod_privileged.json"));
    const change = computeChange(UNKNOWN, write);
    expect(change).toEqual({ diff: null, snapshot: write.bodyAfter, noop: false, nextState: write.bodyAfter, deleted: false });
    expect((change.snapshot as Loose).metadata.name).toBe("nginx-deployment-5cdcc99dbf-rgw6z");
  });

  it("has no snapshot at Metadata level", () => {
    const write = writeOf(loadFalcoTraceEvent("create_secret.json"));
    expect(write.bodyAfter).toBeNull();
    expect(computeChange(UNKNOWN, write)).toEqual(NOTHING_KNOWN);
  });

  it("does not count a create on a subresource (pods/exec) as a new object", () => {
    const write = writeOf(loadFalcoTraceEvent("exec_pod.json"));
    expect(write.subresource).toBe("exec");
    const previous = known(realPod());
    expect(computeChange(previous, write)).toEqual(NOTHING_KNOWN);
  });

  it("never takes an Eviction body for the Pod", () => {
    // Derived from exec_pod.json's envelope: a drain evicting the real Pod.
    const event = structuredClone(loadFalcoTraceEvent("exec_pod.json")) as Loose;
    event.objectRef.subresource = "eviction";
    event.responseStatus = { code: 201 };
    const eviction = { apiVersion: "policy/v1", kind: "Eviction", metadata: { name: "apiserver-5d887d5fcd-mrn5h", namespace: "openshift-apiserver" } };
    const change = computeChange(known(realPod()), writeOf(event, { bodyAfter: eviction }));
    expect(change).toEqual(NOTHING_KNOWN);
  });
});

describe("computeChange: failed requests", () => {
  it("changes nothing when the write failed", () => {
    // Derived from create_configmap.json: the same kubectl create run again, refused with 409 AlreadyExists.
    const event = structuredClone(loadFalcoTraceEvent("create_configmap.json")) as Loose;
    event.responseStatus = { code: 409, status: "Failure", reason: "AlreadyExists", message: 'configmaps "my-config" already exists' };
    event.responseObject = { apiVersion: "v1", kind: "Status", status: "Failure", reason: "AlreadyExists", code: 409, metadata: {} };
    const write = writeOf(event);
    expect(write.failed).toBe(true);
    const previous = known(loadFalcoTraceEvent("create_configmap.json").responseObject as JsonObject);
    expect(computeChange(previous, write)).toEqual(NOTHING_KNOWN);
    // Even with a body at hand (an update refused by a stale resourceVersion).
    const conflict = deploymentUpdate(realDeployment(), { statusCode: 409, failed: true });
    expect(computeChange(known(realDeployment()), conflict)).toEqual(NOTHING_KNOWN);
  });
});

describe("computeChange: dry runs", () => {
  it("changes nothing by a dry-run update, delete or create, even with a body at hand", () => {
    const scaled = realDeployment();
    scaled.spec.replicas = 5;
    for (const verb of ["update", "patch", "delete", "create"] as const) {
      expect(computeChange(known(realDeployment()), deploymentUpdate(scaled, { verb, dryRun: true })), verb).toEqual(NOTHING_KNOWN);
    }
  });
});

describe("computeChange: server-side apply of a new object", () => {
  // `kubectl apply --server-side` creates an object that does not exist with a patch, answered 201 Created.
  it("takes a patch answered 201 for a create: a snapshot, and no diff against an earlier incarnation", () => {
    const created = realDeployment();
    const write = deploymentUpdate(created, { verb: "patch", statusCode: 201 });
    expect(createsObject(write)).toBe(true);
    const earlier = realDeployment();
    earlier.metadata.resourceVersion = "100";
    expect(computeChange(known(earlier), write)).toEqual({ diff: null, snapshot: created, noop: false, nextState: created, deleted: false });
  });

  it("does not take a patch answered 200, a failed one or a dry run for a create", () => {
    expect(createsObject(deploymentUpdate(realDeployment(), { verb: "patch", statusCode: 200 }))).toBe(false);
    expect(createsObject(deploymentUpdate(null, { verb: "patch", statusCode: 409, failed: true }))).toBe(false);
    expect(createsObject(deploymentUpdate(realDeployment(), { verb: "patch", statusCode: 201, dryRun: true }))).toBe(false);
    expect(createsObject(deploymentUpdate(realDeployment(), { verb: "patch", statusCode: 201, subresource: "status" }))).toBe(false);
  });
});

describe("computeChange: update and patch", () => {
  it("diffs a kubectl apply patch against the state before it", () => {
    // Real event: kubectl apply on the bootstrap ClusterRole system:node-problem-detector.
    // The state before it is rebuilt from the last-applied annotation, which holds the object
    // as the user fetched it (resourceVersion 62), minus the empty namespace the API never
    // serves for a cluster-scoped object.
    const event = loadFalcoTraceEvent("modify_cluster_role_node_problem_detector.json") as Loose;
    const before = JSON.parse(event.responseObject.metadata.annotations[LAST_APPLIED]) as Loose;
    delete before.metadata.namespace;
    const write = writeOf(event, { patch: event.requestObject as JsonValue });

    const change = computeChange(known(before), write);
    expect(change.diff).toEqual([
      { path: `metadata.annotations["${LAST_APPLIED}"]`, new: event.responseObject.metadata.annotations[LAST_APPLIED] },
    ]);
    expect(change).toMatchObject({ snapshot: null, noop: false, nextState: write.bodyAfter, deleted: false });
    expect(resourceVersionOf(change.nextState)).toBe("269365");
  });

  it("diffs a scale of the real Deployment from 1 to 3", () => {
    // Derived from the real Deployment: the state one write earlier had replicas 1.
    const before = realDeployment();
    before.spec.replicas = 1;
    before.metadata.generation = 2;
    before.metadata.resourceVersion = "22871";
    before.status.observedGeneration = 2;
    const after = realDeployment();
    const change = computeChange(known(before), deploymentUpdate(after));
    expect(change).toEqual({
      diff: [
        { path: "metadata.generation", old: 2, new: 3 },
        { path: "spec.replicas", old: 1, new: 3 },
        { path: "status.observedGeneration", old: 2, new: 3 },
      ],
      snapshot: null,
      noop: false,
      nextState: after,
      deleted: false,
    });
  });

  it("detects a no-op update: the apiserver answers with the same resourceVersion", () => {
    // A kubectl apply with nothing to change: the response is the stored object, unchanged.
    const stored = realDeployment();
    const change = computeChange(known(stored), deploymentUpdate(realDeployment()));
    expect(change).toEqual({ diff: [], snapshot: null, noop: true, nextState: realDeployment(), deleted: false });
  });

  it("does not call an update a no-op from the request body at Request level", () => {
    // At Request level the body is the request, carrying the resourceVersion the client read.
    const stored = realDeployment();
    const request = realDeployment();
    request.spec.replicas = 5;
    const change = computeChange(known(stored), deploymentUpdate(request, { level: "Request" }));
    expect(change.noop).toBe(false);
    expect(change.diff).toEqual([{ path: "spec.replicas", old: 3, new: 5 }]);
  });

  it("remembers the body but has nothing to diff without a previous state", () => {
    const body = realDeployment();
    expect(computeChange(UNKNOWN, deploymentUpdate(body))).toEqual({ diff: null, snapshot: null, noop: false, nextState: body, deleted: false });
    // A resourceVersion known from earlier Metadata-level events still tells a no-op.
    expect(computeChange({ state: null, resourceVersion: "22959" }, deploymentUpdate(body)).noop).toBe(true);
  });

  it("keeps the known state for a patch at Request level; the caller records the patch", () => {
    const patch = { spec: { replicas: 5 } };
    const write = deploymentUpdate(null, { verb: "patch", level: "Request", patch });
    expect(computeChange(known(realDeployment()), write)).toEqual(NOTHING_KNOWN);
  });

  it("keeps the known state for an update at Metadata level", () => {
    expect(computeChange(known(realDeployment()), deploymentUpdate(null, { level: "Metadata" }))).toEqual(NOTHING_KNOWN);
  });

  it("diffs a status update, whose body is the whole object", () => {
    const before = realDeployment();
    before.status.readyReplicas = 2;
    before.status.availableReplicas = 2;
    const after = realDeployment();
    const change = computeChange(known(before), deploymentUpdate(after, { subresource: "status" }));
    expect(change.diff).toEqual([
      { path: "status.availableReplicas", old: 2, new: 3 },
      { path: "status.readyReplicas", old: 2, new: 3 },
    ]);
    expect(change.nextState).toBe(after);
  });

  it("never takes a Scale body for the Deployment", () => {
    const scale = { apiVersion: "autoscaling/v1", kind: "Scale", metadata: { name: "apiserver", namespace: "openshift-apiserver", resourceVersion: "23100" }, spec: { replicas: 5 }, status: { replicas: 3 } };
    expect(computeChange(known(realDeployment()), deploymentUpdate(scale, { subresource: "scale", verb: "patch" }))).toEqual(NOTHING_KNOWN);
    // Even when nothing tells the object's kind to compare with.
    expect(computeChange(UNKNOWN, deploymentUpdate(scale, { subresource: "scale", verb: "patch" }))).toEqual(NOTHING_KNOWN);
    // A subresource not known to return another kind is still checked by kind.
    expect(computeChange(known(realDeployment()), deploymentUpdate(scale, { subresource: "autoscale" }))).toEqual(NOTHING_KNOWN);
  });

  it("makes a Scale's replicas the Deployment's, as this write's change, with the object's new version and generation", () => {
    // The real Deployment (3 replicas, generation 1) scaled to 5 by `kubectl scale`: its Scale
    // answer is not the Deployment, but says its replicas and its resourceVersion after the write.
    const before = realDeployment();
    const write = deploymentUpdate(null, { subresource: "scale", verb: "patch", effect: { kind: "scale", replicas: 5, resourceVersion: "23100" } });
    const change = computeChange(known(before), write);
    expect(change.diff).toEqual([
      { path: "metadata.generation", old: before.metadata.generation, new: before.metadata.generation + 1 },
      { path: "spec.replicas", old: 3, new: 5 },
    ]);
    expect(change.noop).toBe(false);
    const after = change.nextState as Loose;
    expect(after.spec.replicas).toBe(5);
    expect(after.metadata.resourceVersion).toBe("23100");
    // The previous state is not changed in place: it may be a cached one.
    expect(before.spec.replicas).toBe(3);
    // The rest is the previous state's.
    expect({ ...after, metadata: {}, spec: {} }).toEqual({ ...before, metadata: {}, spec: {} });
  });

  it("takes a Scale that left the replicas and the version as they were for a no-op", () => {
    const before = realDeployment();
    const change = computeChange(known(before), deploymentUpdate(null, { subresource: "scale", verb: "patch", effect: { kind: "scale", replicas: 3, resourceVersion: before.metadata.resourceVersion } }));
    expect(change).toMatchObject({ diff: [], noop: true });
    expect((change.nextState as Loose).metadata.generation).toBe(before.metadata.generation);
  });

  it("leaves the version out of a state a Scale's request made (Request level): it is not the version before", () => {
    const before = realDeployment();
    const change = computeChange(known(before), deploymentUpdate(null, { subresource: "scale", level: "Request", effect: { kind: "scale", replicas: 4, resourceVersion: null } }));
    expect(change.diff).toEqual(expect.arrayContaining([{ path: "spec.replicas", old: 3, new: 4 }]));
    expect((change.nextState as Loose).metadata.resourceVersion).toBeUndefined();
    expect(change.noop).toBe(false);
  });

  it("knows nothing of a scale or binding of an object whose state it never saw", () => {
    expect(computeChange(UNKNOWN, deploymentUpdate(null, { subresource: "scale", verb: "patch", effect: { kind: "scale", replicas: 5, resourceVersion: "23100" } }))).toEqual(NOTHING_KNOWN);
    expect(computeChange(UNKNOWN, podBinding("node-a"))).toEqual(NOTHING_KNOWN);
  });

  it("puts a bound Pod on its node and makes it scheduled, as this write's change", () => {
    // The real Pod as the replicaset-controller created it: not yet on a node, not yet scheduled.
    const before = realPod();
    const node = before.spec.nodeName;
    delete before.spec.nodeName;
    before.status = { phase: "Pending", qosClass: before.status.qosClass };
    const change = computeChange(known(before), podBinding(node));
    expect(change.diff).toEqual([
      { path: "spec.nodeName", new: node },
      { path: "status.conditions", new: [{ type: "PodScheduled", status: "True", lastProbeTime: null, lastTransitionTime: "2021-09-13T14:58:48Z" }] },
    ]);
    const after = change.nextState as Loose;
    // The previous state is not changed in place: an earlier write's observation may hold it.
    expect(before.spec.nodeName).toBeUndefined();
    expect(before.status.conditions).toBeUndefined();
    expect(before.metadata.resourceVersion).toBe(realPod().metadata.resourceVersion);
    // No version after a binding: it answers with a Status.
    expect(after.metadata.resourceVersion).toBeUndefined();
    expect(change.noop).toBe(false);
  });

  it("copies a Binding's annotations onto the Pod's, over those of the same key", () => {
    const before = realPod();
    delete before.spec.nodeName;
    const annotations = before.metadata.annotations;
    const [key] = Object.keys(annotations);
    const binding = podBinding("node-a");
    binding.effect = { kind: "binding", nodeName: "node-a", at: "2021-09-13T14:58:48Z", annotations: { [key!]: "from the binding", "scheduling.example.com/zone": "eu-1a" } };
    const change = computeChange(known(before), binding);
    expect(change.diff).toEqual(
      expect.arrayContaining([
        { path: `metadata.annotations[${JSON.stringify(key)}]`, old: annotations[key!], new: "from the binding" },
        { path: 'metadata.annotations["scheduling.example.com/zone"]', new: "eu-1a" },
      ]),
    );
    expect((change.nextState as Loose).metadata.annotations).toEqual({ ...annotations, [key!]: "from the binding", "scheduling.example.com/zone": "eu-1a" });
    expect(before.metadata.annotations).toEqual(realPod().metadata.annotations);
  });

  it("knows nothing of a binding that arrives after a state of its Pod on a node: it is older than that state", () => {
    const bound = realPod();
    expect(computeChange(known(bound), podBinding(bound.spec.nodeName))).toEqual(NOTHING_KNOWN);
    expect(computeChange(known(bound), podBinding("another-node"))).toEqual(NOTHING_KNOWN);
  });

  it("replaces a Pod's PodScheduled condition as the apiserver does, keeping its time when it was already true", () => {
    const unschedulable = realPod();
    delete unschedulable.spec.nodeName;
    unschedulable.status.conditions = [{ type: "PodScheduled", status: "False", reason: "Unschedulable", message: "0/6 nodes are available", lastProbeTime: null, lastTransitionTime: "2021-09-13T14:50:00Z" }];
    const scheduled = (computeChange(known(unschedulable), podBinding("node-a")).nextState as Loose).status.conditions;
    expect(scheduled).toEqual([{ type: "PodScheduled", status: "True", lastProbeTime: null, lastTransitionTime: "2021-09-13T14:58:48Z" }]);
    const already = realPod();
    delete already.spec.nodeName;
    const kept = already.status.conditions.find((c: Loose) => c.type === "PodScheduled");
    const conditionsBefore = structuredClone(already.status.conditions);
    const conditions = (computeChange(known(already), podBinding("node-a")).nextState as Loose).status.conditions;
    expect(already.status.conditions).toEqual(conditionsBefore);
    expect(conditions.find((c: Loose) => c.type === "PodScheduled")).toEqual({ type: "PodScheduled", status: "True", lastProbeTime: null, lastTransitionTime: kept.lastTransitionTime });
  });

  it("copies a Binding's labels onto the Pod's, over those of the same key, only where kube-apiserver does: 1.35 and later", () => {
    // A scheduler that labels its decision, on the real Pod before it was bound.
    const before = realPod();
    delete before.spec.nodeName;
    const labels = before.metadata.labels;
    const [key] = Object.keys(labels);
    const binding = podBinding("node-a");
    binding.effect = { kind: "binding", nodeName: "node-a", at: "2021-09-13T14:58:48Z", labels: { [key!]: "from-the-binding", "topology.kubernetes.io/zone": "eu-1a" } };
    const copied = computeChange(known(before), binding, onKubernetes("v1.35.0"));
    expect(copied.diff).toEqual(
      expect.arrayContaining([
        { path: `metadata.labels.${key}`, old: labels[key!], new: "from-the-binding" },
        { path: 'metadata.labels["topology.kubernetes.io/zone"]', new: "eu-1a" },
      ]),
    );
    expect((copied.nextState as Loose).metadata.labels).toEqual({ ...labels, [key!]: "from-the-binding", "topology.kubernetes.io/zone": "eu-1a" });
    expect(before.metadata.labels).toEqual(realPod().metadata.labels);
    // 1.34 (PodTopologyLabelsAdmission alpha, off), and a cluster whose version is unknown: the labels are not the Pod's.
    for (const options of [onKubernetes("v1.34.2"), {}]) {
      const ignored = computeChange(known(before), binding, options);
      // The real Pod was scheduled already: its node is all that changes.
      expect(ignored.diff).toEqual([{ path: "spec.nodeName", new: "node-a" }]);
      expect((ignored.nextState as Loose).metadata.labels).toEqual(labels);
    }
  });

  it("clears the Pod's nominated node where kube-apiserver does: 1.35 and later", () => {
    // The real Pod before it was bound, nominated by a preemption for the node it is then bound
    // to (the scheduler sets status.nominatedNodeName; ClearingNominatedNodeNameAfterBinding,
    // beta and on by default from 1.35, has the binding clear it: setPodNodeAndMetadata).
    const nominated = realPod();
    delete nominated.spec.nodeName;
    nominated.status = { phase: "Pending", qosClass: nominated.status.qosClass, nominatedNodeName: "node-a" };
    for (const binding of [podBinding("node-a"), { ...podBinding("node-a"), effect: { kind: "binding" as const, nodeName: "node-a", at: null } }]) {
      const cleared = computeChange(known(nominated), binding, onKubernetes("v1.35.0"));
      expect(cleared.diff).toContainEqual({ path: "status.nominatedNodeName", old: "node-a" });
      expect((cleared.nextState as Loose).status.nominatedNodeName).toBeUndefined();
    }
    expect(nominated.status.nominatedNodeName).toBe("node-a");
    // 1.34 (alpha, off), and a cluster whose version is unknown: the nomination stays until the scheduler clears it.
    for (const options of [onKubernetes("v1.34.2"), {}]) {
      const kept = computeChange(known(nominated), podBinding("node-a"), options);
      expect((kept.diff ?? []).map((d) => d.path)).not.toContain("status.nominatedNodeName");
      expect((kept.nextState as Loose).status.nominatedNodeName).toBe("node-a");
    }
  });

  it("makes up no PodScheduled time when the binding's request spanned two seconds: the Pod is on its node, its condition as it was", () => {
    const spanning = (annotations?: JsonObject) => {
      const binding = podBinding("node-a");
      binding.startTime = new Date("2021-09-13T14:58:47.996012Z");
      binding.effect = { kind: "binding", nodeName: "node-a", at: null, ...(annotations ? { annotations } : {}) };
      return binding;
    };
    // Created and not yet scheduled: no conditions at all.
    const pending = realPod();
    delete pending.spec.nodeName;
    pending.status = { phase: "Pending", qosClass: pending.status.qosClass };
    const change = computeChange(known(pending), spanning({ "scheduling.example.com/zone": "eu-1a" }));
    expect(change.diff).toEqual([
      { path: 'metadata.annotations["scheduling.example.com/zone"]', new: "eu-1a" },
      { path: "spec.nodeName", new: "node-a" },
    ]);
    expect((change.nextState as Loose).status).toEqual(pending.status);
    // Found unschedulable first: it stays so in the state, rather than be made scheduled at a made-up time.
    const unschedulable = realPod();
    delete unschedulable.spec.nodeName;
    unschedulable.status.conditions = [{ type: "PodScheduled", status: "False", reason: "Unschedulable", message: "0/6 nodes are available", lastProbeTime: null, lastTransitionTime: "2021-09-13T14:50:00Z" }];
    expect((computeChange(known(unschedulable), spanning()).nextState as Loose).status.conditions).toEqual(unschedulable.status.conditions);
    // Already scheduled: its time is kept whenever the binding ran, so the state is whole.
    const already = realPod();
    delete already.spec.nodeName;
    expect(computeChange(known(already), spanning()).diff).toEqual([{ path: "spec.nodeName", new: "node-a" }]);
  });

  it("leaves out managedFields and resourceVersion always, and more paths when told to", () => {
    const before = realDeployment();
    before.metadata.managedFields = [{ manager: "kube-controller-manager", operation: "Update", time: "2021-09-13T14:57:19Z" }];
    before.status.readyReplicas = 2;
    before.spec.replicas = 2;
    const after = realDeployment();
    after.metadata.managedFields = [{ manager: "kube-controller-manager", operation: "Update", time: "2021-09-13T15:01:57Z" }];
    const change = computeChange(known(before), deploymentUpdate(after), { ignorePaths: [["status"]] });
    expect(change.diff).toEqual([{ path: "spec.replicas", old: 2, new: 3 }]);
  });

  it("keeps fingerprints in the diff base and tells a rotated Secret value apart", () => {
    // Fingerprints stay in stored states and snapshots; only output shows <redacted>.
    const fingerprint = hmacFingerprint("test-redaction-key-0123456789");
    const redacted = (body: JsonObject) => redactBody(body, { apiGroup: "", resource: "secrets" }, DEFAULT_SENSITIVE_RULES, fingerprint);
    const before = redacted(exampleSecretBody());
    const rotated = exampleSecretBody() as Loose;
    rotated.data.password = "bjN3LXBhNTV3MHJk";
    rotated.metadata.resourceVersion = "1502";
    const event = structuredClone(loadFalcoTraceEvent("create_secret.json")) as Loose;
    event.verb = "update";
    event.level = "RequestResponse";
    const after = redacted(rotated as JsonObject);
    const change = computeChange(known(before), writeOf(event, { bodyAfter: after }));
    expect(change.diff).toEqual([{ path: "data.password", redacted: true }]);
    expect(JSON.stringify(change.nextState)).toMatch(/"password":"<redacted:[0-9a-f]{16}>"/);
  });
});

/**
 * `kubectl drain` evicting the real Pod (pods/eviction: an Eviction asked, a Status answered),
 * on the envelope of the real falco exec_pod.json event, as the converter gives it: received and
 * answered within 12 ms of one second, or across two.
 */
function podEviction(fields: { gracePeriodSeconds?: number; acrossSeconds?: boolean } = {}): AuditWrite {
  const event = structuredClone(loadFalcoTraceEvent("exec_pod.json")) as Loose;
  event.stage = "ResponseComplete";
  event.objectRef = { apiVersion: "v1", resource: "pods", namespace: "openshift-apiserver", name: "apiserver-5d887d5fcd-mrn5h", subresource: "eviction" };
  event.responseStatus = { code: 201 };
  event.responseObject = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 };
  event.requestReceivedTimestamp = fields.acrossSeconds ? "2021-09-13T15:10:05.994123Z" : "2021-09-13T15:10:05.204123Z";
  event.stageTimestamp = fields.acrossSeconds ? "2021-09-13T15:10:06.006789Z" : "2021-09-13T15:10:05.216789Z";
  return writeOf(event, { effect: { kind: "eviction", gracePeriodSeconds: fields.gracePeriodSeconds ?? null } });
}

describe("computeChange: eviction", () => {
  it("shows the DisruptionTarget condition and the start of the Pod's graceful deletion as this write's change", () => {
    const before = realPod();
    const change = computeChange(known(before), podEviction());
    expect(change.diff).toEqual([
      { path: "metadata.deletionTimestamp", new: "2021-09-13T15:11:15Z" },
      { path: "metadata.deletionGracePeriodSeconds", new: 70 },
      { path: "status.conditions[type=DisruptionTarget]", new: { type: "DisruptionTarget", status: "True", reason: "EvictionByEvictionAPI", message: "Eviction API: evicting", lastProbeTime: null, lastTransitionTime: "2021-09-13T15:10:05Z" } },
    ]);
    // Still there: the kubelet stops its containers, and its delete removes it.
    expect(change).toMatchObject({ snapshot: null, noop: false, deleted: false });
    expect((change.nextState as Loose).metadata.resourceVersion).toBeUndefined();
  });

  it("shows only the start of the graceful deletion where kube-apiserver sets no DisruptionTarget condition: before 1.26", () => {
    const change = computeChange(known(realPod()), podEviction(), onKubernetes("v1.25.16"));
    expect(change.diff).toEqual([
      { path: "metadata.deletionTimestamp", new: "2021-09-13T15:11:15Z" },
      { path: "metadata.deletionGracePeriodSeconds", new: 70 },
    ]);
    // From 1.26 on, and where the version is unknown, the condition too.
    for (const options of [onKubernetes("v1.26.0"), {}]) {
      expect((computeChange(known(realPod()), podEviction(), options).diff ?? []).map((d) => d.path)).toContain("status.conditions[type=DisruptionTarget]");
    }
  });

  it("removes a Pod on no node at once, as a delete, with a snapshot", () => {
    const pending = realPod();
    delete pending.spec.nodeName;
    pending.status = { phase: "Pending", qosClass: "Burstable" };
    const change = computeChange(known(pending), podEviction());
    expect(change).toMatchObject({ diff: null, nextState: null, deleted: true });
    expect((change.snapshot as Loose).metadata.deletionTimestamp).toBe("2021-09-13T15:10:05Z");
    // Removed whenever it ran: the last known state is its snapshot when the second is not known.
    expect(computeChange(known(pending), podEviction({ acrossSeconds: true }))).toEqual({ diff: null, snapshot: pending, noop: false, nextState: null, deleted: true });
  });

  it("knows nothing of a Pod it never saw, nor what an eviction that spanned two seconds set", () => {
    expect(computeChange(UNKNOWN, podEviction())).toEqual(NOTHING_KNOWN);
    expect(computeChange(known(realPod()), podEviction({ acrossSeconds: true }))).toEqual(NOTHING_KNOWN);
  });

  it("knows nothing of an eviction that finds its Pod already evicted, or removed: it arrived after the Pod's next write, or was retried", () => {
    const evicted = computeChange(known(realPod()), podEviction()).nextState as Loose;
    expect(computeChange({ state: evicted as JsonObject, resourceVersion: "9140" }, podEviction())).toEqual(NOTHING_KNOWN);
    // The kubelet's delete (grace period 0) removed it.
    evicted.metadata.deletionGracePeriodSeconds = 0;
    expect(computeChange({ state: evicted as JsonObject, resourceVersion: "9141" }, podEviction())).toEqual(NOTHING_KNOWN);
  });

  it("changes nothing by a refused eviction or a dry run", () => {
    expect(computeChange(known(realPod()), { ...podEviction(), statusCode: 429, failed: true })).toEqual(NOTHING_KNOWN);
    expect(computeChange(known(realPod()), { ...podEviction(), dryRun: true })).toEqual(NOTHING_KNOWN);
  });
});

describe("computeChange: delete", () => {
  it("keeps the last known state as the snapshot when the response is a Status", () => {
    // Real pair: create_configmap.json made default/my-config, delete_configmap.json deleted it.
    const created = loadFalcoTraceEvent("create_configmap.json").responseObject as JsonObject;
    const write = writeOf(loadFalcoTraceEvent("delete_configmap.json"));
    expect(write.bodyAfter).toBeNull();
    expect(computeChange(known(created), write)).toEqual({ diff: null, snapshot: created, noop: false, nextState: null, deleted: true });
  });

  it("keeps a Secret's last redacted state as the snapshot at Metadata level", () => {
    // Real events: create_secret.json and delete_secret.json, both Metadata level, of default/example-secret.
    const fingerprint = hmacFingerprint("test-redaction-key-0123456789");
    const state = redactBody(exampleSecretBody(), { apiGroup: "", resource: "secrets" }, DEFAULT_SENSITIVE_RULES, fingerprint);
    const change = computeChange(known(state), writeOf(loadFalcoTraceEvent("delete_secret.json")));
    expect(change).toEqual({ diff: null, snapshot: state, noop: false, nextState: null, deleted: true });
    expect(JSON.stringify(change.snapshot)).not.toContain("MWYyZDFlMmU2N2Rm");
  });

  it("has no snapshot for an object it never saw", () => {
    expect(computeChange(UNKNOWN, writeOf(loadFalcoTraceEvent("delete_secret.json")))).toEqual({ ...NOTHING_KNOWN, deleted: true });
  });

  it("deletes nothing by a DELETE through the object's proxy: the request went to the Pod's server, not to the Pod", () => {
    // Derived from exec_pod.json's envelope (a request to a subresource of a real Pod): a
    // `kubectl proxy` client's DELETE to an endpoint of the Pod's own HTTP server.
    const event = structuredClone(loadFalcoTraceEvent("exec_pod.json")) as Loose;
    event.verb = "delete";
    event.stage = "ResponseComplete";
    event.objectRef.subresource = "proxy";
    event.requestURI = `/api/v1/namespaces/${event.objectRef.namespace}/pods/${event.objectRef.name}/proxy/cache/entries`;
    event.responseStatus = { metadata: {}, code: 200 };
    const write = writeOf(event);
    expect(write.subresource).toBe("proxy");
    expect(computeChange(known(realPod()), write)).toEqual(NOTHING_KNOWN);
  });

  it("takes a Status that reached it as no body", () => {
    const write = writeOf(loadFalcoTraceEvent("delete_configmap.json"));
    const status = loadFalcoTraceEvent("delete_configmap.json").responseObject as JsonObject;
    const created = loadFalcoTraceEvent("create_configmap.json").responseObject as JsonObject;
    expect(computeChange(known(created), { ...write, bodyAfter: status }).snapshot).toBe(created);
  });

  describe("of a real Pod", () => {
    // Derived from the real Pod (terminationGracePeriodSeconds 70): what kube-apiserver
    // returns for a graceful delete, and then for the kubelet's final delete.
    const podDelete = (body: Loose) => {
      const event = structuredClone(loadFalcoTraceEvent("delete_configmap.json")) as Loose;
      event.objectRef = { apiVersion: "v1", resource: "pods", namespace: "openshift-apiserver", name: "apiserver-5d887d5fcd-mrn5h" };
      return writeOf(event, { bodyAfter: body as JsonObject });
    };

    it("is not gone while its grace period runs", () => {
      const terminating = realPod();
      terminating.metadata.deletionTimestamp = "2021-09-13T15:12:10Z";
      terminating.metadata.deletionGracePeriodSeconds = 70;
      terminating.metadata.resourceVersion = "25870";
      const change = computeChange(known(realPod()), podDelete(terminating));
      expect(change).toEqual({ diff: null, snapshot: terminating, noop: false, nextState: terminating, deleted: false });
    });

    it("is gone after the kubelet's delete with grace period 0", () => {
      const final = realPod();
      final.metadata.deletionTimestamp = "2021-09-13T15:11:00Z";
      final.metadata.deletionGracePeriodSeconds = 0;
      expect(computeChange(known(realPod()), podDelete(final))).toMatchObject({ snapshot: final, deleted: true });
    });
  });

  it("is not gone while finalizers remain (a foreground delete)", () => {
    const deleting = realDeployment();
    deleting.metadata.deletionTimestamp = "2021-09-13T15:20:00Z";
    deleting.metadata.deletionGracePeriodSeconds = 0;
    deleting.metadata.finalizers = ["foregroundDeletion"];
    const change = computeChange(known(realDeployment()), deploymentUpdate(deleting, { verb: "delete" }));
    expect(change).toMatchObject({ deleted: false, snapshot: deleting, nextState: deleting });
  });

  describe("when a finalizer is removed from an object being deleted", () => {
    // Derived from the real Deployment: the foreground delete above, then the garbage
    // collector's update that removes its finalizer once the ReplicaSets are gone.
    const deleting = () => {
      const body = realDeployment();
      body.metadata.deletionTimestamp = "2021-09-13T15:20:00Z";
      body.metadata.deletionGracePeriodSeconds = 0;
      body.metadata.finalizers = ["foregroundDeletion"];
      return body;
    };

    it("is gone when the last finalizer goes: that update completes the delete", () => {
      const released = deleting();
      delete released.metadata.finalizers;
      released.metadata.resourceVersion = "23001";
      const change = computeChange(known(deleting() as JsonObject), deploymentUpdate(released));
      expect(change).toMatchObject({ deleted: true, snapshot: released, nextState: released });
      expect(change.diff).toEqual([{ path: "metadata.finalizers", old: ["foregroundDeletion"] }]);
    });

    it("is not gone while another finalizer remains", () => {
      const oneLeft = deleting();
      oneLeft.metadata.finalizers = ["example.com/cleanup"];
      expect(computeChange(known(deleting() as JsonObject), deploymentUpdate(oneLeft))).toMatchObject({ deleted: false, snapshot: null });
    });

    it("is not gone by a status update of a Pod in its grace period", () => {
      const terminating = realPod();
      terminating.metadata.deletionTimestamp = "2021-09-13T15:12:10Z";
      terminating.metadata.deletionGracePeriodSeconds = 70;
      const event = structuredClone(loadFalcoTraceEvent("delete_configmap.json")) as Loose;
      event.verb = "patch";
      event.objectRef = { apiVersion: "v1", resource: "pods", namespace: "openshift-apiserver", name: "apiserver-5d887d5fcd-mrn5h", subresource: "status" };
      const write = writeOf(event, { bodyAfter: terminating as JsonObject });
      expect(computeChange(known(realPod() as JsonObject), write)).toMatchObject({ deleted: false });
    });
  });

  describe("of a Namespace", () => {
    // Derived from the real falco Namespace create (minikube_creates_namespace_foo.json), shaped
    // as the apiserver answers its delete and the namespace controller's finalize: the Namespace
    // waits in Terminating for the `kubernetes` finalizer of its spec while its contents go.
    const namespaceEvent = () => structuredClone(loadFalcoTraceEvent("minikube_creates_namespace_foo.json")) as Loose;
    const active = (): Loose => ({ ...(namespaceEvent().requestObject as Loose), metadata: { name: "foo", uid: "1f0c1c0e-d920-11e8-a2e6-080027728ac4", resourceVersion: "268001" }, spec: { finalizers: ["kubernetes"] } });
    const terminating = () => {
      const body = active();
      body.metadata = { ...body.metadata, resourceVersion: "268101", deletionTimestamp: "2018-10-26T13:53:00Z" };
      body.status = { phase: "Terminating" };
      return body;
    };
    const namespaceWrite = (body: Loose, verb: AuditWrite["verb"], subresource = "") =>
      writeOf(namespaceEvent(), { verb, subresource, statusCode: 200, level: "RequestResponse", bodyAfter: body as JsonObject });

    it("is not gone while its spec's finalizers remain", () => {
      expect(computeChange(known(active()), namespaceWrite(terminating(), "delete"))).toMatchObject({ deleted: false });
      const statusUpdate = terminating();
      statusUpdate.metadata.resourceVersion = "268150";
      statusUpdate.status = { phase: "Terminating", conditions: [{ type: "NamespaceContentRemaining", status: "True" }] };
      expect(computeChange(known(terminating()), namespaceWrite(statusUpdate, "update", "status"))).toMatchObject({ deleted: false, snapshot: null });
    });

    it("is gone once the finalize update leaves its spec without finalizers", () => {
      const finalized = terminating();
      finalized.metadata.resourceVersion = "268200";
      finalized.spec = {};
      expect(computeChange(known(terminating()), namespaceWrite(finalized, "update", "finalize"))).toMatchObject({ deleted: true, snapshot: finalized });
    });
  });

  it("does not delete any one object by deletecollection", () => {
    const write = deploymentUpdate(null, { verb: "deletecollection" });
    expect(computeChange(known(realDeployment()), write)).toEqual(NOTHING_KNOWN);
  });
});

describe("resourceVersionOf", () => {
  it("reads metadata.resourceVersion", () => {
    expect(resourceVersionOf(realDeployment() as JsonObject)).toBe("22959");
    expect(resourceVersionOf(null)).toBeNull();
    expect(resourceVersionOf({ kind: "Pod" })).toBeNull();
    expect(resourceVersionOf({ metadata: { resourceVersion: "" } })).toBeNull();
    expect(resourceVersionOf({ metadata: { resourceVersion: 22959 } })).toBeNull();
  });
});
