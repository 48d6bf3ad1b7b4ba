import { describe, expect, it } from "vitest";
import { realApiserverPod } from "../fixtures";
import type { JsonObject } from "../../ingest/audit/types";
import { CORE_EVENTS, type ServedResource } from "./resources";
import { recordedEvents } from "./testEvents";
import { CompactedError, FutureResourceVersionError, VersionedStore } from "./store";

// Real Events recorded by an OpenShift 4.8 must-gather (recordedEvents), and a real Pod of the
// same capture to show that one revision counter serves every resource.
const CORE_PODS: ServedResource = { apiGroup: "", version: "v1", resource: "pods", kind: "Pod", namespaced: true };

type Meta = { name: string; namespace: string; resourceVersion: string; uid: string; creationTimestamp: string };
const meta = (object: JsonObject) => object.metadata as unknown as Meta;
const names = (objects: JsonObject[]) => objects.map((object) => meta(object).name);

function storeWith(...namespaces: string[]): VersionedStore {
  const store = new VersionedStore([CORE_EVENTS, CORE_PODS]);
  for (const namespace of namespaces) store.load("events", recordedEvents(namespace));
  return store;
}

describe("VersionedStore", () => {
  it("gives every write the next resourceVersion of one counter for all resources, starting after an empty store's 1", () => {
    const store = new VersionedStore([CORE_EVENTS, CORE_PODS]);
    expect(store.resourceVersion).toBe(1);
    const [first, second] = recordedEvents("openshift-console");
    const created = [store.create("events", first!), store.create("pods", realApiserverPod()), store.create("events", second!)];

    expect(created.map((object) => meta(object).resourceVersion)).toEqual(["2", "3", "4"]);
    expect(store.resourceVersion).toBe(4);
    // The recorded uid and creationTimestamp are kept; the recorded resourceVersion is replaced.
    expect(meta(created[0]!).uid).toBe(meta(first!).uid);
    expect(meta(created[0]!).creationTimestamp).toBe(meta(first!).creationTimestamp);
    expect(created[0]).toMatchObject({ kind: "Event", apiVersion: "v1" });
  });

  it("keeps recorded objects' resourceVersions when asked, where they are newer, so a replay's watch matches its cluster's audit log", () => {
    const store = new VersionedStore([CORE_EVENTS, CORE_PODS], { keepRecordedVersions: true });
    const pod = realApiserverPod();
    const recorded = meta(pod).resourceVersion;
    expect(meta(store.create("pods", pod)).resourceVersion).toBe(recorded);
    const changed = { ...structuredClone(pod), metadata: { ...structuredClone(pod.metadata as JsonObject), labels: { replayed: "yes" }, resourceVersion: String(Number(recorded) + 40) } };
    expect(meta(store.update("pods", changed)).resourceVersion).toBe(String(Number(recorded) + 40));
    // An older version than the store's (or none) takes the next revision, as any write does.
    const [event] = recordedEvents("openshift-console");
    expect(meta(store.create("events", { ...event!, metadata: { ...(event!.metadata as JsonObject), resourceVersion: "5" } })).resourceVersion).toBe(String(Number(recorded) + 41));
    // Without the option the store's counter decides.
    expect(meta(new VersionedStore([CORE_PODS]).create("pods", realApiserverPod())).resourceVersion).toBe("2");
  });

  it("fills uid and creationTimestamp of an object that has none", () => {
    const store = storeWith();
    const event = recordedEvents("openshift-console")[0]!;
    delete (event.metadata as JsonObject).uid;
    delete (event.metadata as JsonObject).creationTimestamp;

    const created = store.create("events", event);

    expect(meta(created).uid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(meta(created).creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it("lists a resource as it was at an earlier resourceVersion, in key order, one namespace or all", () => {
    const store = storeWith("openshift-console", "openshift-apiserver");
    const before = store.resourceVersion;
    const [gone, changed] = store.list("events", { namespace: "openshift-console", resourceVersion: before }).items;
    store.delete("events", meta(gone!));
    store.update("events", { ...changed!, message: "changed after the snapshot" });
    store.create("events", { ...recordedEvents("openshift-console")[0]!, metadata: { ...meta(gone!), name: "created-after.1" } });

    const then = store.list("events", { namespace: "openshift-console", resourceVersion: before });
    const now = store.list("events", { namespace: "openshift-console", resourceVersion: store.resourceVersion });

    const recorded = names(recordedEvents("openshift-console")).sort();
    expect(names(then.items)).toEqual(recorded);
    expect(then.items.find((event) => meta(event).name === meta(changed!).name)?.message).toBe(changed!.message);
    expect(names(now.items)).toEqual([...recorded.filter((name) => name !== meta(gone!).name), "created-after.1"].sort());
    const all = store.list("events", { resourceVersion: before }).items;
    expect(all.map((event) => `${meta(event).namespace}/${meta(event).name}`)).toEqual(
      [...recordedEvents("openshift-console"), ...recordedEvents("openshift-apiserver")].map((event) => `${meta(event).namespace}/${meta(event).name}`).sort(),
    );
  });

  it("pages a list with limit and a key to continue from, counting what remains", () => {
    const store = storeWith("openshift-console");
    const at = store.resourceVersion;

    const first = store.list("events", { resourceVersion: at, limit: 50 });
    const rest = store.list("events", { resourceVersion: at, fromKey: first.continueFrom!, limit: 50 });

    expect(first.items).toHaveLength(50);
    expect(first.remainingItemCount).toBe(14);
    expect(first.continueFrom).toBe(`openshift-console/${meta(first.items[49]!).name}\u0000`);
    expect(rest.items).toHaveLength(14);
    expect(rest.continueFrom).toBeUndefined();
    expect(names([...first.items, ...rest.items])).toEqual(names(store.list("events", { resourceVersion: at }).items));
  });

  it("updates in place, keeping uid and creationTimestamp; an update that changes nothing is no write", () => {
    const store = storeWith("openshift-console");
    const original = store.list("events", { resourceVersion: store.resourceVersion }).items[0]!;
    const before = store.resourceVersion;

    const unchanged = store.update("events", { ...original, metadata: { ...meta(original), resourceVersion: "12345" } });
    expect(store.resourceVersion).toBe(before);
    expect(meta(unchanged).resourceVersion).toBe(meta(original).resourceVersion);
    expect(store.changesAfter("events", undefined, before)).toEqual([]);

    const { uid: _uid, creationTimestamp: _created, ...metadataWithoutThem } = meta(original);
    const updated = store.update("events", { ...original, metadata: metadataWithoutThem, count: 7 });
    expect(meta(updated)).toMatchObject({ uid: meta(original).uid, creationTimestamp: meta(original).creationTimestamp, resourceVersion: String(before + 1) });
    expect(store.changesAfter("events", undefined, before)).toEqual([
      { type: "MODIFIED", groupResource: "events", namespace: "openshift-console", resourceVersion: before + 1, object: updated },
    ]);
  });

  it("deletes with a DELETED change that carries the object's last state at a new resourceVersion", () => {
    const store = storeWith("openshift-console");
    const victim = store.list("events", { resourceVersion: store.resourceVersion }).items[3]!;

    const deleted = store.delete("events", meta(victim));

    expect(deleted).toEqual({ ...victim, kind: "Event", apiVersion: "v1", metadata: { ...meta(victim), resourceVersion: String(store.resourceVersion) } });
    expect(store.get("events", meta(victim))).toBeUndefined();
    expect(store.changesAfter("events", "openshift-console", store.resourceVersion - 1)).toEqual([
      { type: "DELETED", groupResource: "events", namespace: "openshift-console", resourceVersion: store.resourceVersion, object: deleted },
    ]);
  });

  it("replays changes after a resourceVersion for one namespace, oldest first", () => {
    const store = storeWith("openshift-console", "openshift-apiserver");
    const from = store.resourceVersion;
    const [inConsole] = recordedEvents("openshift-console");
    const [inApiserver] = recordedEvents("openshift-apiserver");
    store.update("events", { ...inConsole!, count: 2 });
    store.update("events", { ...inApiserver!, count: 2 });
    store.delete("events", meta(inConsole!));

    expect(store.changesAfter("events", "openshift-console", from).map(({ type, resourceVersion }) => [type, resourceVersion])).toEqual([
      ["MODIFIED", from + 1],
      ["DELETED", from + 3],
    ]);
    expect(store.changesAfter("events", undefined, from)).toHaveLength(3);
    expect(() => store.changesAfter("events", undefined, from + 4)).toThrow(FutureResourceVersionError);
  });

  it("forgets what compaction passed: reads before it fail, reads at or after it still see their state", () => {
    const store = storeWith("openshift-console");
    const loaded = store.resourceVersion;
    const [deletedBefore, deletedAfter] = store.list("events", { resourceVersion: loaded }).items;
    store.delete("events", meta(deletedBefore!));
    const compactedAt = store.resourceVersion;
    store.delete("events", meta(deletedAfter!));

    store.compact(compactedAt);

    expect(store.compactedResourceVersion).toBe(compactedAt);
    expect(() => store.list("events", { resourceVersion: loaded })).toThrow(CompactedError);
    expect(() => store.changesAfter("events", undefined, loaded)).toThrow(CompactedError);
    expect(store.list("events", { resourceVersion: compactedAt }).items).toHaveLength(63);
    expect(names(store.list("events", { resourceVersion: compactedAt }).items)).toContain(meta(deletedAfter!).name);
    expect(store.changesAfter("events", undefined, compactedAt).map(({ type }) => type)).toEqual(["DELETED"]);
    expect(() => store.compact(compactedAt - 1)).toThrow(/already compacted/);
  });

  it("compacts by itself to keep at most historyLimit changes", () => {
    const store = new VersionedStore([CORE_EVENTS], { historyLimit: 10 });
    store.load("events", recordedEvents("openshift-console"));

    expect(store.compactedResourceVersion).toBe(store.resourceVersion - 10);
    expect(store.changesAfter("events", undefined, store.resourceVersion - 10)).toHaveLength(10);
    expect(() => store.changesAfter("events", undefined, store.resourceVersion - 11)).toThrow(CompactedError);
  });

  it("tells subscribers each change as it is written", () => {
    const store = storeWith();
    const seen: string[] = [];
    const unsubscribe = store.subscribe((change) => seen.push(`${change.type} ${change.resourceVersion}`));
    const [event] = recordedEvents("openshift-console");
    store.create("events", event!);
    store.delete("events", meta(event!));
    unsubscribe();
    store.create("events", event!);

    expect(seen).toEqual(["ADDED 2", "DELETED 3"]);
  });

  it("refuses bad input with an error that names the problem", () => {
    const store = storeWith("openshift-console");
    const [event] = recordedEvents("openshift-console");
    const { namespace: _namespace, ...metadataWithoutNamespace } = meta(event!);

    expect(() => store.create("deployments.apps", event!)).toThrow('this store serves no resource "deployments.apps" (it serves: events, pods)');
    expect(() => store.create("events", event!)).toThrow(`events "openshift-console/${meta(event!).name}" already exists`);
    expect(() => store.create("events", { ...event!, metadata: metadataWithoutNamespace })).toThrow("is namespaced: it needs a namespace");
    expect(() => store.create("events", { ...event!, kind: "Pod" })).toThrow("expected kind Event, got Pod");
    expect(() => store.create("events", { kind: "Event" })).toThrow("Event: metadata must be an object");
    // e.g. an object of client-node's typed models, whose timestamps are Dates.
    expect(() => store.update("events", { ...event!, lastTimestamp: new Date() } as unknown as JsonObject)).toThrow("Event: lastTimestamp is a Date, not a JSON value");
    expect(() => store.update("events", { ...event!, metadata: { ...meta(event!), name: "nope" } })).toThrow('events "openshift-console/nope" not found');
    expect(() => store.update("events", { ...event!, metadata: { ...meta(event!), uid: "other" } })).toThrow("is not the stored object's");
    expect(() => store.delete("events", { namespace: "openshift-console", name: "../x" })).toThrow("is not a valid object name");
    expect(() => store.compact(store.resourceVersion + 1)).toThrow("cannot compact");
  });
});
