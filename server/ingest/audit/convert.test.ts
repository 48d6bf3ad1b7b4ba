import { describe, expect, it } from "vitest";
import { DEFAULT_SENSITIVE_RULES, hmacFingerprint } from "../../model/redact/redact";
import { exampleSecretBody, loadFalcoTraceEvent, loadFalcoTraceEvents } from "../../testing/fixtures";
import { convertAuditEvent } from "./convert";
import { DEFAULT_SKIP_RESOURCES, DEFAULT_SKIP_USER_AGENT_SUBSTRINGS } from "./defaults";
import { parseAuditEvent } from "./eventSchema";
import type { AuditRead, AuditSkipped, AuditWrite, ConvertOptions, ConvertedAuditEvent } from "./types";

const options: ConvertOptions = {
  skipResources: DEFAULT_SKIP_RESOURCES,
  skipUserAgentSubstrings: DEFAULT_SKIP_USER_AGENT_SUBSTRINGS,
  sensitive: DEFAULT_SENSITIVE_RULES,
  fingerprint: hmacFingerprint("test-key-of-sixteen-chars"),
};

type RawEvent = Record<string, any>;

function convert(raw: unknown): ConvertedAuditEvent {
  const parsed = parseAuditEvent(raw);
  if (!parsed.ok) throw new Error(`fixture does not parse: ${parsed.error}`);
  return convertAuditEvent(parsed.event, options);
}

function asWrite(converted: ConvertedAuditEvent): AuditWrite {
  if (converted.kind !== "write") throw new Error(`expected a write, got ${JSON.stringify(converted)}`);
  return converted;
}

function asRead(converted: ConvertedAuditEvent): AuditRead {
  if (converted.kind !== "read") throw new Error(`expected a read, got ${JSON.stringify(converted)}`);
  return converted;
}

function asSkipped(converted: ConvertedAuditEvent): AuditSkipped {
  if (converted.kind !== "skipped") throw new Error(`expected skipped, got ${JSON.stringify(converted)}`);
  return converted;
}

/** A recorded Falco trace event, deep-copied so that a test may change it into a variant. */
function falco(file: string): RawEvent {
  return structuredClone(loadFalcoTraceEvent(file)) as RawEvent;
}

const falcoWrite = (file: string) => asWrite(convert(falco(file)));

describe("convertAuditEvent on every Falco trace", () => {
  const converted = loadFalcoTraceEvents().map(({ file, line, raw }) => ({ file, line, result: convert(raw) }));

  it("converts all 51 events without throwing", () => {
    expect(converted).toHaveLength(51);
  });

  it("finds 50 writes, the 2 sessions open at ResponseStarted among them, and 1 read", () => {
    const byKind = (kind: string) => converted.filter((c) => c.result.kind === kind).map((c) => c.file);
    expect(byKind("write")).toHaveLength(50);
    expect(byKind("read")).toEqual(["create_nginx_pod_unsensitive_mount.json"]);
    expect(byKind("skipped")).toEqual([]);
    const open = converted.filter((c) => c.result.kind === "write" && c.result.details.session === "open").map((c) => c.file);
    expect(open).toEqual(["attach_pod.json", "exec_pod.json"]);
  });

  it("names every written object and knows its kind", () => {
    for (const { file, result } of converted) {
      if (result.kind !== "write") continue;
      expect(result.object.name, file).not.toBe("");
      expect(result.object.kind, file).not.toBeNull();
      expect(result.title, file).toBe(result.details.session === "open" ? `${result.actor} ${result.verb} ${result.subresource} (open)` : `${result.actor} ${result.verb}`);
    }
  });
});

describe("convertAuditEvent: object identity and bodies", () => {
  it("converts a Request-level create: the request body is the object", () => {
    const write = falcoWrite("create_deployment.json");
    expect(write).toMatchObject({
      auditId: "c5be68f4-80b8-4159-adc4-76ddb195334e",
      stage: "ResponseComplete",
      level: "Request",
      verb: "create",
      subresource: "",
      actor: "minikube-user",
      title: "minikube-user create",
      statusCode: 201,
      failed: false,
      userAgent: null,
      patch: null,
      object: {
        apiGroup: "extensions",
        apiVersion: "v1beta1",
        resource: "deployments",
        kind: "Deployment",
        namespace: "default",
        name: "nginx-deployment",
        uid: null,
      },
      details: {
        user: "minikube-user",
        groups: ["system:masters", "system:authenticated"],
        sourceIPs: ["192.168.99.1"],
        requestURI: "/apis/extensions/v1beta1/namespaces/default/deployments",
        annotations: { "authorization.k8s.io/decision": "allow", "authorization.k8s.io/reason": "" },
      },
    });
    expect(write.startTime.toISOString()).toBe("2018-10-26T13:07:36.905Z");
    expect(write.endTime.toISOString()).toBe("2018-10-26T13:07:36.911Z");
    expect(write.bodyAfter).toMatchObject({ kind: "Deployment", spec: { replicas: 1 } });
    expect(write.details.impersonatedBy).toBeUndefined();
    expect(write.details.failure).toBeUndefined();
    // The request body carries no resourceVersion of the result.
    expect(write.details.resourceVersionAfter).toBeUndefined();
  });

  it("takes a generated name, uid and body from the response of a create with generateName", () => {
    const write = falcoWrite("create_nginx_pod_privileged.json");
    expect(write.actor).toBe("system:serviceaccount:kube-system:replicaset-controller");
    expect(write.title).toBe("system:serviceaccount:kube-system:replicaset-controller create");
    expect(write.object).toEqual({
      apiGroup: "",
      apiVersion: "v1",
      resource: "pods",
      kind: "Pod",
      namespace: "default",
      name: "nginx-deployment-5cdcc99dbf-rgw6z",
      uid: "8c845395-d85f-11e8-88b6-080027728ac4",
    });
    expect(write.bodyAfter).toMatchObject({ status: { phase: "Pending" }, metadata: { name: "nginx-deployment-5cdcc99dbf-rgw6z" } });
    expect(write.details.resourceVersionAfter).toBe("237252");
    expect(write.details.annotations["authorization.k8s.io/reason"]).toContain("system:controller:replicaset-controller");
  });

  it("records a create with generateName but no response (Request level) on `<prefix>*`", () => {
    const raw = falco("create_nginx_pod_privileged.json"); // derived: the same event at Request level
    raw.level = "Request";
    delete raw.responseObject;
    const write = asWrite(convert(raw));
    expect(write.object.name).toBe("nginx-deployment-5cdcc99dbf-*");
    expect(write.object.uid).toBeNull();
    expect(write.bodyAfter).toMatchObject({ metadata: { generateName: "nginx-deployment-5cdcc99dbf-" } });
  });

  it("records a create that names nothing (Metadata level, generateName) on the collection", () => {
    const raw = falco("create_nginx_pod_privileged.json"); // derived: the same event at Metadata level
    raw.level = "Metadata";
    delete raw.requestObject;
    delete raw.responseObject;
    const write = asWrite(convert(raw));
    expect(write.object).toMatchObject({ resource: "pods", kind: "Pod", namespace: "default", name: "", uid: null });
    expect(write.bodyAfter).toBeNull();
  });

  it("takes a create's uid from the response, not from the uid the request body carried", () => {
    // Recorded: the manifest held the Kubernetes docs' example uid, which the apiserver copied into
    // objectRef.uid and then replaced with a fresh one.
    const write = falcoWrite("create_configmap.json");
    expect(write.object.uid).toBe("ded3abb9-d920-11e8-a2e6-080027728ac4");
    const raw = falco("create_configmap.json"); // derived: at Request level the real uid is unknown
    raw.level = "Request";
    delete raw.responseObject;
    expect(asWrite(convert(raw)).object.uid).toBeNull();
  });

  it("takes an update's uid from objectRef when there is no response", () => {
    const raw = falco("create_configmap.json"); // derived: an update at Request level
    raw.verb = "update";
    raw.level = "Request";
    delete raw.responseObject;
    raw.responseStatus = { code: 200, metadata: {} };
    expect(asWrite(convert(raw)).object.uid).toBe("b4952dc3-d670-11e5-8cd0-68f728db1985");
  });

  it("gives cluster-scoped objects no namespace", () => {
    const write = falcoWrite("create_clusterrole.json");
    expect(write.object).toEqual({
      apiGroup: "rbac.authorization.k8s.io",
      apiVersion: "v1",
      resource: "clusterroles",
      kind: "ClusterRole",
      namespace: "",
      name: "some-reader",
      uid: "94c25719-d922-11e8-a2e6-080027728ac4",
    });
    expect(write.details.resourceVersionAfter).toBe("266028");
  });

  it("gives a Namespace one identity whether objectRef names it as a namespace or not", () => {
    const created = falcoWrite("minikube_creates_namespace_foo.json");
    const deleted = falcoWrite("delete_namespace_foo.json");
    expect(created.object).toMatchObject({ resource: "namespaces", kind: "Namespace", namespace: "", name: "foo" });
    expect(deleted.object).toMatchObject({ resource: "namespaces", kind: "Namespace", namespace: "", name: "foo" });
  });

  it("keeps no body for a delete answered with a Status, and the kind from the resource", () => {
    const write = falcoWrite("delete_configmap.json");
    expect(write).toMatchObject({ verb: "delete", title: "minikube-user delete", statusCode: 200, failed: false, bodyAfter: null, patch: null });
    expect(write.object).toMatchObject({ kind: "ConfigMap", namespace: "default", name: "my-config" });
  });

  it("keeps the patch and the object after it", () => {
    const write = falcoWrite("modify_cluster_role_node_problem_detector.json");
    expect(write.verb).toBe("patch");
    expect(write.title).toBe("minikube-user patch");
    expect(write.patch).toMatchObject({ rules: [{ resources: ["nodes"] }, { resources: ["nodes/status"] }, { resources: ["events"] }] });
    expect(write.bodyAfter).toMatchObject({ kind: "ClusterRole", metadata: { resourceVersion: "269365" } });
    expect(write.details.resourceVersionAfter).toBe("269365");
    expect(write.object.uid).toBe("8b97f47e-d30f-11e8-96d9-080027728ac4");
  });

  it("uses a Request-level update's body but not its resourceVersion, which is the one it read", () => {
    const raw = falco("create_deployment.json"); // derived: the create replayed as an update
    raw.verb = "update";
    raw.objectRef.name = "nginx-deployment";
    raw.requestObject.metadata.resourceVersion = "41";
    raw.responseStatus = { code: 200, metadata: {} };
    const write = asWrite(convert(raw));
    expect(write.bodyAfter).toMatchObject({ metadata: { resourceVersion: "41" } });
    expect(write.details.resourceVersionAfter).toBeUndefined();
  });

  it("takes an unknown resource's kind from its body", () => {
    const raw = falco("create_clusterrole.json"); // derived: a custom resource instead
    raw.objectRef = { apiGroup: "monitoring.coreos.com", apiVersion: "v1", resource: "prometheuses", namespace: "monitoring" };
    raw.requestObject = { apiVersion: "monitoring.coreos.com/v1", kind: "Prometheus", metadata: { name: "k8s", namespace: "monitoring" } };
    raw.responseObject = { ...raw.requestObject, metadata: { ...raw.requestObject.metadata, uid: "u-1", resourceVersion: "7" } };
    const write = asWrite(convert(raw));
    expect(write.object).toMatchObject({ apiGroup: "monitoring.coreos.com", kind: "Prometheus", namespace: "monitoring", name: "k8s", uid: "u-1" });
    expect(write.bodyAfter).toMatchObject({ kind: "Prometheus" });
  });

  it("takes an unknown resource's create with generateName at Request level by its body, on `<prefix>*`", () => {
    const raw = falco("create_clusterrole.json"); // derived: a custom resource created with generateName
    raw.level = "Request";
    raw.objectRef = { apiGroup: "batch.volcano.sh", apiVersion: "v1alpha1", resource: "jobs", namespace: "ml" };
    raw.requestObject = { apiVersion: "batch.volcano.sh/v1alpha1", kind: "Job", metadata: { generateName: "train-", namespace: "ml" } };
    delete raw.responseObject;
    const write = asWrite(convert(raw));
    expect(write.object).toMatchObject({ kind: "Job", namespace: "ml", name: "train-*" });
    expect(write.bodyAfter).toMatchObject({ metadata: { generateName: "train-" } });
  });

  it("leaves the kind of an unknown resource without a body null", () => {
    const raw = falco("create_secret.json"); // derived: a custom resource at Metadata level
    raw.objectRef = { apiGroup: "longhorn.io", apiVersion: "v1beta2", resource: "volumes", namespace: "longhorn-system", name: "pvc-1" };
    expect(asWrite(convert(raw)).object.kind).toBeNull();
  });
});

describe("convertAuditEvent: dry runs", () => {
  // Derived from the real create_configmap.json: the same requests as `kubectl apply --dry-run=server`
  // and `kubectl diff` send them, with `?dryRun=All`; the apiserver answers as if it wrote.
  function dryRunOf(verb: string, query = "dryRun=All"): RawEvent {
    const raw = falco("create_configmap.json");
    raw.verb = verb;
    raw.requestURI = `/api/v1/namespaces/default/configmaps${verb === "create" ? "" : "/my-config"}?fieldManager=kubectl-client-side-apply&${query}`;
    if (verb !== "create") raw.objectRef.name = "my-config";
    if (verb === "create") raw.responseObject.metadata.resourceVersion = "";
    return raw;
  }

  it("marks a dry run in the title and details, and keeps no body after it", () => {
    for (const verb of ["create", "update", "patch", "delete"]) {
      const write = asWrite(convert(dryRunOf(verb)));
      expect(write, verb).toMatchObject({ dryRun: true, bodyAfter: null, title: `minikube-user ${verb} (dry run)`, details: { dryRun: true } });
      expect(write.details.resourceVersionAfter, verb).toBeUndefined();
    }
  });

  it("names a dry-run create by its request, not by the name and uid the answer made up", () => {
    const raw = dryRunOf("create");
    raw.requestObject.metadata = { generateName: "my-config-", namespace: "default" };
    raw.responseObject.metadata = { ...raw.responseObject.metadata, name: "my-config-x7k2p", uid: "ffffffff-0000-4000-8000-000000000001" };
    delete raw.objectRef.name;
    expect(asWrite(convert(raw)).object).toMatchObject({ name: "my-config-*", uid: null, kind: "ConfigMap" });
  });

  it("says both when a dry run fails", () => {
    const raw = dryRunOf("update");
    raw.responseStatus = { code: 409, status: "Failure", reason: "Conflict", metadata: {} };
    expect(asWrite(convert(raw))).toMatchObject({ failed: true, dryRun: true, title: "minikube-user update (Conflict, dry run)" });
  });

  it("is not fooled by a dryRun that is empty, or a name that contains the word", () => {
    expect(asWrite(convert(dryRunOf("patch", "dryRun="))).dryRun).toBe(false);
    const raw = dryRunOf("patch", "x=1");
    raw.requestURI = raw.requestURI.replace("my-config", "dryRun-config");
    expect(asWrite(convert(raw))).toMatchObject({ dryRun: false, title: "minikube-user patch" });
    expect(asWrite(convert(falco("create_configmap.json"))).details.dryRun).toBeUndefined();
  });
});

describe("convertAuditEvent: subresources", () => {
  it("records the ResponseStarted stage of the real pods/exec as its session, open", () => {
    // The recorded exec is only this stage: its ResponseComplete was never logged.
    const write = asWrite(convert(falco("exec_pod.json")));
    expect(write).toMatchObject({
      auditId: "ca1ed9f4-7bf4-4c85-81a8-1b11253d1ba6",
      stage: "ResponseStarted",
      verb: "create",
      subresource: "exec",
      title: "minikube-user create exec (open)",
      statusCode: 101,
      failed: false,
      bodyAfter: null,
      object: { resource: "pods", kind: "Pod", namespace: "default", name: "nginx-deployment-7998647bdf-phvq7", uid: null },
      details: { session: "open", user: "minikube-user", annotations: { "authorization.k8s.io/decision": "allow", "authorization.k8s.io/reason": "" } },
    });
    expect(write.startTime.toISOString()).toBe("2018-10-26T13:38:34.867Z");
    // The end as known so far: when the session opened.
    expect(write.endTime.toISOString()).toBe("2018-10-26T13:38:34.902Z");
    expect(asWrite(convert(falco("attach_pod.json")))).toMatchObject({ subresource: "attach", title: "minikube-user create attach (open)", details: { session: "open" } });
  });

  it("records a session opened over WebSocket (a GET) at ResponseStarted as open too", () => {
    const raw = falco("exec_pod.json"); // derived: the same request as kubectl 1.30 and later sends it
    raw.verb = "get";
    expect(asWrite(convert(raw))).toMatchObject({ verb: "get", subresource: "exec", title: "minikube-user get exec (open)", details: { session: "open" } });
  });

  it.each([
    ["a watch", (raw: RawEvent) => { raw.verb = "watch"; delete raw.objectRef.subresource; delete raw.objectRef.name; raw.requestURI = "/api/v1/namespaces/default/pods?watch=true"; }],
    ["a followed log", (raw: RawEvent) => { raw.verb = "get"; raw.objectRef.subresource = "log"; raw.requestURI = raw.requestURI.replace(/exec\?.*/, "log?follow=true"); }],
    ["a proxied request", (raw: RawEvent) => { raw.verb = "get"; raw.objectRef.subresource = "proxy"; raw.requestURI = raw.requestURI.replace(/exec\?.*/, "proxy/"); }],
    ["a Service's port-forward-like subresource", (raw: RawEvent) => { raw.objectRef.resource = "services"; raw.objectRef.subresource = "portforward"; }],
  ])("still skips the ResponseStarted stage of %s", (_, derive) => {
    const raw = falco("exec_pod.json"); // derived: another long-running request at the same stage
    derive(raw);
    expect(asSkipped(convert(raw))).toEqual({ kind: "skipped", auditId: raw.auditID, stage: "ResponseStarted", requestReceived: raw.requestReceivedTimestamp, reason: "stage ResponseStarted is not traced" });
  });

  it("skips the ResponseStarted stage of a session whose resource is noise by configuration, as any stage of it", () => {
    const raw = falco("exec_pod.json");
    raw.userAgent = "kube-controller-manager/v1.30.0 (linux/amd64) kubernetes/abc/leader-election";
    expect(asSkipped(convert(raw)).reason).toMatch(/user agent contains/);
  });

  it("marks a session's ResponseComplete closed, and a session refused before it opened not at all", () => {
    const raw = falco("exec_pod.json"); // derived: the stream's closing event
    raw.stage = "ResponseComplete";
    raw.stageTimestamp = "2018-10-26T13:50:00.000000Z";
    expect(asWrite(convert(raw))).toMatchObject({ title: "minikube-user create exec", details: { session: "closed" } });
    const refused = falco("exec_pod.json"); // derived: RBAC refusing the exec (no ResponseStarted then)
    refused.stage = "ResponseComplete";
    refused.responseStatus = { code: 403, status: "Failure", reason: "Forbidden", metadata: {} };
    const write = asWrite(convert(refused));
    expect(write).toMatchObject({ failed: true, title: "minikube-user create exec (Forbidden)" });
    expect(write.details.session).toBeUndefined();
  });

  // kube-apiserver's audit filter sits outside authorization and logs a long-running request's
  // ResponseStarted at its first status line, whatever the code: a refused exec logs both stages.
  it("skips the ResponseStarted of a session refused before it opened: its ResponseComplete tells the refusal", () => {
    const refused = falco("exec_pod.json"); // derived: RBAC refusing the exec, at ResponseStarted
    refused.responseStatus = { code: 403, status: "Failure", reason: "Forbidden", metadata: {} };
    expect(asSkipped(convert(refused)).reason).toMatch(/refused/);
  });

  it("marks a session's Panic closed: the session ended, failing", () => {
    const panic = falco("exec_pod.json"); // derived: the apiserver panicking during the open session
    panic.stage = "Panic";
    panic.stageTimestamp = "2018-10-26T13:50:00.000000Z";
    panic.responseStatus = { code: 500, status: "Failure", reason: "InternalError", message: "APIServer panic'd: boom", metadata: {} };
    expect(asWrite(convert(panic))).toMatchObject({ failed: true, statusCode: 500, details: { session: "closed" } });
  });

  it.each([
    ["exec_pod.json", "exec"],
    ["attach_pod.json", "attach"],
  ])("records the ResponseComplete of %s as an action on the Pod", (file, subresource) => {
    const raw = falco(file); // derived: the stream's closing event, which the apiserver logs when the session ends
    raw.stage = "ResponseComplete";
    raw.stageTimestamp = "2018-10-26T13:50:00.000000Z";
    const write = asWrite(convert(raw));
    expect(write).toMatchObject({
      verb: "create",
      subresource,
      title: `minikube-user create ${subresource}`,
      statusCode: 101,
      failed: false,
      bodyAfter: null,
      object: { resource: "pods", kind: "Pod", namespace: "default", name: "nginx-deployment-7998647bdf-phvq7" },
    });
    expect(write.endTime.toISOString()).toBe("2018-10-26T13:50:00.000Z");
  });

  it.each([
    ["exec_pod.json", "exec"],
    ["attach_pod.json", "attach"],
  ])("records %s sent over WebSocket (kubectl 1.30 on: a GET, audit verb get) as a session on the Pod, not a read", (file, subresource) => {
    // Derived: the same request as kubectl 1.30 and later sends it, a GET upgraded to WebSocket,
    // at its closing stage (the verb as kube-apiserver logs it: kubernetes/kubectl#1761).
    const raw = falco(file);
    raw.verb = "get";
    raw.stage = "ResponseComplete";
    raw.stageTimestamp = "2018-10-26T13:50:00.000000Z";
    const write = asWrite(convert(raw));
    expect(write).toMatchObject({
      verb: "get",
      subresource,
      title: `minikube-user get ${subresource}`,
      statusCode: 101,
      bodyAfter: null,
      object: { resource: "pods", kind: "Pod", namespace: "default", name: "nginx-deployment-7998647bdf-phvq7" },
    });
  });

  it.each(["log", "proxy", ""])("still counts a GET of a Pod's %s as a read", (subresource) => {
    const raw = falco("exec_pod.json"); // derived: a GET of another subresource of the same Pod
    raw.verb = "get";
    raw.stage = "ResponseComplete";
    raw.objectRef.subresource = subresource === "" ? undefined : subresource;
    if (subresource === "") delete raw.objectRef.subresource;
    expect(asRead(convert(raw)).resource).toBe(subresource === "" ? "pods" : `pods/${subresource}`);
  });

  it("takes a request whose stage came before it was received as instant, so that it ends no earlier than it starts", () => {
    const raw = falco("exec_pod.json"); // derived: a stage timestamp a clock step put before the request's
    raw.stage = "ResponseComplete";
    raw.stageTimestamp = "2018-10-26T13:38:30.000000Z";
    const write = asWrite(convert(raw));
    expect(write.startTime.toISOString()).toBe("2018-10-26T13:38:34.867Z");
    expect(write.endTime.toISOString()).toBe("2018-10-26T13:38:34.867Z");
  });

  it("treats a status update's response as the object", () => {
    const raw = falco("create_nginx_pod_privileged.json"); // derived: the kubelet updating the pod's status
    raw.verb = "update";
    raw.objectRef = { ...raw.objectRef, name: "nginx-deployment-5cdcc99dbf-rgw6z", subresource: "status" };
    raw.user = { username: "system:node:minikube", groups: ["system:nodes"] };
    raw.responseObject.status.phase = "Running";
    raw.responseObject.metadata.resourceVersion = "237300";
    raw.responseStatus = { code: 200, metadata: {} };
    const write = asWrite(convert(raw));
    expect(write.title).toBe("system:node:minikube update status");
    expect(write.bodyAfter).toMatchObject({ status: { phase: "Running" } });
    expect(write.details.resourceVersionAfter).toBe("237300");
  });

  it("does not mistake a Scale for the object", () => {
    const raw = falco("create_deployment.json"); // derived: kubectl scale at RequestResponse level
    raw.level = "RequestResponse";
    raw.verb = "patch";
    raw.objectRef = { ...raw.objectRef, apiGroup: "apps", apiVersion: "v1", subresource: "scale" };
    raw.requestObject = { spec: { replicas: 3 } };
    raw.responseObject = { kind: "Scale", apiVersion: "autoscaling/v1", metadata: { name: "nginx-deployment" }, spec: { replicas: 3 } };
    raw.responseStatus = { code: 200, metadata: {} };
    const write = asWrite(convert(raw));
    expect(write).toMatchObject({ title: "minikube-user patch scale", bodyAfter: null, patch: { spec: { replicas: 3 } } });
    expect(write.object).toMatchObject({ kind: "Deployment", name: "nginx-deployment" });
    expect(write.details.resourceVersionAfter).toBeUndefined();
  });

  it("does not mistake a Binding for the pod", () => {
    const raw = falco("create_nginx_pod_privileged.json"); // derived: the scheduler binding the pod
    raw.objectRef = { ...raw.objectRef, name: "nginx-deployment-5cdcc99dbf-rgw6z", subresource: "binding" };
    raw.requestObject = { kind: "Binding", apiVersion: "v1", metadata: { name: "nginx-deployment-5cdcc99dbf-rgw6z" }, target: { kind: "Node", name: "minikube" } };
    raw.responseObject = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 };
    const write = asWrite(convert(raw));
    expect(write).toMatchObject({ subresource: "binding", bodyAfter: null });
    expect(write.object).toMatchObject({ name: "nginx-deployment-5cdcc99dbf-rgw6z", kind: "Pod" });
  });

  it("records deletecollection on the collection, not on the list it answers with", () => {
    const raw = falco("delete_configmap.json"); // derived: kubectl delete configmaps --all
    raw.verb = "deletecollection";
    delete raw.objectRef.name;
    delete raw.objectRef.uid;
    raw.responseObject = { kind: "ConfigMapList", apiVersion: "v1", metadata: {}, items: [{ metadata: { name: "my-config" } }] };
    const write = asWrite(convert(raw));
    expect(write.object).toMatchObject({ kind: "ConfigMap", namespace: "default", name: "" });
    expect(write.bodyAfter).toBeNull();
    expect(write.title).toBe("minikube-user deletecollection");
  });
});

describe("convertAuditEvent: secrets", () => {
  const values = ["s3cr3t-Pa55", Buffer.from("s3cr3t-Pa55").toString("base64"), "admin", Buffer.from("admin").toString("base64")];

  /** create_secret.json is Metadata level; this is the same event as RequestResponse would log it, with data added. */
  function secretCreatedWithData(): RawEvent {
    const raw = falco("create_secret.json");
    raw.level = "RequestResponse";
    const data = { username: values[3], password: values[1] };
    const lastApplied = JSON.stringify({ apiVersion: "v1", kind: "Secret", metadata: { name: "example-secret" }, data });
    raw.requestObject = {
      kind: "Secret",
      apiVersion: "v1",
      metadata: { name: "example-secret", namespace: "default", annotations: { "kubectl.kubernetes.io/last-applied-configuration": lastApplied } },
      data,
      type: "Opaque",
    };
    raw.responseObject = structuredClone(raw.requestObject);
    Object.assign(raw.responseObject.metadata, { uid: "0d3c7a4e-0000-4000-8000-000000000001", resourceVersion: "1200" });
    return raw;
  }

  it("keeps nothing of a Metadata-level secret create but its identity", () => {
    const write = falcoWrite("create_secret.json");
    expect(write).toMatchObject({ title: "minikube-user create", bodyAfter: null, patch: null });
    expect(write.object).toMatchObject({ kind: "Secret", namespace: "default", name: "example-secret" });
    expect(write.userAgent).toBe("kubectl/v1.17.3 (darwin/amd64) kubernetes/06ad960");
  });

  it("never lets a secret value out of a RequestResponse create", () => {
    const write = asWrite(convert(secretCreatedWithData()));
    const output = JSON.stringify(write);
    for (const value of values) expect(output).not.toContain(value);
    expect(write.bodyAfter).toMatchObject({
      type: "Opaque",
      data: { username: expect.stringMatching(/^<redacted:/), password: expect.stringMatching(/^<redacted:/) },
      metadata: { annotations: { "kubectl.kubernetes.io/last-applied-configuration": expect.stringMatching(/^<redacted:/) } },
    });
    expect(write.details.resourceVersionAfter).toBe("1200");
  });

  it("never lets a secret value out of the request body at Request level", () => {
    const raw = secretCreatedWithData();
    raw.level = "Request";
    delete raw.responseObject;
    const output = JSON.stringify(convert(raw));
    for (const value of values) expect(output).not.toContain(value);
  });

  it("redacts a patch to a secret's data, merge or JSON patch", () => {
    const raw = secretCreatedWithData();
    raw.verb = "patch";
    raw.requestURI = "/api/v1/namespaces/default/secrets/example-secret";
    raw.responseStatus = { code: 200, metadata: {} };
    raw.requestObject = { data: { password: values[1] } };
    expect(JSON.stringify(convert(raw))).not.toContain(values[1]);
    raw.requestObject = [{ op: "replace", path: "/data/password", value: values[1] }];
    const write = asWrite(convert(raw));
    expect(JSON.stringify(write)).not.toContain(values[1]);
    expect(write.patch).toEqual([{ op: "replace", path: "/data/password", value: expect.stringMatching(/^<redacted:/) }]);
  });

  it("never lets a secret value out of a mutating webhook's patch, recorded as an audit annotation", () => {
    // The apiserver records each mutating webhook's JSON patch (values included) as an annotation;
    // a webhook that injects Secret data (bank-vaults, say) would leave the values there.
    const raw = secretCreatedWithData();
    const webhookPatch = { configuration: "secret-injector", webhook: "inject.example.com", patch: [{ op: "replace", path: "/data/password", value: values[1] }, { op: "add", path: "/metadata/labels", value: { injected: "true" } }], patchType: "JSONPatch" };
    raw.annotations["patch.webhook.admission.k8s.io/round_0_index_0"] = JSON.stringify(webhookPatch);
    raw.annotations["patch.webhook.admission.k8s.io/round_0_index_1"] = `not json ${values[0]}`;
    raw.annotations["mutation.webhook.admission.k8s.io/round_0_index_0"] = JSON.stringify({ configuration: "secret-injector", webhook: "inject.example.com", mutated: true });
    const write = asWrite(convert(raw));
    for (const value of values) expect(JSON.stringify(write)).not.toContain(value);
    expect(JSON.parse(write.details.annotations["patch.webhook.admission.k8s.io/round_0_index_0"]!)).toEqual({
      ...webhookPatch,
      patch: [{ op: "replace", path: "/data/password", value: "<redacted>" }, { op: "add", path: "/metadata/labels", value: { injected: "true" } }],
    });
    expect(write.details.annotations["patch.webhook.admission.k8s.io/round_0_index_1"]).toBe("<redacted>");
    expect(write.details.annotations["mutation.webhook.admission.k8s.io/round_0_index_0"]).toBe(raw.annotations["mutation.webhook.admission.k8s.io/round_0_index_0"]);
    expect(write.details.annotations["authorization.k8s.io/decision"]).toBe("allow");
  });

  it("leaves webhook patches of kinds without sensitive fields as they were", () => {
    const raw = falco("create_configmap.json");
    const annotation = JSON.stringify({ configuration: "labeller", webhook: "label.example.com", patch: [{ op: "add", path: "/data/x", value: "y" }], patchType: "JSONPatch" });
    raw.annotations["patch.webhook.admission.k8s.io/round_0_index_0"] = annotation;
    expect(asWrite(convert(raw)).details.annotations["patch.webhook.admission.k8s.io/round_0_index_0"]).toBe(annotation);
  });

  it("redacts the last-applied annotation of any kind given sensitive fields, which repeats their values", () => {
    const raw = falco("create_configmap.json");
    const data = { "ui.properties": raw.responseObject.data["ui.properties"], password: "hunter2" };
    const lastApplied = JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "my-config", namespace: "default" }, data });
    for (const body of [raw.requestObject, raw.responseObject]) {
      body.data = data;
      body.metadata.annotations = { "kubectl.kubernetes.io/last-applied-configuration": lastApplied };
    }
    const sensitive = [{ apiGroup: "", resource: "configmaps", paths: [["data", "password"]] }];
    const parsed = parseAuditEvent(raw);
    if (!parsed.ok) throw new Error(parsed.error);
    const write = asWrite(convertAuditEvent(parsed.event, { ...options, sensitive }));
    expect(JSON.stringify(write)).not.toContain("hunter2");
    expect(write.bodyAfter).toMatchObject({ data: { "ui.properties": data["ui.properties"], password: expect.stringMatching(/^<redacted:/) }, metadata: { annotations: { "kubectl.kubernetes.io/last-applied-configuration": expect.stringMatching(/^<redacted:/) } } });
  });

  it("gives the same value the same fingerprint, so a later diff can tell it did not change", () => {
    const first = asWrite(convert(secretCreatedWithData()));
    const second = asWrite(convert(secretCreatedWithData()));
    expect(first.bodyAfter?.data).toEqual(second.bodyAfter?.data);
  });
});

describe("convertAuditEvent: failures", () => {
  /** A recorded create turned into the 409 the apiserver gives when the name is taken. */
  function conflictingCreate(): RawEvent {
    const raw = falco("create_clusterrole.json");
    raw.responseStatus = { code: 409, metadata: {}, status: "Failure", reason: "AlreadyExists", message: 'clusterroles.rbac.authorization.k8s.io "some-reader" already exists' };
    raw.responseObject = {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: 'clusterroles.rbac.authorization.k8s.io "some-reader" already exists',
      reason: "AlreadyExists",
      details: { name: "some-reader", group: "rbac.authorization.k8s.io", kind: "clusterroles" },
      code: 409,
    };
    return raw;
  }

  it("marks the write failed, says why in the title, and keeps no body after", () => {
    const write = asWrite(convert(conflictingCreate()));
    expect(write).toMatchObject({ title: "minikube-user create (Conflict)", statusCode: 409, failed: true, bodyAfter: null });
    expect(write.object).toMatchObject({ name: "some-reader", kind: "ClusterRole" });
    expect(write.details.failure).toEqual({
      status: "Failure",
      reason: "AlreadyExists",
      message: 'clusterroles.rbac.authorization.k8s.io "some-reader" already exists',
    });
    expect(write.details.resourceVersionAfter).toBeUndefined();
  });

  it("keeps a Status body's causes", () => {
    const raw = falco("create_configmap.json"); // derived: a create rejected by validation
    raw.responseStatus = { code: 422, metadata: {} };
    raw.responseObject = {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      reason: "Invalid",
      message: 'ConfigMap "my-config" is invalid: data[bad key]: Invalid value',
      details: { name: "my-config", kind: "ConfigMap", causes: [{ reason: "FieldValueInvalid", message: "Invalid value: \"bad key\"", field: "data[bad key]" }] },
      code: 422,
    };
    const write = asWrite(convert(raw));
    expect(write.title).toBe("minikube-user create (Unprocessable Entity)");
    expect(write.details.failure).toEqual({
      status: "Failure",
      reason: "Invalid",
      message: 'ConfigMap "my-config" is invalid: data[bad key]: Invalid value',
      causes: [{ reason: "FieldValueInvalid", message: 'Invalid value: "bad key"', field: "data[bad key]" }],
    });
  });

  it("hides a configured sensitive field's value that schema validation echoes, at any level", () => {
    // Derived: the recorded create turned into a custom resource's, refused by its CRD's schema
    // (apiextensions words it so; the apiserver keeps the Status in responseStatus even at Metadata level).
    const raw = falco("create_configmap.json");
    raw.objectRef = { apiGroup: "example.com", apiVersion: "v1", resource: "databases", namespace: "default", name: "orders" };
    raw.requestURI = "/apis/example.com/v1/namespaces/default/databases";
    const cause = { reason: "FieldValueInvalid", message: `Invalid value: "hunter2": spec.password in body should match '^[a-z]+$'`, field: "spec.password" };
    const status = { status: "Failure", reason: "Invalid", message: `Database.example.com "orders" is invalid: spec.password: ${cause.message}`, details: { name: "orders", group: "example.com", kind: "Database", causes: [cause] }, code: 422 };
    raw.responseStatus = { metadata: {}, ...status };
    raw.requestObject = { apiVersion: "example.com/v1", kind: "Database", metadata: { name: "orders", namespace: "default" }, spec: { password: "hunter2" } };
    raw.responseObject = { kind: "Status", apiVersion: "v1", metadata: {}, ...status };
    const sensitive = [{ apiGroup: "example.com", resource: "databases", paths: [["spec", "password"]] }];
    for (const level of ["Metadata", "RequestResponse"]) {
      raw.level = level;
      const parsed = parseAuditEvent(level === "Metadata" ? { ...raw, requestObject: undefined, responseObject: undefined } : raw);
      if (!parsed.ok) throw new Error(parsed.error);
      const write = asWrite(convertAuditEvent(parsed.event, { ...options, sensitive }));
      expect(JSON.stringify(write), level).not.toContain("hunter2");
      expect(write.details.failure).toEqual({
        status: "Failure",
        reason: "Invalid",
        message: `Database.example.com "orders" is invalid: spec.password: Invalid value: <redacted>: spec.password in body should match '^[a-z]+$'`,
        causes: [{ ...cause, message: `Invalid value: <redacted>: spec.password in body should match '^[a-z]+$'` }],
      });
    }
  });

  it("hides a Secret's values that an admission webhook's denial and a policy's audit annotation repeat", () => {
    // Derived: the recorded Secret create (create_secret.json) at RequestResponse level, with the
    // body kube-apiserver returns for it (exampleSecretBody), denied by a webhook whose message
    // interpolates the object, as Kyverno's can; a ValidatingAdmissionPolicy's audit annotation too.
    const raw = falco("create_secret.json");
    const secret = exampleSecretBody();
    raw.level = "RequestResponse";
    raw.requestObject = secret;
    const message = 'admission webhook "validate.kyverno.svc" denied the request: password 1f2d1e2e67df (MWYyZDFlMmU2N2Rm) is on the list of leaked passwords';
    const status = { status: "Failure", reason: "Forbidden", message, code: 403 };
    raw.responseStatus = { metadata: {}, ...status };
    raw.responseObject = { kind: "Status", apiVersion: "v1", metadata: {}, ...status };
    (raw.annotations as Record<string, string>)["validation.policy.admission.k8s.io/validation_failure"] = '[{"message":"user admin may not set 1f2d1e2e67df","policy":"no-leaked-passwords"}]';
    const write = asWrite(convert(raw));
    expect(JSON.stringify(write)).not.toMatch(/1f2d1e2e67df|MWYyZDFlMmU2N2Rm/);
    expect(write.details.failure?.message).toBe('admission webhook "validate.kyverno.svc" denied the request: password <redacted> (<redacted>) is on the list of leaked passwords');
    expect(write.details.annotations["validation.policy.admission.k8s.io/validation_failure"]).toBe('[{"message":"user <redacted> may not set <redacted>","policy":"no-leaked-passwords"}]');
    // The same request for a ConfigMap holding the same text: nothing there is sensitive.
    const configMap = falco("create_configmap.json");
    configMap.responseStatus = { metadata: {}, ...status };
    configMap.responseObject = { kind: "Status", apiVersion: "v1", metadata: {}, ...status };
    expect(asWrite(convert(configMap)).details.failure?.message).toBe(message);
  });

  it("falls back to responseStatus without a Status body", () => {
    const raw = falco("delete_secret.json"); // derived: deleting a secret that is already gone
    raw.responseStatus = { code: 404, metadata: {}, status: "Failure", reason: "NotFound", message: 'secrets "example-secret" not found' };
    const write = asWrite(convert(raw));
    expect(write.title).toBe("minikube-user delete (Not Found)");
    expect(write.details.failure).toEqual({ status: "Failure", reason: "NotFound", message: 'secrets "example-secret" not found' });
  });

  it("has no failure details when the event tells only the code", () => {
    const raw = falco("delete_secret.json");
    raw.responseStatus = { code: 403, metadata: {} };
    const write = asWrite(convert(raw));
    expect(write.title).toBe("minikube-user delete (Forbidden)");
    expect(write.details.failure).toBeUndefined();
  });

  it("records a Panic as a failed write", () => {
    const raw = falco("create_configmap.json"); // derived: the handler panicked
    raw.stage = "Panic";
    raw.responseStatus = { code: 500, metadata: {}, status: "Failure", message: "APIServer panic'd: runtime error" };
    delete raw.responseObject;
    const write = asWrite(convert(raw));
    expect(write).toMatchObject({ stage: "Panic", title: "minikube-user create (Internal Server Error)", failed: true, bodyAfter: null });
  });

  it("shows a code without a standard text as the number", () => {
    const raw = falco("delete_secret.json");
    raw.responseStatus = { code: 499, metadata: {} };
    expect(asWrite(convert(raw)).title).toBe("minikube-user delete (HTTP 499)");
  });

  it("does not count 1xx and 2xx as failures", () => {
    const raw = falco("delete_secret.json");
    raw.responseStatus = { code: 202, metadata: {} };
    expect(asWrite(convert(raw)).failed).toBe(false);
    delete raw.responseStatus;
    expect(asWrite(convert(raw))).toMatchObject({ statusCode: null, failed: false, title: "minikube-user delete" });
  });
});

describe("convertAuditEvent: impersonation", () => {
  // audit2rbac's demo.log is not in the fixtures; its PROVENANCE.md describes it (audit.k8s.io/v1,
  // Metadata level, system:admin impersonating bob, 403 responses, old-format fields). These events
  // take that shape on top of recorded Falco events.
  const admin = { username: "system:admin", groups: ["system:masters", "system:authenticated"] };
  const bob = { username: "bob", groups: ["system:authenticated"] };
  const forbidden = (message: string) => ({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason: "Forbidden", details: { kind: "configmaps" }, code: 403 });

  function asBob(file: string): RawEvent {
    const raw = falco(file);
    raw.user = admin;
    raw.impersonatedUser = bob;
    return raw;
  }

  it("makes the impersonated user the actor and keeps who impersonated", () => {
    const raw = asBob("create_configmap.json");
    const message = 'configmaps is forbidden: User "bob" cannot create resource "configmaps" in API group "" in the namespace "default"';
    raw.responseStatus = { code: 403, metadata: {}, status: "Failure", reason: "Forbidden", message };
    raw.responseObject = forbidden(message);
    raw.annotations = { "authorization.k8s.io/decision": "forbid", "authorization.k8s.io/reason": "" };
    const write = asWrite(convert(raw));
    expect(write).toMatchObject({ actor: "bob", title: "bob create (Forbidden)", failed: true, bodyAfter: null });
    expect(write.object).toMatchObject({ kind: "ConfigMap", namespace: "default", name: "my-config" });
    expect(write.details).toMatchObject({
      user: "bob",
      groups: ["system:authenticated"],
      impersonatedBy: { username: "system:admin", groups: ["system:masters", "system:authenticated"] },
      annotations: { "authorization.k8s.io/decision": "forbid" },
      failure: { status: "Failure", reason: "Forbidden", message },
    });
  });

  it("gives the impersonated user no groups when the event lists none", () => {
    const raw = asBob("delete_configmap.json");
    raw.impersonatedUser = { username: "bob" };
    expect(asWrite(convert(raw)).details.groups).toEqual([]);
  });

  it("counts an impersonated read under the impersonated user", () => {
    const raw = asBob("create_nginx_pod_unsensitive_mount.json"); // a recorded get, as bob in the old v1beta1 shape
    raw.responseStatus = { code: 403, metadata: {}, status: "Failure", reason: "Forbidden" };
    raw.responseObject = forbidden('pods "nginx-deployment-6dfd8b84dc-6dkjc" is forbidden');
    expect(asRead(convert(raw))).toMatchObject({ verb: "get", resource: "pods", username: "bob", code: 403 });
  });
});

describe("convertAuditEvent: reads", () => {
  it("counts a get by minute, resource, user and code", () => {
    expect(asRead(convert(falco("create_nginx_pod_unsensitive_mount.json")))).toEqual({
      kind: "read",
      auditId: "8ae98948-66b2-4963-9b99-e2b7e2f499f1",
      stage: "ResponseComplete",
      // As the apiserver wrote it, microseconds kept: part of the dedup key (AuditWrite.requestReceived).
      requestReceived: "2018-10-25T17:44:08.581856Z",
      minute: new Date("2018-10-25T17:44:00Z"),
      verb: "get",
      resource: "pods",
      username: "system:node:minikube",
      code: 200,
    });
  });

  it("names a subresource read with its subresource", () => {
    const raw = falco("create_nginx_pod_unsensitive_mount.json"); // derived: kubectl logs
    raw.objectRef.subresource = "log";
    delete raw.responseObject;
    expect(asRead(convert(raw)).resource).toBe("pods/log");
  });

  it("names a resource of a named group with its group, so that same-named resources count apart", () => {
    const raw = falco("create_nginx_pod_unsensitive_mount.json"); // derived: reads of Deployments and of events.k8s.io Events
    raw.objectRef = { resource: "deployments", apiGroup: "apps", apiVersion: "v1", namespace: "default", name: "nginx" };
    expect(asRead(convert(raw)).resource).toBe("deployments.apps");
    raw.objectRef.subresource = "scale";
    expect(asRead(convert(raw)).resource).toBe("deployments.apps/scale");
    raw.objectRef = { resource: "events", apiGroup: "events.k8s.io", apiVersion: "v1", namespace: "default" };
    const custom = { ...options, skipResources: [] };
    const parsed = parseAuditEvent(raw);
    if (!parsed.ok) throw new Error(parsed.error);
    expect(convertAuditEvent(parsed.event, custom)).toMatchObject({ kind: "read", resource: "events.events.k8s.io" });
  });

  it("names a non-resource request by its path, without the query", () => {
    const raw = falco("create_nginx_pod_unsensitive_mount.json"); // derived: a health check
    delete raw.objectRef;
    delete raw.responseObject;
    raw.requestURI = "/healthz?verbose=1";
    delete raw.responseStatus;
    expect(asRead(convert(raw))).toMatchObject({ resource: "/healthz", code: 0 });
  });

  it("counts verbs other than the writes (watch, proxy, …) as reads", () => {
    const raw = falco("create_nginx_pod_unsensitive_mount.json");
    raw.verb = "proxy";
    expect(asRead(convert(raw)).verb).toBe("proxy");
  });
});

describe("convertAuditEvent: noise", () => {
  it("skips leases, core events and events.k8s.io events by default", () => {
    const raw = falco("create_configmap.json"); // derived: the same write on noisy resources
    raw.objectRef = { apiGroup: "coordination.k8s.io", apiVersion: "v1", resource: "leases", namespace: "kube-system", name: "kube-scheduler" };
    expect(asSkipped(convert(raw)).reason).toBe("resource coordination.k8s.io/leases is skipped");
    raw.objectRef = { apiVersion: "v1", resource: "events", namespace: "default", name: "x.1" };
    expect(asSkipped(convert(raw)).reason).toBe("resource events is skipped");
    raw.objectRef = { apiGroup: "events.k8s.io", apiVersion: "v1", resource: "events", namespace: "default", name: "x.1" };
    expect(asSkipped(convert(raw)).reason).toBe("resource events.k8s.io/events is skipped");
  });

  it("skips reads of skipped resources too", () => {
    const raw = falco("create_nginx_pod_unsensitive_mount.json");
    raw.objectRef = { apiGroup: "coordination.k8s.io", apiVersion: "v1", resource: "leases", namespace: "kube-system", name: "kube-scheduler" };
    delete raw.responseObject;
    expect(convert(raw).kind).toBe("skipped");
  });

  it("does not skip a resource of the same name in another group", () => {
    const raw = falco("create_configmap.json");
    raw.objectRef = { apiGroup: "example.com", apiVersion: "v1", resource: "leases", namespace: "default", name: "x" };
    expect(convert(raw).kind).toBe("write");
  });

  it("skips leader-election clients by user agent", () => {
    const raw = falco("create_service_account_token_secret.json"); // derived: the controller-manager's lock renewal
    raw.userAgent = "kube-controller-manager/v1.17.3 (linux/amd64) kubernetes/06ad960/leader-election";
    expect(asSkipped(convert(raw))).toMatchObject({ auditId: "40ed7b5a-e92f-49ec-a359-86d36077d9c8", reason: 'user agent contains "/leader-election"' });
  });

  it("keeps other controller user agents", () => {
    expect(convert(falco("create_service_account_token_secret.json")).kind).toBe("write");
  });

  it("skips a write with no resource to attach it to", () => {
    const raw = falco("delete_secret.json");
    delete raw.objectRef;
    raw.requestURI = "/debug/flags/v";
    expect(asSkipped(convert(raw)).reason).toBe("delete of /debug/flags/v has no objectRef.resource");
  });

  it("applies the configured rules, not only the defaults", () => {
    const parsed = parseAuditEvent(falco("create_configmap.json"));
    if (!parsed.ok) throw new Error(parsed.error);
    const custom = { ...options, skipResources: [{ apiGroup: "", resource: "configmaps" }], skipUserAgentSubstrings: [] };
    expect(convertAuditEvent(parsed.event, custom)).toMatchObject({ kind: "skipped", reason: "resource configmaps is skipped" });
    const none = { ...options, skipResources: [], skipUserAgentSubstrings: [""] };
    expect(convertAuditEvent(parsed.event, none).kind).toBe("write");
  });
});

describe("review requests", () => {
  it("counts a TokenReview create like a read: nothing is stored, so it has no history", () => {
    // Derived from the real create_configmap.json event: the kubelet's webhook-authentication check as the apiserver audits it.
    const event = falco("create_configmap.json");
    event.verb = "create";
    event.user = { username: "system:node:k8s-node-1-perfspec", groups: ["system:nodes", "system:authenticated"] };
    event.objectRef = { resource: "tokenreviews", apiGroup: "authentication.k8s.io", apiVersion: "v1" };
    event.requestURI = "/apis/authentication.k8s.io/v1/tokenreviews";
    delete event.requestObject;
    delete event.responseObject;
    const read = asRead(convert(event));
    expect(read).toMatchObject({ verb: "create", resource: "tokenreviews.authentication.k8s.io", username: "system:node:k8s-node-1-perfspec", code: 201 });
  });
});
