import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { JsonObject } from "../audit/types";
import { newReflectorStats, type ReflectorStats } from "../../k8s/reflector";
import { parseWatchedResource, type WatchedResource } from "../../k8s/watchedResources";
import type { DataSourceContext, ObservedHistoryEntry } from "../../plugins/types";
import type { ObservedHistorySummary } from "../../store/observedHistoryWriter";
import type { LiveWatchedObject, WatchedCollection } from "../../store/liveWatchedObjects";
import { startTestApiServer, type TestApiServer } from "../../testing/apiServer/server";
import { loopbackKubeConfig, TEST_TOKEN } from "../../testing/apiServer/testClients";
import { CASCADE_RESOURCES, cascadeWrites, type CascadeWrite } from "../../testing/watchedCascade";
import { objectWatchSource, watchSourceName } from "./objectWatchSource";

/**
 * The object watch sources of Deployments, ReplicaSets and Pods against the project's test API
 * server (server/testing/apiServer) on loopback, fed with the real successive bodies of a
 * Deployment's rollout (docs/samples/deployment-cascade.jsonl, server/testing/watchedCascade.ts),
 * each write applied as kube-apiserver would (create, update, delete). What the sources hand over
 * goes to an ingestHistory that records it as the DataSource contract describes (each key once).
 */

const SERVED = CASCADE_RESOURCES;
const WATCHED = (Object.keys(SERVED) as Array<CascadeWrite["groupResource"]>).map((name) => parseWatchedResource(name) as WatchedResource);
const CLUSTER = "prod";
const OBSERVED_AT = new Date("2026-12-07T10:00:00.000Z");

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** What the store would be told: every call's entries, in order, and each key stored once. */
class RecordingStore {
  readonly calls: ObservedHistoryEntry[][] = [];
  readonly keys = new Set<string>();
  duplicates = 0;
  failNext = 0;
  /** What it holds as existing, as watches stored it, by collection (`group/resource`): none unless a test says. */
  readonly live = new Map<string, LiveWatchedObject[]>();

  get entries(): ObservedHistoryEntry[] {
    return this.calls.flat();
  }

  async ingestHistory(cluster: string, entries: ObservedHistoryEntry[]): Promise<ObservedHistorySummary> {
    expect(cluster).toBe(CLUSTER);
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error("the database is down");
    }
    this.calls.push(entries);
    let stored = 0;
    for (const entry of entries) {
      if (this.keys.has(entry.key)) this.duplicates++;
      else {
        this.keys.add(entry.key);
        stored++;
      }
    }
    return { received: entries.length, stored, duplicates: entries.length - stored, rejected: [], placeholders: 0 };
  }

  async liveWatchedObjects(cluster: string, collection: WatchedCollection): Promise<LiveWatchedObject[]> {
    expect(cluster).toBe(CLUSTER);
    return this.live.get(`${collection.apiGroup}/${collection.resource}`) ?? [];
  }
}

interface Running {
  store: RecordingStore;
  logs: string[];
  stats: ReflectorStats[];
  until(condition: () => boolean): Promise<void>;
}

async function startServer(): Promise<TestApiServer> {
  const api = await startTestApiServer({ token: TEST_TOKEN, resources: Object.values(SERVED) });
  cleanups.push(() => api.close());
  return api;
}

/** The three sources, sharing one store, started as the app starts data sources. */
function startSources(api: TestApiServer, store = new RecordingStore()): Running {
  const logs: string[] = [];
  const controller = new AbortController();
  const context: DataSourceContext = {
    ingestHistory: (cluster, entries) => store.ingestHistory(cluster, entries),
    liveWatchedObjects: (cluster, collection) => store.liveWatchedObjects(cluster, collection),
    signal: controller.signal,
    log: (line) => logs.push(line),
  };
  const stats = WATCHED.map(() => newReflectorStats());
  const running = WATCHED.map((resource, index) =>
    objectWatchSource(CLUSTER, loopbackKubeConfig(api.url, TEST_TOKEN), resource, { minBackoffMs: 5, maxBackoffMs: 20, batchDelayMs: 1 }, stats[index], () => OBSERVED_AT).start(context),
  );
  cleanups.push(async () => {
    controller.abort();
    await Promise.all(running);
  });
  const until = async (condition: () => boolean) => {
    while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
  };
  return { store, logs, stats, until };
}

/** What a watch saw of one write to the test API server: its change, the object's uid and the version the server gave it. */
interface Applied {
  write: CascadeWrite;
  change: CascadeWrite["change"];
  uid: string;
  resourceVersion: string;
}

/** Applies the writes to the server, each as kube-apiserver would; an update that changes nothing is no write (no watch event) and is left out. */
function apply(api: TestApiServer, writes: readonly CascadeWrite[]): Applied[] {
  const applied: Applied[] = [];
  for (const write of writes) {
    const metadata = write.body.metadata as { name: string; namespace: string };
    const before = api.get(write.groupResource, metadata);
    const after =
      write.change === "ADDED"
        ? api.create(write.groupResource, write.body)
        : write.change === "MODIFIED"
          ? api.update(write.groupResource, write.body)
          : api.delete(write.groupResource, metadata);
    const resourceVersion = (after.metadata as { resourceVersion: string }).resourceVersion;
    if (before && (before.metadata as { resourceVersion: string }).resourceVersion === resourceVersion) continue;
    applied.push({ write, change: write.change, uid: (after.metadata as { uid: string }).uid, resourceVersion });
  }
  return applied;
}

/**
 * The rollout up to just before the second revision's first Pod is deleted (it never ran: deleted
 * outright), listed and watched: `removal` is that deletion's index in `writes`, `removed` the Pod's name.
 */
async function watchingUntilFirstPodRemoval(api: TestApiServer) {
  const writes = cascadeWrites();
  const removal = writes.findIndex((w) => w.change === "DELETED" && w.groupResource === "pods");
  const removed = (writes[removal]!.body.metadata as { name: string }).name;
  apply(api, writes.slice(0, removal));
  const running = startSources(api);
  await api.waitForWatches(3);
  await running.until(() => running.stats.every((stats) => stats.state === "watching"));
  return { writes, removal, removed, running };
}

const VERBS = { ADDED: "create", MODIFIED: "update", DELETED: "delete" } as const;
const nameOf = (entry: ObservedHistoryEntry) => entry.object.name;

describe("objectWatchSource", () => {
  it("is named for its cluster, group and resource", () => {
    expect(WATCHED.map((resource) => watchSourceName(CLUSTER, resource))).toEqual(["watch/prod/apps/deployments", "watch/prod/apps/replicasets", "watch/prod/pods"]);
  });

  it("hands over what exists as already existing, then each write as the watch sees it: created, updated, deleted, by whom", async () => {
    const api = await startServer();
    const writes = cascadeWrites();
    // Up to the deployment controller's first status update: a Deployment, its first ReplicaSet, three Pods.
    const firstStatus = writes.findIndex((w) => w.groupResource === "deployments.apps" && w.subresource === "status");
    apply(api, writes.slice(0, firstStatus + 1));
    const running = startSources(api);
    await api.waitForWatches(3);
    await running.until(() => running.store.entries.length === 5);

    const listed = running.store.entries;
    expect(listed.map((entry) => [entry.object.kind, entry.verb, entry.title, entry.details.watchEvent])).toEqual(
      expect.arrayContaining([
        ["Deployment", "observed", "watched: already existed", "LISTED"],
        ["ReplicaSet", "observed", "watched: already existed", "LISTED"],
        ["Pod", "observed", "watched: already existed", "LISTED"],
      ]),
    );
    for (const entry of listed) {
      const current = api.get(`${entry.object.resource}${entry.object.apiGroup ? `.${entry.object.apiGroup}` : ""}`, entry.object)!;
      expect(entry.key).toBe(`${entry.object.uid}@${(current.metadata as { resourceVersion: string }).resourceVersion}`);
      expect(entry).toMatchObject({ source: "watch", startTime: OBSERVED_AT, endTime: OBSERVED_AT, body: current });
    }
    // The Pods' only writer so far is the replicaset controller; the Deployment's two writers (the
    // operator's create, the deployment controller's status) wrote in the same second: neither is named.
    expect(listed.filter((entry) => entry.object.kind === "Pod").map((entry) => entry.actor)).toEqual(Array(3).fill("kube-controller-manager"));
    expect(listed.find((entry) => entry.object.kind === "Deployment")).toMatchObject({ actor: "watch", details: { managers: ["cluster-openshift-apiserver-operator", "kube-controller-manager"] } });

    // The rest of the rollout, to the deletion of everything, while watched.
    const applied = apply(api, writes.slice(firstStatus + 1));
    await running.until(() => running.store.entries.length === listed.length + applied.length);
    const watched = running.store.entries.slice(listed.length);
    const byKey = new Map(watched.map((entry) => [entry.key, entry]));
    for (const { write, change, uid, resourceVersion } of applied) {
      const entry = byKey.get(`${uid}@${resourceVersion}${change === "DELETED" ? "/deleted" : ""}`);
      expect(entry, `${write.verb} ${(write.body.metadata as { name: string }).name} at ${resourceVersion}`).toBeDefined();
      // A graceful delete's version (deletionTimestamp set, through no field manager) is the deletion's request.
      const gracefulDelete = write.verb === "delete" && change === "MODIFIED";
      expect(entry!.verb).toBe(gracefulDelete ? "delete" : VERBS[change]);
      if (gracefulDelete) expect(entry).toMatchObject({ actor: "watch", title: expect.stringMatching(/^watched: deletion requested \(grace \d+ s\)$/) });
      expect(entry!.details).toMatchObject({ watchEvent: change, resourceVersionAfter: resourceVersion });
      // Writes through the field manager name their writer: alone, or among the managers who
      // wrote in the same second (then the actor is the watch). A deletion names none.
      if (write.manager !== null) {
        expect(entry!.details.managers).toContain(write.manager);
        expect([write.manager, "watch"]).toContain(entry!.actor);
        if (entry!.actor === "watch") expect((entry!.details.managers as string[]).length).toBeGreaterThan(1);
      }
      if (change === "DELETED") expect(entry).toMatchObject({ actor: "watch", deleted: true, title: "watched: deleted" });
    }
    expect(watched.filter((entry) => entry.deleted).map((entry) => `${entry.object.kind} ${nameOf(entry)}`).sort()).toEqual([
      "Deployment apiserver",
      "Pod apiserver-5d887d5fcd-k8w2n",
      "Pod apiserver-5d887d5fcd-mrn5h",
      "Pod apiserver-5d887d5fcd-qnvqh",
      "Pod apiserver-5d887d5fcd-xdwdd",
      "Pod apiserver-675785f59-jl22t",
      "Pod apiserver-85b76d5494-c6q5q",
      "Pod apiserver-85b76d5494-hc72z",
      "Pod apiserver-85b76d5494-tscjb",
      "ReplicaSet apiserver-5d887d5fcd",
      "ReplicaSet apiserver-675785f59",
      "ReplicaSet apiserver-85b76d5494",
    ]);
    expect(watched.find((entry) => entry.title === "kubelet update status (watched)")).toBeDefined();
    expect(watched.find((entry) => entry.title === "kube-controller-manager update status (watched)")).toBeDefined();
    expect(watched.find((entry) => entry.title === "cluster-openshift-apiserver-operator update (watched)")).toBeDefined();
    expect(watched.find((entry) => entry.title === "kube-controller-manager create (watched)")).toBeDefined();
    expect(running.store.duplicates).toBe(0);
    expect(running.stats.map((stats) => stats.state)).toEqual(["watching", "watching", "watching"]);
  });

  it("after a 410 relist, hands over as gone what was deleted during the gap, what changed meanwhile as listed, and nothing twice", async () => {
    const api = await startServer();
    const { writes, removal, removed, running } = await watchingUntilFirstPodRemoval(api);
    const removedBefore = running.store.entries.find((entry) => nameOf(entry) === removed)!;
    const keysBefore = new Set(running.store.keys);

    // The watches drop; while they are down the Pod is deleted, a ReplicaSet and the Deployment
    // change, a new Pod comes, and etcd compacts past the versions they watched from.
    const gap = writes.slice(removal, removal + 6);
    expect(gap.map((w) => `${w.change} ${w.groupResource}`)).toEqual([
      "DELETED pods",
      "MODIFIED replicasets.apps",
      "ADDED pods",
      "MODIFIED replicasets.apps",
      "MODIFIED deployments.apps",
      "DELETED pods",
    ]);
    api.closeWatches({ abruptly: true });
    const applied = apply(api, gap);
    api.compact();
    await running.until(() => running.stats.every((stats) => stats.expired >= 1) && api.openWatches() === 3);
    await running.until(() => running.store.entries.some((entry) => entry.details.watchEvent === "GONE" && nameOf(entry) === removed));

    const afterGap = running.store.entries.filter((entry) => !keysBefore.has(entry.key));
    const deletedInGap = gap.filter((w) => w.change === "DELETED").map((w) => (w.body.metadata as { name: string }).name);
    // Both Pods deleted during the gap are gone, keyed by the last version the watch knew.
    const gone = afterGap.filter((entry) => entry.details.watchEvent === "GONE");
    expect(gone.map(nameOf).sort()).toEqual([...deletedInGap].sort());
    expect(gone.find((entry) => nameOf(entry) === removed)).toEqual({
      source: "watch",
      key: `${removedBefore.object.uid}@${removedBefore.details.resourceVersionAfter}/gone`,
      object: removedBefore.object,
      startTime: OBSERVED_AT,
      endTime: OBSERVED_AT,
      actor: "watch",
      verb: "delete",
      title: "watched: gone (deleted while not watched)",
      details: { watchEvent: "GONE", resourceVersionAfter: removedBefore.details.resourceVersionAfter },
      body: null,
      deleted: true,
    });
    // What was written in the gap and still exists is listed at its new version; nothing unchanged comes again.
    const stillThere = applied.filter((a) => a.change !== "DELETED" && !deletedInGap.includes((a.write.body.metadata as { name: string }).name));
    const lastVersionOf = new Map(stillThere.map((a) => [a.uid, a.resourceVersion]));
    expect(afterGap.filter((entry) => entry.details.watchEvent === "LISTED").map((entry) => entry.key).sort()).toEqual([...lastVersionOf].map(([uid, rv]) => `${uid}@${rv}`).sort());
    expect(running.store.duplicates).toBe(0);

    // Gone objects are forgotten: a later relist hands over only the one object written meanwhile.
    api.closeWatches({ abruptly: true });
    const [next] = apply(api, [writes[removal + gap.length]!]);
    api.compact();
    const entriesBefore = running.store.entries.length;
    await running.until(() => running.stats.every((stats) => stats.expired >= 2) && api.openWatches() === 3);
    expect(running.store.entries.slice(entriesBefore).map((entry) => [entry.key, entry.details.watchEvent])).toEqual([[`${next!.uid}@${next!.resourceVersion}`, "LISTED"]]);
  });

  it("names in the log, with why, each listed object it cannot identify, and hands over the others", async () => {
    // No API server serves an object without a uid; a server that answers the list as a broken
    // proxy or aggregated API might: one real Pod as served, one without its uid.
    const pods = cascadeWrites().filter((w) => w.groupResource === "pods" && w.change === "ADDED").slice(0, 2).map((w) => structuredClone(w.body));
    delete (pods[1]!.metadata as JsonObject).uid;
    const server = http.createServer((request, response) => {
      if (new URL(request.url!, "http://x").searchParams.has("watch")) return void response.writeHead(200, { "Content-Type": "application/json" }).flushHeaders();
      response.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ kind: "PodList", apiVersion: "v1", metadata: { resourceVersion: "9107" }, items: pods }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
    const store = new RecordingStore();
    const logs: string[] = [];
    const controller = new AbortController();
    const stats = newReflectorStats();
    const podsResource = WATCHED.find((resource) => resource.resource === "pods")!;
    const running = objectWatchSource(CLUSTER, loopbackKubeConfig(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, TEST_TOKEN), podsResource, {}, stats, () => OBSERVED_AT).start({
      ingestHistory: (cluster, entries) => store.ingestHistory(cluster, entries),
      liveWatchedObjects: (cluster, collection) => store.liveWatchedObjects(cluster, collection),
      signal: controller.signal,
      log: (line) => logs.push(line),
    });
    cleanups.push(async () => {
      controller.abort();
      await running;
    });
    while (stats.state !== "watching") await new Promise((resolve) => setTimeout(resolve, 5));
    expect(store.entries.map(nameOf)).toEqual([(pods[0]!.metadata as { name: string }).name]);
    expect(logs).toContain(`an object that cannot be identified was left out (LISTED openshift-apiserver/${(pods[1]!.metadata as { name: string }).name}): it has no metadata.uid`);
  });

  it("after a restart, hands over what the store holds and the first list no longer brings as gone, nothing listed unchanged, and leaves alive, logged, what it cannot order against the list", async () => {
    const api = await startServer();
    const writes = cascadeWrites();
    // Up to the deployment controller's first status update: a Deployment, its first ReplicaSet, three Pods.
    apply(api, writes.slice(0, writes.findIndex((w) => w.groupResource === "deployments.apps" && w.subresource === "status") + 1));
    // What a store written before the restart holds of Pods: the three served, at the versions
    // served; and two later Pods of the rollout, deleted while no source ran. The store held one
    // at a version before the list's, the other at a version that is not etcd's (opaque).
    const listedPods = writes.filter((w) => w.groupResource === "pods" && w.change === "ADDED").slice(0, 3);
    const [deletedPod, opaquePod] = writes.filter((w) => w.groupResource === "pods" && w.change === "ADDED").slice(3, 5).map((w) => w.body.metadata as { uid: string; namespace: string; name: string });
    const store = new RecordingStore();
    store.live.set("/pods", [
      ...listedPods.map((w) => {
        const metadata = api.get("pods", w.body.metadata as { namespace: string; name: string })!.metadata as { uid: string; namespace: string; name: string; resourceVersion: string };
        return { uid: metadata.uid, namespace: metadata.namespace, name: metadata.name, resourceVersion: metadata.resourceVersion };
      }),
      { uid: deletedPod!.uid, namespace: deletedPod!.namespace, name: deletedPod!.name, resourceVersion: "1" },
      { uid: opaquePod!.uid, namespace: opaquePod!.namespace, name: opaquePod!.name, resourceVersion: "opaque-7f3a" },
    ]);
    const running = startSources(api, store);
    await api.waitForWatches(3);
    await running.until(() => running.stats.every((stats) => stats.state === "watching"));

    const pods = store.entries.filter((entry) => entry.object.resource === "pods");
    expect(pods.map((entry) => [entry.details.watchEvent, entry.object.name, entry.key])).toEqual([["GONE", deletedPod!.name, `${deletedPod!.uid}@1/gone`]]);
    expect(running.logs).toContainEqual(expect.stringMatching(new RegExp(`^1 object not in the list at resourceVersion \\d+ left alive, not marked gone: their stored versions cannot be ordered .*: openshift-apiserver/${opaquePod!.name}@opaque-7f3a$`)));
    // The Deployment and ReplicaSet, which the store did not hold, are handed over as listed.
    expect(store.entries.filter((entry) => entry.object.resource !== "pods").map((entry) => entry.details.watchEvent)).toEqual(["LISTED", "LISTED"]);
  });

  it("hands the gone objects over again at the next relist when the store could not take them", async () => {
    const api = await startServer();
    const { writes, removal, removed, running } = await watchingUntilFirstPodRemoval(api);
    api.closeWatches({ abruptly: true });
    apply(api, [writes[removal]!]);
    api.compact();
    running.store.failNext = 1;
    await running.until(() => running.store.entries.some((entry) => entry.details.watchEvent === "GONE" && nameOf(entry) === removed));
    expect(running.logs.some((line) => line.includes("the database is down"))).toBe(true);
    expect(running.store.entries.filter((entry) => entry.details.watchEvent === "GONE")).toHaveLength(1);
  });

  it("a version after a deletion request that carries its deletionTimestamp and no newer manager's time (a finalizer removed) is an update by no manager named, listed before or watched", async () => {
    const api = await startServer();
    const writes = cascadeWrites();
    const requests = writes.map((w, i) => ({ w, i })).filter(({ w }) => w.groupResource === "pods" && w.verb === "delete" && w.change === "MODIFIED");
    expect(requests.length).toBeGreaterThan(1);
    const [listedRequest, watchedRequest] = [requests[0]!, requests[1]!];
    // The first Pod's deletion requested before the watch starts (listed), the second's while watched.
    apply(api, writes.slice(0, listedRequest.i + 1));
    const running = startSources(api);
    await api.waitForWatches(3);
    await running.until(() => running.stats.every((stats) => stats.state === "watching"));
    const finalize = (w: CascadeWrite) => {
      const metadata = w.body.metadata as { name: string; namespace: string };
      const current = structuredClone(api.get("pods", metadata)!);
      (current.metadata as JsonObject).finalizers = [];
      return (api.update("pods", current).metadata as { resourceVersion: string; uid: string });
    };
    const afterListed = finalize(listedRequest.w);
    apply(api, writes.slice(listedRequest.i + 1, watchedRequest.i + 1));
    const afterWatched = finalize(watchedRequest.w);
    const keys = [afterListed, afterWatched].map((m) => `${m.uid}@${m.resourceVersion}`);
    await running.until(() => keys.every((key) => running.store.keys.has(key)));
    for (const key of keys) {
      expect(running.store.entries.find((entry) => entry.key === key)).toMatchObject({ actor: "watch", verb: "update", title: "watched: updated" });
    }
  });

  it("after a restart, a finalizer removed from an object whose deletion was requested before and which the store holds at the listed version is an update by no manager named, not a second deletion request", async () => {
    const api = await startServer();
    const writes = cascadeWrites();
    const request = writes.map((w, i) => ({ w, i })).find(({ w }) => w.groupResource === "pods" && w.verb === "delete" && w.change === "MODIFIED")!;
    // The first Pod's deletion requested before Kubetrail went down; the store holds every Pod
    // served at the version served (the deletion request's, for that one), as the source stored
    // them before the restart: the first list brings them unchanged.
    const applied = apply(api, writes.slice(0, request.i + 1));
    const servedPods = [...new Set(applied.filter((a) => a.write.groupResource === "pods").map((a) => a.write.body.metadata as { name: string; namespace: string }))]
      .map((name) => api.get("pods", name))
      .filter((pod) => pod !== undefined);
    const store = new RecordingStore();
    store.live.set(
      "/pods",
      servedPods.map((pod) => {
        const metadata = pod.metadata as { uid: string; namespace: string; name: string; resourceVersion: string };
        return { uid: metadata.uid, namespace: metadata.namespace, name: metadata.name, resourceVersion: metadata.resourceVersion };
      }),
    );
    const running = startSources(api, store);
    await api.waitForWatches(3);
    await running.until(() => running.stats.every((stats) => stats.state === "watching"));
    expect(store.entries.filter((entry) => entry.object.resource === "pods")).toEqual([]);
    // The Pod's finalizer removed while watched: the same deletionTimestamp, no manager's time.
    const current = structuredClone(api.get("pods", request.w.body.metadata as { name: string; namespace: string })!);
    (current.metadata as JsonObject).finalizers = [];
    const after = api.update("pods", current).metadata as { resourceVersion: string; uid: string };
    const key = `${after.uid}@${after.resourceVersion}`;
    await running.until(() => store.keys.has(key));
    expect(store.entries.find((entry) => entry.key === key)).toMatchObject({ actor: "watch", verb: "update", title: "watched: updated" });
  });
});
