import { describe, expect, it } from "vitest";
import { openshiftObject } from "../../testing/fixtures";
import { BUILTIN_LINKERS } from "../../model/links/builtin";
import { firstPartLength, TRANSACTION_LIMITS, transactionLimitsFor } from "./transactionParts";
import type { AuditWrite, ConvertedAuditEvent, JsonObject } from "./types";

// A real Pod (openshift-apiserver): its relations name its ReplicaSet and its Node.
const realPod = openshiftObject("openshift-apiserver", "core/pods.yaml", "apiserver-5d887d5fcd-mrn5h");

/** A write of the real Pod, renamed; `node` and `owner` as given (shared between Pods, or each their own). */
function podWrite(name: string, node: string, owner: string): AuditWrite {
  const body = structuredClone(realPod) as JsonObject & Record<string, any>;
  body.metadata.name = name;
  body.spec.nodeName = node;
  body.metadata.ownerReferences[0].name = owner;
  return {
    kind: "write",
    auditId: name,
    stage: "ResponseComplete",
    requestReceived: "1970-01-01T00:00:00.000000Z",
    level: "RequestResponse",
    object: { apiGroup: "", apiVersion: "v1", resource: "pods", kind: "Pod", namespace: "openshift-apiserver", name, uid: null },
    verb: "create",
    subresource: "",
    startTime: new Date(0),
    endTime: new Date(0),
    actor: "u",
    title: "u create",
    statusCode: 201,
    failed: false,
    dryRun: false,
    userAgent: null,
    details: { user: "u", groups: [], sourceIPs: [], requestURI: "/", annotations: {} },
    bodyAfter: body,
    patch: null,
  };
}

const read: ConvertedAuditEvent = { kind: "read", auditId: "r", stage: "ResponseComplete", requestReceived: "1970-01-01T00:00:00.000000Z", minute: new Date(0), verb: "get", resource: "pods", username: "u", code: 200 };

describe("firstPartLength", () => {
  it("takes a whole batch within the limits", () => {
    const events = [read, ...Array.from({ length: 300 }, (_, i) => podWrite(`p${i}`, "node-a", "rs-a")), read];
    expect(firstPartLength(events, BUILTIN_LINKERS, { events: 400, locks: 1000 })).toBe(302);
  });

  it("counts the node a binding names, which its Pod's state names from then on", () => {
    const binding = (name: string, node: string): AuditWrite => ({
      ...podWrite(name, node, "rs-a"),
      subresource: "binding",
      bodyAfter: null,
      effect: { kind: "binding", nodeName: node, at: "2021-09-13T14:58:48Z" },
    });
    // 1 for the Pod, 2 for its Node: 3 a binding.
    const bindings = Array.from({ length: 10 }, (_, i) => binding(`b${i}`, `node-${i}`));
    expect(firstPartLength(bindings, BUILTIN_LINKERS, { events: 400, locks: 15 })).toBe(5);
  });

  it("stops at the event limit", () => {
    const events = Array.from({ length: 10 }, () => read);
    expect(firstPartLength(events, BUILTIN_LINKERS, { events: 4, locks: 1000 })).toBe(4);
  });

  it("counts each object written once, and each object relations name twice, once however often named", () => {
    // Pods on one Node under one ReplicaSet: 1 lock each, and 2 × 2 for the pair.
    const shared = Array.from({ length: 20 }, (_, i) => podWrite(`s${i}`, "node-a", "rs-a"));
    expect(firstPartLength(shared, BUILTIN_LINKERS, { events: 400, locks: 24 })).toBe(20);
    expect(firstPartLength(shared, BUILTIN_LINKERS, { events: 400, locks: 23 })).toBe(19);
    // Each its own Node and ReplicaSet: 5 a Pod.
    const own = Array.from({ length: 20 }, (_, i) => podWrite(`o${i}`, `node-${i}`, `rs-${i}`));
    expect(firstPartLength(own, BUILTIN_LINKERS, { events: 400, locks: 50 })).toBe(10);
  });

  it("counts twice more an owner of a kind it does not know, whose placeholder also locks the cluster-scoped name and the uid", () => {
    // The real Pod's ReplicaSet and Node, and an owner as the OpenShift console operator sets:
    // its Console, a custom resource the Pod's namespace is only a guess for.
    const pods = Array.from({ length: 10 }, (_, i) => podWrite(`c${i}`, "node-a", "rs-a"));
    for (const pod of pods) (pod.bodyAfter as Record<string, any>).metadata.ownerReferences.push({ apiVersion: "operator.openshift.io/v1", kind: "Console", name: "cluster", uid: "6c0e3a52-8b1f-4d7e-9a41-2f5c7d9e0b13" });
    // 10 Pods, 2 × 3 named, 1 for the Console's cluster-scoped name and 1 for its uid.
    expect(firstPartLength(pods, BUILTIN_LINKERS, { events: 400, locks: 18 })).toBe(10);
    expect(firstPartLength(pods, BUILTIN_LINKERS, { events: 400, locks: 17 })).toBe(9);
  });

  it("counts once more a custom resource whose plural its kind does not give, whose writer also locks the name relations guess", () => {
    // The redis operator's Redis (resource `redis`, guessed `redises`) and OpenShift's Console
    // (`consoles`, as guessed), written as the API serves them: neither body names another object.
    const custom = (name: string, apiGroup: string, resource: string, kind: string): AuditWrite => ({
      ...podWrite(name, "node-a", "rs-a"),
      object: { apiGroup, apiVersion: "v1", resource, kind, namespace: "openshift-console", name, uid: null },
      bodyAfter: { apiVersion: `${apiGroup}/v1`, kind, metadata: { name, namespace: "openshift-console" } },
    });
    const redises = Array.from({ length: 10 }, (_, i) => custom(`r${i}`, "redis.redis.opstreelabs.in", "redis", "Redis"));
    expect(firstPartLength(redises, BUILTIN_LINKERS, { events: 400, locks: 20 })).toBe(10);
    expect(firstPartLength(redises, BUILTIN_LINKERS, { events: 400, locks: 19 })).toBe(9);
    const consoles = Array.from({ length: 10 }, (_, i) => custom(`c${i}`, "operator.openshift.io", "consoles", "Console"));
    expect(firstPartLength(consoles, BUILTIN_LINKERS, { events: 400, locks: 10 })).toBe(10);
    // Written at Metadata level, an update tells the uid (objectRef) and no kind: its uid is locked instead.
    const metadataLevel = Array.from({ length: 10 }, (_, i): AuditWrite => ({
      ...custom(`m${i}`, "redis.redis.opstreelabs.in", "redis", "Redis"),
      object: { apiGroup: "redis.redis.opstreelabs.in", apiVersion: "v1beta1", resource: "redis", kind: null, namespace: "openshift-console", name: `m${i}`, uid: `3f6b2c1d-5e4a-4b7c-9d8e-0a1b2c3d4e${String(i).padStart(2, "0")}` },
      level: "Metadata",
      verb: "update",
      bodyAfter: null,
    }));
    expect(firstPartLength(metadataLevel, BUILTIN_LINKERS, { events: 400, locks: 20 })).toBe(10);
    expect(firstPartLength(metadataLevel, BUILTIN_LINKERS, { events: 400, locks: 19 })).toBe(9);
  });

  it("counts once more an object written through extensions, or named through it by uid, whose name under the newer group is locked too", () => {
    // The real Pod as a 1.8 cluster's ReplicaSet controller made it: its ownerReference names
    // the ReplicaSet through extensions/v1beta1. 10 Pods, 2 × 2 named, 1 for apps' name of the ReplicaSet.
    const pods = Array.from({ length: 10 }, (_, i) => podWrite(`e${i}`, "node-a", "rs-a"));
    for (const pod of pods) (pod.bodyAfter as Record<string, any>).metadata.ownerReferences[0].apiVersion = "extensions/v1beta1";
    expect(firstPartLength(pods, BUILTIN_LINKERS, { events: 400, locks: 15 })).toBe(10);
    expect(firstPartLength(pods, BUILTIN_LINKERS, { events: 400, locks: 14 })).toBe(9);
    // Deployments patched through extensions at Metadata level (no body): 2 each.
    const deployments = Array.from({ length: 10 }, (_, i): AuditWrite => ({
      ...podWrite(`d${i}`, "node-a", "rs-a"),
      object: { apiGroup: "extensions", apiVersion: "v1beta1", resource: "deployments", kind: "Deployment", namespace: "openshift-apiserver", name: `d${i}`, uid: null },
      level: "Metadata",
      verb: "patch",
      bodyAfter: null,
    }));
    expect(firstPartLength(deployments, BUILTIN_LINKERS, { events: 400, locks: 20 })).toBe(10);
    expect(firstPartLength(deployments, BUILTIN_LINKERS, { events: 400, locks: 19 })).toBe(9);
  });

  it("takes at least one event, however many objects it names", () => {
    const own = [podWrite("a", "node-a", "rs-a"), podWrite("b", "node-b", "rs-b")];
    expect(firstPartLength(own, BUILTIN_LINKERS, { events: 400, locks: 1 })).toBe(1);
  });

  it("keeps the claims it ran the linkers for, for the store to use", () => {
    const write = podWrite("k", "node-k", "rs-k");
    firstPartLength([write], BUILTIN_LINKERS);
    expect(write.claims?.map((c) => `${c.kind} ${c.other.resource}/${c.other.name}`)).toEqual(["controller-owner replicasets/rs-k", "node nodes/node-k"]);
  });
});

describe("transactionLimitsFor", () => {
  it("gives four writers 1,000 locks each of Postgres's default table (64 × 100 connections)", () => {
    expect(transactionLimitsFor(6400, 4)).toEqual(TRANSACTION_LIMITS);
    expect(TRANSACTION_LIMITS.locks).toBe(1000);
  });

  it("divides five eighths of the table among more writers", () => {
    expect(transactionLimitsFor(6400, 16)).toEqual({ events: TRANSACTION_LIMITS.events, locks: 250 });
    expect(transactionLimitsFor(6400, 5)).toEqual({ events: TRANSACTION_LIMITS.events, locks: 800 });
  });

  it("takes no more than 1,000 from a larger table, and at least one lock", () => {
    expect(transactionLimitsFor(64 * 1000, 4).locks).toBe(1000);
    expect(transactionLimitsFor(64, 1000).locks).toBe(1);
  });
});
