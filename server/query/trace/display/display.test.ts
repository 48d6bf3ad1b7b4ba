import { describe, expect, it } from "vitest";
import { realApiserverDeployment, realApiserverPod, realApiserverReplicaSets } from "../../../testing/fixtures";
import type { JsonObject } from "../../../ingest/audit/types";
import type { AssembledTrace, TraceEntry, TraceNode, TraceObject } from "../assembled";
import { ATTR } from "../attributes";
import { encodeTraceId, spanIdFor } from "../traceId";
import type { EpochMicros, TraceQuery, TraceSpan } from "../types";
import { entryAttributes, serviceNameOf } from "./common";
import { DISPLAY } from "./index";

/**
 * Display modes on a hand-built trace of real objects: the OpenShift Deployment
 * openshift-apiserver/apiserver, its ReplicaSet apiserver-5d887d5fcd and that ReplicaSet's Pod
 * apiserver-5d887d5fcd-mrn5h (on its real Node), with entries shaped as the audit writer stores them.
 */

const us = (iso: string) => (Date.parse(iso) * 1000) as EpochMicros;
type Meta = { name: string; namespace: string; uid: string; creationTimestamp: string };
const meta = (body: JsonObject) => body.metadata as unknown as Meta;

function objectOf(id: number, body: JsonObject, resource: string, apiGroup: string): TraceObject {
  const m = meta(body);
  return {
    id,
    cluster: "openshift",
    apiGroup,
    apiVersion: "v1",
    resource,
    kind: body.kind as string,
    namespace: m.namespace,
    name: m.name,
    uid: m.uid,
    firstSeen: us(m.creationTimestamp),
    lastSeen: us(m.creationTimestamp),
    deletedAt: null,
  };
}

let nextEntryId = 100;
function entry(objectId: number, at: string, fields: Partial<TraceEntry> & Pick<TraceEntry, "actor" | "verb" | "title">): TraceEntry {
  return {
    id: nextEntryId++,
    objectId,
    source: "audit",
    start: us(at),
    end: (us(at) + 7000) as EpochMicros,
    subresource: "",
    statusCode: 200,
    auditId: `5f0c7e3a-0000-4000-8000-${String(nextEntryId).padStart(12, "0")}`,
    stage: "ResponseComplete",
    userAgent: "kube-controller-manager/v1.21.1 (linux/amd64) kubernetes/a4ab7a9",
    details: { user: fields.actor, groups: ["system:authenticated"], sourceIPs: ["10.0.0.5"], requestURI: "/apis/apps/v1/namespaces/openshift-apiserver/deployments/apiserver", annotations: { "authorization.k8s.io/decision": "allow" }, level: "RequestResponse", stage: "ResponseComplete" },
    diff: null,
    snapshot: null,
    noop: false,
    ...fields,
  };
}

const CONTROLLER = "system:serviceaccount:kube-system:deployment-controller";

function sampleTrace(): AssembledTrace {
  nextEntryId = 100;
  const deploymentBody = realApiserverDeployment();
  const replicaSetBody = realApiserverReplicaSets().find((rs) => meta(rs).name === "apiserver-5d887d5fcd")!;
  const podBody = realApiserverPod();
  const deployment = objectOf(1, deploymentBody, "deployments", "apps");
  const replicaSet = objectOf(2, replicaSetBody, "replicasets", "apps");
  const pod = objectOf(3, podBody, "pods", "");
  const nodeName = (podBody.spec as JsonObject).nodeName as string;
  const node: TraceObject = { ...pod, id: 9, resource: "nodes", kind: "Node", namespace: "", name: nodeName, uid: null };
  const slice: TraceObject = { ...pod, id: 10, apiGroup: "discovery.k8s.io", resource: "endpointslices", kind: "EndpointSlice", name: "api-7xk2p", uid: null };
  const query: TraceQuery = { rootObjectId: 1, relationMode: "full", displayMode: "tracing", depth: 3, startSeconds: us("2021-09-13T14:50:00Z") / 1e6, endSeconds: us("2021-09-13T15:10:00Z") / 1e6 };
  const nodes: TraceNode[] = [
    {
      object: deployment,
      parentId: null,
      relation: null,
      level: 0,
      related: [],
      relatedTruncated: false,
      entries: [
        entry(1, "2021-09-13T14:54:16Z", { actor: "system:serviceaccount:openshift-apiserver-operator:openshift-apiserver-operator", verb: "create", title: "system:serviceaccount:openshift-apiserver-operator:openshift-apiserver-operator create", statusCode: 201, snapshot: deploymentBody }),
        entry(1, "2021-09-13T14:57:16Z", { actor: CONTROLLER, verb: "update", subresource: "status", title: `${CONTROLLER} update status`, diff: [{ path: "status.observedGeneration", old: 1, new: 2 }, { path: "status.replicas", old: 3, new: 5 }] }),
        entry(1, "2021-09-13T15:00:16Z", { actor: "system:serviceaccount:openshift-apiserver-operator:openshift-apiserver-operator", verb: "update", title: "system:serviceaccount:openshift-apiserver-operator:openshift-apiserver-operator update", noop: true, diff: [] }),
        entry(1, "2021-09-13T15:01:16Z", {
          actor: "kube:admin",
          verb: "update",
          title: "kube:admin update (Conflict)",
          statusCode: 409,
          userAgent: "kubectl/v1.21.1 (linux/amd64) kubernetes/a4ab7a9",
          details: {
            user: "kube:admin",
            groups: ["system:cluster-admins", "system:authenticated"],
            impersonatedBy: { username: "system:admin", groups: ["system:masters"] },
            sourceIPs: ["10.0.0.5"],
            requestURI: "/apis/apps/v1/namespaces/openshift-apiserver/deployments/apiserver",
            annotations: {},
            failure: { status: "Failure", reason: "Conflict", message: 'Operation cannot be fulfilled on deployments.apps "apiserver": the object has been modified', causes: [{ field: "metadata.resourceVersion", reason: "FieldValueInvalid", message: "stale" }] },
            level: "RequestResponse",
            stage: "ResponseComplete",
          },
        }),
      ],
    },
    {
      object: replicaSet,
      parentId: 1,
      relation: "controller-owner",
      level: 1,
      related: [],
      relatedTruncated: false,
      entries: [],
    },
    {
      object: pod,
      parentId: 2,
      relation: "controller-owner",
      level: 2,
      related: [
        { kind: "endpoint-target", hierarchical: true, role: "parent", object: slice },
        { kind: "node", hierarchical: false, role: "parent", object: node },
      ],
      relatedTruncated: false,
      entries: [
        entry(3, "2021-09-13T14:58:47Z", { actor: "system:serviceaccount:kube-system:replicaset-controller", verb: "create", title: "system:serviceaccount:kube-system:replicaset-controller create", statusCode: 201, snapshot: podBody }),
        entry(3, "2021-09-13T14:58:48Z", { source: "event", actor: "default-scheduler", verb: "event", title: "Scheduled", auditId: null, stage: null, userAgent: null, statusCode: null, details: { reason: "Scheduled", message: `Successfully assigned openshift-apiserver/apiserver-5d887d5fcd-mrn5h to ${nodeName}`, count: 1, type: "Normal", reportingController: "default-scheduler" } }),
      ],
    },
  ];
  return { query, queriedObjectId: 1, nodes, start: us("2021-09-13T14:50:00Z"), end: us("2021-09-13T15:10:00Z") };
}

const traceId = encodeTraceId(sampleTrace().query);
const byService = (spans: TraceSpan[], service: string) => spans.filter((s) => s.serviceName === service);
const only = <T>(items: T[]): T => {
  expect(items).toHaveLength(1);
  return items[0]!;
};

describe("span names and object attributes", () => {
  it("name a span's service by kind, group-qualified outside Kubernetes' own groups", () => {
    expect(serviceNameOf({ kind: "Deployment", apiGroup: "apps", resource: "deployments" })).toBe("Deployment");
    expect(serviceNameOf({ kind: "EndpointSlice", apiGroup: "discovery.k8s.io", resource: "endpointslices" })).toBe("EndpointSlice");
    expect(serviceNameOf({ kind: "Rollout", apiGroup: "argoproj.io", resource: "rollouts" })).toBe("Rollout.argoproj.io");
    expect(serviceNameOf({ kind: null, apiGroup: "", resource: "pods" })).toBe("Pod");
    expect(serviceNameOf({ kind: null, apiGroup: "example.com", resource: "widgets" })).toBe("widgets.example.com");
  });

  it("put the object's identity and relations on its span", () => {
    const spans = DISPLAY.tracing(sampleTrace(), traceId);
    const pod = only(byService(spans, "Pod"));
    expect(pod.name).toBe("openshift-apiserver/apiserver-5d887d5fcd-mrn5h");
    expect(pod.attributes).toMatchObject({
      [ATTR.cluster]: "openshift",
      [ATTR.resource]: "pods",
      [ATTR.kind]: "Pod",
      [ATTR.namespace]: "openshift-apiserver",
      [ATTR.name]: "apiserver-5d887d5fcd-mrn5h",
      [ATTR.uid]: "39535e5f-434f-4272-b118-8249ef72001c",
      [ATTR.objectId]: 3,
      [ATTR.relation]: "controller-owner",
      "related.node": "Node ci-ln-k7vx6h2-002ac-w7gjh-master-0",
      "related.endpoint-target": "EndpointSlice openshift-apiserver/api-7xk2p",
    });
    expect(pod.attributes).not.toHaveProperty(ATTR.apiGroup);
    expect(pod.attributes).not.toHaveProperty(ATTR.queried);
    const deployment = only(byService(spans, "Deployment"));
    expect(deployment.attributes).toMatchObject({ [ATTR.apiGroup]: "apps", [ATTR.queried]: true, [ATTR.uid]: "fbf76809-33a5-4017-a1f5-8be34cd2b2fd" });
    expect(deployment.attributes).not.toHaveProperty(ATTR.relation);
  });
});

describe("entry attributes", () => {
  it("show a request URI stored before redaction reached it with its secrets cut out (Jaeger API, OTLP)", () => {
    // Derived: the real exec of falco's exec_pod.json, its command made `sh -c 'mysql -uroot -pS3cret'`,
    // and a token parameter, as a row stored before ingest redacted request URIs holds it.
    const raw = "/api/v1/namespaces/default/pods/nginx-deployment-7998647bdf-phvq7/exec?command=sh&command=-c&command=mysql+-uroot+-pS3cret&container=nginx1&stdin=true&token=abc";
    const exec = entry(3, "2021-09-13T15:10:00Z", { actor: "minikube-user", verb: "create", subresource: "exec", title: "minikube-user create exec" });
    const attributes = entryAttributes({ ...exec, details: { ...exec.details, requestURI: raw } });
    expect(attributes[ATTR.requestUri]).toBe(
      "/api/v1/namespaces/default/pods/nginx-deployment-7998647bdf-phvq7/exec?command=sh&command=-c&command=mysql+-uroot+-p%3Credacted%3E&container=nginx1&stdin=true&token=%3Credacted%3E",
    );
    expect(JSON.stringify(attributes)).not.toMatch(/S3cret|token=abc/);
  });
});

describe("the root span's name, which Jaeger UI titles the trace by", () => {
  it("is the topmost object's with its cluster, and names the queried object when that is below it, in every display mode", () => {
    const aboutPod: AssembledTrace = { ...sampleTrace(), queriedObjectId: 3 };
    for (const mode of ["tracing", "grouped", "tree", "timeline"] as const) {
      const [root] = DISPLAY[mode](aboutPod, traceId);
      expect([root!.serviceName, root!.name, root!.parentSpanId], mode).toEqual([
        "Deployment",
        "openshift-apiserver/apiserver → Pod openshift-apiserver/apiserver-5d887d5fcd-mrn5h (cluster openshift)",
        null,
      ]);
      expect(DISPLAY[mode](sampleTrace(), traceId)[0]!.name, mode).toBe("openshift-apiserver/apiserver (cluster openshift)");
    }
    // Below the root, spans keep their object's name.
    expect(DISPLAY.tracing(aboutPod, traceId).slice(1).map((s) => s.name)).toEqual(["openshift-apiserver/apiserver-5d887d5fcd", "openshift-apiserver/apiserver-5d887d5fcd-mrn5h"]);
  });

  it("names both clusters, the top's first, when the queried object is in another (a cross-cluster parent-link)", () => {
    const trace = sampleTrace();
    const pod = trace.nodes[2]!;
    const crossCluster: AssembledTrace = { ...trace, queriedObjectId: 3, nodes: [...trace.nodes.slice(0, 2), { ...pod, object: { ...pod.object, cluster: "edge-7" } }] };
    expect(DISPLAY.tracing(crossCluster, traceId)[0]!.name).toBe("openshift-apiserver/apiserver → Pod openshift-apiserver/apiserver-5d887d5fcd-mrn5h (clusters openshift → edge-7)");
  });
});

describe("the tracing mode", () => {
  const trace = sampleTrace();
  const spans = DISPLAY.tracing(trace, traceId);
  const [deployment, replicaSet, pod] = spans;

  it("has one span per object, each under its parent's, the topmost the root", () => {
    expect(spans.map((s) => [s.serviceName, s.name])).toEqual([
      ["Deployment", "openshift-apiserver/apiserver (cluster openshift)"],
      ["ReplicaSet", "openshift-apiserver/apiserver-5d887d5fcd"],
      ["Pod", "openshift-apiserver/apiserver-5d887d5fcd-mrn5h"],
    ]);
    expect(deployment!.parentSpanId).toBeNull();
    expect(replicaSet!.parentSpanId).toBe(deployment!.spanId);
    expect(pod!.parentSpanId).toBe(replicaSet!.spanId);
    expect(deployment!.spanId).toBe(spanIdFor(traceId, 1, "object"));
  });

  it("shrinks object spans to their entries; an object without entries spans its children", () => {
    expect(deployment!.start).toBe(us("2021-09-13T14:54:16Z"));
    expect(deployment!.start + deployment!.duration).toBe(us("2021-09-13T15:01:16Z") + 7000);
    expect(replicaSet!.start).toBe(pod!.start);
    expect(replicaSet!.duration).toBe(pod!.duration);
    expect(pod!.start).toBe(us("2021-09-13T14:58:47Z"));
  });

  it("shows entries as logs with everything they have", () => {
    expect(deployment!.logs).toHaveLength(4);
    const [create, status, noop, conflict] = deployment!.logs;
    expect(create!.time).toBe(us("2021-09-13T14:54:16Z"));
    expect(create!.attributes).toMatchObject({ [ATTR.verb]: "create", [ATTR.statusCode]: 201, [ATTR.source]: "audit", [ATTR.noop]: false });
    expect(JSON.parse(create!.attributes[ATTR.snapshot] as string)).toMatchObject({ kind: "Deployment", metadata: { name: "apiserver" } });
    expect(status!.attributes).toMatchObject({
      [ATTR.event]: `${CONTROLLER} update status`,
      [ATTR.user]: CONTROLLER,
      [ATTR.subresource]: "status",
      [ATTR.diff]: "status.observedGeneration 1 -> 2\nstatus.replicas 3 -> 5",
      [ATTR.userAgent]: "kube-controller-manager/v1.21.1 (linux/amd64) kubernetes/a4ab7a9",
      [ATTR.sourceIPs]: "10.0.0.5",
      [ATTR.groups]: "system:authenticated",
      [ATTR.level]: "RequestResponse",
      [ATTR.stage]: "ResponseComplete",
      "annotation.authorization.k8s.io/decision": "allow",
    });
    expect(status!.attributes[ATTR.auditId]).toMatch(/^5f0c7e3a-/);
    expect(noop!.attributes[ATTR.noop]).toBe(true);
    expect(noop!.attributes).not.toHaveProperty(ATTR.diff);
    expect(status!.attributes).not.toHaveProperty(ATTR.error);
  });

  it("marks a failed request as an error, with its reason, message, causes and impersonator", () => {
    const conflict = deployment!.logs[3]!;
    expect(conflict.attributes).toMatchObject({
      [ATTR.error]: true,
      [ATTR.statusCode]: 409,
      [ATTR.status]: "Failure",
      [ATTR.reason]: "Conflict",
      [ATTR.message]: expect.stringMatching(/the object has been modified/),
      [ATTR.causes]: "metadata.resourceVersion: FieldValueInvalid: stale",
      [ATTR.impersonatedBy]: "system:admin",
      [ATTR.impersonatedByGroups]: "system:masters",
    });
    expect(deployment!.error).toBe(true);
    expect(pod!.error).toBe(false);
  });

  it("shows an Event's reason, message, count and type", () => {
    const scheduled = pod!.logs[1]!;
    expect(scheduled.attributes).toMatchObject({ [ATTR.source]: "event", [ATTR.reason]: "Scheduled", [ATTR.count]: 1, [ATTR.eventType]: "Normal", "detail.reportingController": "default-scheduler" });
    expect(scheduled.attributes[ATTR.message]).toMatch(/^Successfully assigned/);
    expect(scheduled.attributes).not.toHaveProperty(ATTR.auditId);
  });

  it("links a span to related objects only when they are in the trace", () => {
    expect(pod!.links).toEqual([]);
    const withNode = sampleTrace();
    withNode.nodes[2]!.related[1]!.object = withNode.nodes[1]!.object;
    expect(DISPLAY.tracing(withNode, traceId)[2]!.links).toEqual([{ spanId: spanIdFor(traceId, 2, "object"), kind: "node" }]);
  });

  it("gives the same spans every time", () => {
    expect(DISPLAY.tracing(sampleTrace(), traceId)).toEqual(spans);
  });
});

describe("the grouped mode", () => {
  const spans = DISPLAY.grouped(sampleTrace(), traceId);

  it("puts audit entries in an 'audit' child span per object and Events on the object's span", () => {
    expect(spans.map((s) => `${s.serviceName} ${s.name}`)).toEqual([
      "Deployment openshift-apiserver/apiserver (cluster openshift)",
      "Deployment audit",
      "ReplicaSet openshift-apiserver/apiserver-5d887d5fcd",
      "Pod openshift-apiserver/apiserver-5d887d5fcd-mrn5h",
      "Pod audit",
    ]);
    const [deployment, deploymentAudit, , pod, podAudit] = spans;
    expect(deploymentAudit!.parentSpanId).toBe(deployment!.spanId);
    expect(deploymentAudit!.logs).toHaveLength(4);
    expect(deploymentAudit!.error).toBe(true);
    expect(deployment!.logs).toEqual([]);
    expect(deployment!.error).toBe(false);
    expect(pod!.logs.map((l) => l.attributes[ATTR.reason])).toEqual(["Scheduled"]);
    expect(podAudit!.logs.map((l) => l.attributes[ATTR.verb])).toEqual(["create"]);
    expect(podAudit!.start).toBe(us("2021-09-13T14:58:47Z"));
    expect(podAudit!.duration).toBe(7000);
  });
});

describe("the tree mode", () => {
  const spans = DISPLAY.tree(sampleTrace(), traceId);

  it("makes every entry a child span of its object's span, named by its title, with all its attributes", () => {
    const deployment = spans[0]!;
    const entries = spans.filter((s) => s.parentSpanId === deployment.spanId && s.serviceName === "Deployment");
    expect(entries.map((s) => s.name)).toEqual([
      "system:serviceaccount:openshift-apiserver-operator:openshift-apiserver-operator create",
      `${CONTROLLER} update status`,
      "system:serviceaccount:openshift-apiserver-operator:openshift-apiserver-operator update",
      "kube:admin update (Conflict)",
    ]);
    const [, status, , conflict] = entries;
    expect(status!.attributes[ATTR.diff]).toContain("status.observedGeneration 1 -> 2");
    expect(status!.duration).toBe(7000);
    expect(conflict!.error).toBe(true);
    expect(conflict!.attributes).toMatchObject({ [ATTR.reason]: "Conflict", [ATTR.statusCode]: 409 });
    expect(deployment.logs).toEqual([]);
    expect(spans).toHaveLength(3 + 4 + 2);
    expect(new Set(spans.map((s) => s.spanId)).size).toBe(spans.length);
  });
});

describe("the timeline mode", () => {
  const spans = DISPLAY.timeline(sampleTrace(), traceId);

  it("puts every entry directly under the topmost object's span, in time order, saying whose it is", () => {
    const [root, ...entries] = spans;
    expect(root!.serviceName).toBe("Deployment");
    expect(root!.parentSpanId).toBeNull();
    expect(entries).toHaveLength(6);
    expect(entries.every((s) => s.parentSpanId === root!.spanId)).toBe(true);
    expect(entries.map((s) => s.start)).toEqual([...entries.map((s) => s.start)].sort((a, b) => a - b));
    const scheduled = entries.find((s) => s.attributes[ATTR.reason] === "Scheduled")!;
    expect(scheduled.serviceName).toBe("Pod");
    expect(scheduled.name).toBe("openshift-apiserver/apiserver-5d887d5fcd-mrn5h: Scheduled");
    expect(scheduled.attributes).toMatchObject({ [ATTR.name]: "apiserver-5d887d5fcd-mrn5h", [ATTR.kind]: "Pod", [ATTR.namespace]: "openshift-apiserver" });
    expect(root!.start).toBe(us("2021-09-13T14:54:16Z"));
    expect(root!.start + root!.duration).toBe(us("2021-09-13T15:01:16Z") + 7000);
  });
});

describe("an object with nothing in the range", () => {
  it("is a zero-length span when it was first seen, kept inside the range", () => {
    const trace = sampleTrace();
    trace.nodes = [{ ...trace.nodes[0]!, entries: [] }];
    const olderTrace = { ...trace, nodes: [{ ...trace.nodes[0]!, object: { ...trace.nodes[0]!.object, firstSeen: us("2021-01-01T00:00:00Z") } }] };
    for (const mode of ["tracing", "grouped", "tree", "timeline"] as const) {
      const spans = DISPLAY[mode](trace, traceId);
      expect(spans).toHaveLength(1);
      expect(spans[0]).toMatchObject({ start: us("2021-09-13T14:53:16Z"), duration: 0, error: false });
      expect(DISPLAY[mode](olderTrace, traceId)[0]).toMatchObject({ start: trace.start, duration: 0 });
    }
  });
});
