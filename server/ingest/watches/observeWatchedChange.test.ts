import { describe, expect, it } from "vitest";
import type { JsonObject } from "../audit/types";
import type { ObservedChange } from "../../k8s/reflector";
import { parseWatchedResource, type WatchedResource } from "../../k8s/watchedResources";
import { cascadeWrites, type CascadeWrite } from "../../testing/watchedCascade";
import { describeWatchedObject, goneEntry, observeWatchedChange } from "./observeWatchedChange";
import { latestWriters } from "./latestWriters";

/**
 * Watched changes as history entries, on the real successive bodies of the Deployment
 * `openshift-apiserver/apiserver`, its ReplicaSets and Pods (docs/samples/deployment-cascade.jsonl,
 * with the managedFields kube-apiserver records for each write: server/testing/watchedCascade.ts).
 */

const resourceOf = (item: string) => parseWatchedResource(item) as WatchedResource;
const RESOURCES: Record<CascadeWrite["groupResource"], WatchedResource> = {
  "deployments.apps": resourceOf("deployments.apps"),
  "replicasets.apps": resourceOf("replicasets.apps"),
  pods: resourceOf("pods"),
};
const AT = new Date("2026-12-07T10:00:00.000Z");
const writes = cascadeWrites();
const nameOf = (body: JsonObject) => (body.metadata as { name: string }).name;
const rvOf = (body: JsonObject) => (body.metadata as { resourceVersion: string }).resourceVersion;

/** The `index`-th write matching `predicate`. */
function write(predicate: (w: CascadeWrite) => boolean, index = 0): CascadeWrite {
  const found = writes.filter(predicate)[index];
  if (!found) throw new Error("no such write in the cascade");
  return found;
}

function observed(type: ObservedChange["type"], w: CascadeWrite) {
  const result = observeWatchedChange({ type, object: w.body }, RESOURCES[w.groupResource], AT);
  if (!result.ok) throw new Error(result.problem);
  return result.entry;
}

describe("observeWatchedChange", () => {
  it("a Pod the replicaset controller created, seen ADDED: kube-controller-manager create", () => {
    const created = write((w) => w.groupResource === "pods" && w.change === "ADDED");
    const metadata = created.body.metadata as JsonObject;
    expect(observed("ADDED", created)).toEqual({
      source: "watch",
      key: `${String(metadata.uid)}@${rvOf(created.body)}`,
      object: { apiGroup: "", apiVersion: "v1", resource: "pods", kind: "Pod", namespace: "openshift-apiserver", name: nameOf(created.body), uid: metadata.uid },
      startTime: AT,
      endTime: AT,
      actor: "kube-controller-manager",
      verb: "create",
      title: "kube-controller-manager create (watched)",
      details: { watchEvent: "ADDED", resourceVersionAfter: rvOf(created.body), managers: ["kube-controller-manager"], managedAt: (metadata.managedFields as JsonObject[])[0]!.time },
      body: created.body,
    });
  });

  it("the kubelet's status patch, seen MODIFIED: kubelet update status, whoever else manages the Pod", () => {
    const patched = write((w) => w.groupResource === "pods" && w.verb === "patch" && w.subresource === "status");
    expect((patched.body.metadata as { managedFields: unknown[] }).managedFields).toHaveLength(2);
    const entry = observed("MODIFIED", patched);
    expect(entry).toMatchObject({ actor: "kubelet", verb: "update", title: "kubelet update status (watched)", object: { kind: "Pod", name: nameOf(patched.body) } });
    expect(entry.details).toMatchObject({ watchEvent: "MODIFIED", managers: ["kubelet"], subresource: "status" });
    expect(entry.deleted).toBeUndefined();
  });

  it("the operator's spec update of the Deployment, and the deployment controller's status update after it", () => {
    const specUpdate = write((w) => w.groupResource === "deployments.apps" && w.verb === "update" && w.subresource === null);
    expect(observed("MODIFIED", specUpdate)).toMatchObject({
      actor: "cluster-openshift-apiserver-operator",
      title: "cluster-openshift-apiserver-operator update (watched)",
      object: { apiGroup: "apps", apiVersion: "v1", resource: "deployments", kind: "Deployment", name: "apiserver" },
    });
    const statusUpdate = write((w) => w.groupResource === "deployments.apps" && w.subresource === "status" && Number(rvOf(w.body)) > Number(rvOf(specUpdate.body)));
    expect(observed("MODIFIED", statusUpdate)).toMatchObject({ actor: "kube-controller-manager", title: "kube-controller-manager update status (watched)" });
  });

  it("a listed object already existed: verb observed, its last writer as actor", () => {
    // A status update a second or more after the ReplicaSet's creation: its entry is the only latest one.
    const replicaSet = write((w) => {
      const times = (w.body.metadata as { managedFields: JsonObject[] }).managedFields.map((e) => e.time);
      return w.groupResource === "replicasets.apps" && w.subresource === "status" && new Set(times).size === 2;
    });
    const entry = observed("LISTED", replicaSet);
    expect(entry).toMatchObject({ verb: "observed", actor: "kube-controller-manager", title: "watched: already existed", key: expect.stringMatching(/@\d+$/) });
    expect(entry.details).toMatchObject({ watchEvent: "LISTED", subresource: "status" });
  });

  it("a list item without kind and apiVersion (a typed list's items carry none) reads as the watch would give it", () => {
    const watched = write((w) => w.groupResource === "replicasets.apps").body;
    const { kind: _kind, apiVersion: _apiVersion, ...item } = watched;
    const result = observeWatchedChange({ type: "LISTED", object: item }, RESOURCES["replicasets.apps"], AT);
    expect(result.ok && result.entry.object.kind).toBe("ReplicaSet");
    expect(result.ok && result.entry.body).toEqual(watched);
    // A resource that is not built in has no kind to give: its list items stay without one.
    const custom = observeWatchedChange({ type: "LISTED", object: item }, resourceOf("widgets.example.com/v1"), AT);
    expect(custom.ok && custom.entry.object.kind).toBeNull();
    expect(custom.ok && custom.entry.body).toEqual({ ...item, apiVersion: "example.com/v1" });
  });

  it("a deletion, seen DELETED: its own key, the last body, deleted, and no writer named (managedFields tell who wrote, not who deleted)", () => {
    const removed = write((w) => w.groupResource === "pods" && w.change === "DELETED");
    const entry = observed("DELETED", removed);
    expect(entry).toMatchObject({
      key: `${String((removed.body.metadata as JsonObject).uid)}@${rvOf(removed.body)}/deleted`,
      actor: "watch",
      verb: "delete",
      title: "watched: deleted",
      details: { watchEvent: "DELETED", resourceVersionAfter: rvOf(removed.body) },
      body: removed.body,
      deleted: true,
    });
  });

  it("a graceful delete's version (deletionTimestamp set, no manager stamped since): deletion requested, by no manager; the kubelet's status after it is the kubelet's", () => {
    const requested = write((w) => w.groupResource === "pods" && w.verb === "delete" && w.change === "MODIFIED");
    const metadata = requested.body.metadata as { deletionTimestamp: string; deletionGracePeriodSeconds: number; name: string };
    const entry = observed("MODIFIED", requested);
    const at = new Date(Date.parse(metadata.deletionTimestamp) - metadata.deletionGracePeriodSeconds * 1000).toISOString().replace(".000Z", "Z");
    expect(entry).toMatchObject({
      actor: "watch",
      verb: "delete",
      title: `watched: deletion requested (grace ${metadata.deletionGracePeriodSeconds} s)`,
      details: { watchEvent: "MODIFIED", deletionRequestedAt: at, deletionGracePeriodSeconds: metadata.deletionGracePeriodSeconds },
    });
    expect(entry.deleted).toBeUndefined();
    // The kubelet's status of the stopping Pod, written after the request (stamped at its second):
    // the kubelet's, as any write (the capture has none after the request: the same body, restamped).
    const stopping = structuredClone(requested.body);
    const kubelet = (stopping.metadata as { managedFields: JsonObject[] }).managedFields.find((e) => e.manager === "kubelet")!;
    kubelet.time = at;
    const result = observeWatchedChange({ type: "MODIFIED", object: stopping }, RESOURCES.pods, AT);
    expect(result.ok && result.entry).toMatchObject({ actor: "kubelet", verb: "update", title: "kubelet update status (watched)" });
    expect(result.ok && "deletionRequestedAt" in result.entry.details).toBe(false);
  });

  it("a later version of an object whose deletion was requested, stamped by no manager (a finalizer removed): not another deletion request, its writer unknown; a shorter grace is a new request", () => {
    const requestedWrite = write((w) => w.groupResource === "pods" && w.verb === "delete" && w.change === "MODIFIED");
    const first = observeWatchedChange({ type: "MODIFIED", object: requestedWrite.body }, RESOURCES.pods, AT);
    if (!first.ok) throw new Error(first.problem);
    expect(first.known.deletionTimestamp).toBe((requestedWrite.body.metadata as JsonObject).deletionTimestamp);
    // The same body with a finalizer removed at the next version: managedFields stamp no time for a removal.
    const finalized = structuredClone(requestedWrite.body);
    const metadata = finalized.metadata as JsonObject;
    metadata.resourceVersion = String(BigInt(rvOf(requestedWrite.body)) + 1n);
    metadata.finalizers = [];
    const result = observeWatchedChange({ type: "MODIFIED", object: finalized }, RESOURCES.pods, AT, first.known);
    expect(result.ok && result.entry).toMatchObject({ actor: "watch", verb: "update", title: "watched: updated" });
    expect(result.ok && "deletionRequestedAt" in result.entry.details).toBe(false);
    expect(result.ok && "subresource" in result.entry.details).toBe(false);
    // Deleted again with a shorter grace period: a new deletionTimestamp, a new request.
    const shorter = structuredClone(finalized);
    (shorter.metadata as JsonObject).deletionTimestamp = new Date(Date.parse(String(metadata.deletionTimestamp)) - 10_000).toISOString().replace(".000Z", "Z");
    (shorter.metadata as JsonObject).deletionGracePeriodSeconds = Number(metadata.deletionGracePeriodSeconds) - 10;
    const again = observeWatchedChange({ type: "MODIFIED", object: shorter }, RESOURCES.pods, AT, result.ok ? result.known : null);
    expect(again.ok && again.entry).toMatchObject({ actor: "watch", verb: "delete" });
  });

  it("one manager's two entries stamped at the same second (a create, then its status): that manager, no subresource", () => {
    const replicaSet = write((w) => w.groupResource === "replicasets.apps" && w.subresource === "status");
    const times = (replicaSet.body.metadata as { managedFields: JsonObject[] }).managedFields.map((e) => e.time);
    expect(new Set(times).size).toBe(1);
    expect(observed("MODIFIED", replicaSet)).toMatchObject({ actor: "kube-controller-manager", title: "kube-controller-manager update (watched)" });
  });

  it("two managers stamped at the same second: both named, the actor is the watch", () => {
    const pod = structuredClone(write((w) => w.groupResource === "pods" && w.verb === "patch" && w.subresource === "status").body);
    const entries = (pod.metadata as { managedFields: JsonObject[] }).managedFields;
    entries[0]!.time = entries[1]!.time!;
    const result = observeWatchedChange({ type: "MODIFIED", object: pod }, RESOURCES.pods, AT);
    expect(result.ok && result.entry).toMatchObject({ actor: "watch", title: "watched: updated", details: { managers: ["kube-controller-manager", "kubelet"] } });
    expect(result.ok && result.entry.details.subresource).toBeUndefined();
  });

  it("an object without managedFields (a client that strips them): the watch as actor, no managers", () => {
    const pod = structuredClone(write((w) => w.groupResource === "pods").body);
    delete (pod.metadata as JsonObject).managedFields;
    const result = observeWatchedChange({ type: "MODIFIED", object: pod }, RESOURCES.pods, AT);
    expect(result.ok && result.entry).toMatchObject({ actor: "watch", title: "watched: updated", details: { watchEvent: "MODIFIED" } });
    expect(result.ok && "managers" in result.entry.details).toBe(false);
  });

  it("remembers only the object's identity and version, not its body", () => {
    const created = write((w) => w.groupResource === "deployments.apps");
    const result = observeWatchedChange({ type: "ADDED", object: created.body }, RESOURCES["deployments.apps"], AT);
    expect(result.ok && result.known).toEqual({ resourceVersion: rvOf(created.body), object: expect.objectContaining({ name: "apiserver", kind: "Deployment" }) });
    expect(result.ok && Object.keys(result.known)).toEqual(["resourceVersion", "object"]);
  });

  it.each([
    ["no metadata", (b: JsonObject) => delete b.metadata, "it has no metadata"],
    ["no name", (b: JsonObject) => delete (b.metadata as JsonObject).name, "it has no metadata.name"],
    ["no uid", (b: JsonObject) => delete (b.metadata as JsonObject).uid, "it has no metadata.uid"],
    ["an empty uid", (b: JsonObject) => ((b.metadata as JsonObject).uid = ""), "it has no metadata.uid"],
    ["no resourceVersion", (b: JsonObject) => delete (b.metadata as JsonObject).resourceVersion, "it has no metadata.resourceVersion"],
    ["a namespace that is not a string", (b: JsonObject) => ((b.metadata as JsonObject).namespace = 3), "its metadata.namespace is not a string"],
  ])("an object with %s cannot be identified: a problem saying so, not a throw", (_what, spoil, problem) => {
    const pod = structuredClone(write((w) => w.groupResource === "pods").body);
    spoil(pod);
    expect(observeWatchedChange({ type: "ADDED", object: pod }, RESOURCES.pods, AT)).toEqual({ ok: false, problem });
  });
});

describe("goneEntry", () => {
  it("an object a relist no longer brings: keyed by its last known version, no body, deleted", () => {
    const last = write((w) => w.groupResource === "replicasets.apps" && nameOf(w.body) === "apiserver-675785f59" && w.change === "MODIFIED", 2);
    const result = observeWatchedChange({ type: "MODIFIED", object: last.body }, RESOURCES["replicasets.apps"], AT);
    if (!result.ok) throw new Error(result.problem);
    const later = new Date("2026-12-07T11:00:00Z");
    expect(goneEntry(result.known, later)).toEqual({
      source: "watch",
      key: `${result.known.object.uid}@${rvOf(last.body)}/gone`,
      object: result.entry.object,
      startTime: later,
      endTime: later,
      actor: "watch",
      verb: "delete",
      title: "watched: gone (deleted while not watched)",
      details: { watchEvent: "GONE", resourceVersionAfter: rvOf(last.body) },
      body: null,
      deleted: true,
    });
  });
});

describe("latestWriters", () => {
  it("names the manager of the latest entry, the time to the second, and its subresource", () => {
    const pod = write((w) => w.groupResource === "pods" && w.verb === "patch" && w.subresource === "status").body;
    const kubeletEntry = (pod.metadata as { managedFields: JsonObject[] }).managedFields.find((e) => e.manager === "kubelet")!;
    expect(latestWriters(pod)).toEqual({ managers: ["kubelet"], at: kubeletEntry.time, subresource: "status" });
  });

  it("skips entries without a manager or a readable time", () => {
    const pod = structuredClone(write((w) => w.groupResource === "pods").body);
    (pod.metadata as JsonObject).managedFields = [{ manager: "later", time: "not a time" }, { time: "2030-01-01T00:00:00Z" }, { manager: "kubelet", time: "2021-09-13T14:54:20Z" }, "junk"];
    expect(latestWriters(pod)).toEqual({ managers: ["kubelet"], at: "2021-09-13T14:54:20Z", subresource: null });
    (pod.metadata as JsonObject).managedFields = "junk";
    expect(latestWriters(pod)).toBeNull();
  });
});

describe("describeWatchedObject", () => {
  it("names an object by namespace and name, or by what it has", () => {
    const pod = structuredClone(write((w) => w.groupResource === "pods").body);
    expect(describeWatchedObject(pod)).toBe(`openshift-apiserver/${nameOf(pod)}`);
    delete (pod.metadata as JsonObject).name;
    expect(describeWatchedObject(pod)).toBe("openshift-apiserver/apiserver-85b76d5494-… (no name)");
    expect(describeWatchedObject({})).toBe("an object without a name");
  });
});
