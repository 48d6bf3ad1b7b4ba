import { afterEach, describe, expect, it } from "vitest";
import { newReflectorStats, type ReflectorStats } from "../../k8s/reflector";
import { parseWatchedResource, type WatchedResource } from "../../k8s/watchedResources";
import type { ObservedHistoryEntry } from "../../plugins/types";
import { startTestApiServer, type TestApiServer } from "../../testing/apiServer/server";
import { loopbackKubeConfig, TEST_TOKEN } from "../../testing/apiServer/testClients";
import { STORE_KINDS } from "../../testing/databases";
import { startTestApp, type TestApp } from "../../testing/appHarness";
import { eventList } from "../../testing/scenarios/rollout";
import { CASCADE } from "../../testing/scenarios/watchedCascadeEntries";
import { CASCADE_RESOURCES, cascadeWrites, type CascadeWrite } from "../../testing/watchedCascade";
import type { ObservedHistoryIngestor } from "../sources/observedHistoryIngestor";
import { startDataSources } from "../sources/dataSourceRunner";
import type { JsonObject } from "../audit/types";
import { objectWatchSource } from "./objectWatchSource";
import { observeWatchedChange } from "./observeWatchedChange";

/**
 * Watch sources restarted on the store they wrote before, as Kubetrail restarted: the project's
 * test API server serves the cascade sample's real rollout (docs/samples/deployment-cascade.jsonl,
 * server/testing/watchedCascade.ts) up to its first Pod's removal; the sources list and watch it
 * into the app's store and stop; the Pod is deleted while none runs; new sources start on the
 * same store. What they hand over is recorded on its way to the app's own ingestor. Meanwhile
 * another replica stored a Pod, and audit told of another.
 */

const SERVED = CASCADE_RESOURCES;
const GROUP_RESOURCES = Object.keys(SERVED) as Array<CascadeWrite["groupResource"]>;
const CLUSTER = "default";
const OBSERVED_AT = new Date("2026-12-07T10:00:00.000Z");

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
}

const nameOf = (body: JsonObject) => (body.metadata as { name: string }).name;

/** The three sources, started as the app starts them, until each watches (its first list taken); what they handed over, and their logs. */
async function runSourcesUntilWatching(api: TestApiServer, app: TestApp) {
  const handedOver: ObservedHistoryEntry[] = [];
  const logs: string[] = [];
  const ingestor: ObservedHistoryIngestor = {
    ...app.context.observedHistoryIngestor,
    ingest(cluster, entries) {
      handedOver.push(...entries);
      return app.context.observedHistoryIngestor.ingest(cluster, entries);
    },
  };
  const stats = GROUP_RESOURCES.map(() => newReflectorStats());
  const running = startDataSources(
    GROUP_RESOURCES.map((name, index) => ({
      owner: "kubetrail",
      source: objectWatchSource(CLUSTER, loopbackKubeConfig(api.url, TEST_TOKEN), parseWatchedResource(name) as WatchedResource, { batchDelayMs: 1 }, stats[index] as ReflectorStats, () => OBSERVED_AT),
    })),
    ingestor,
    (line) => logs.push(line),
  );
  await until(() => stats.every((s) => s.state === "watching" || s.failures > 0));
  await running.stop();
  expect(stats.map((s) => s.lastError)).toEqual(stats.map(() => null));
  return { handedOver, logs };
}

describe.each(STORE_KINDS)("watch sources restarted on their store (%s)", (kind) => {
  let app: TestApp;

  async function entriesByObject(): Promise<Map<string, number>> {
    const rows = await app.context.db.query<{ uid: string; n: number }>(
      `SELECT o.uid, count(h.id)::int AS n FROM objects o LEFT JOIN history_entries h ON h.object_id = o.id GROUP BY o.uid`,
    );
    return new Map(rows.rows.map((row) => [row.uid, row.n]));
  }
  async function objectRow(uid: string) {
    const rows = await app.context.db.query<{ deleted: boolean; gones: number }>(
      `SELECT o.deleted_at IS NOT NULL AS deleted,
              (SELECT count(*)::int FROM history_entries h WHERE h.object_id = o.id AND h.details->>'watchEvent' = 'GONE') AS gones
         FROM objects o WHERE o.uid = $1`,
      [uid],
    );
    expect(rows.rows).toHaveLength(1);
    return rows.rows[0]!;
  }

  it("records an object deleted while Kubetrail was down as gone, once, hands nothing unchanged over again, and leaves one another replica stored after the list alive", async () => {
    app = await startTestApp(kind);
    cleanups.push(() => app.close());
    const api = await startTestApiServer({ token: TEST_TOKEN, resources: Object.values(SERVED), keepRecordedVersions: true });
    cleanups.push(() => api.close());

    // The rollout up to its first Pod's removal: Deployments, ReplicaSets and Pods exist, listed and stored.
    const writes = cascadeWrites();
    const removal = writes.findIndex((w) => w.change === "DELETED" && w.groupResource === "pods");
    for (const write of writes.slice(0, removal)) {
      if (write.change === "ADDED") api.create(write.groupResource, write.body);
      else if (write.change === "MODIFIED") api.update(write.groupResource, write.body);
      else api.delete(write.groupResource, write.body.metadata as { namespace: string; name: string });
    }
    const first = await runSourcesUntilWatching(api, app);
    expect(first.handedOver.length).toBeGreaterThan(5);

    // Kubetrail is down: the Pod is deleted.
    const removed = writes[removal]!.body;
    const removedUid = (removed.metadata as { uid: string }).uid;
    expect(api.get("pods", removed.metadata as { namespace: string; name: string })).toBeDefined();
    api.delete("pods", removed.metadata as { namespace: string; name: string });
    // Another replica, watching meanwhile, stored a Pod made after the list the restarted sources
    // will take (a later Pod of the rollout, at a version past every version the server gave yet),
    // as its own watch source would.
    const later = structuredClone(writes.slice(removal).find((w) => w.change === "ADDED" && w.groupResource === "pods")!.body);
    const laterUid = (later.metadata as { uid: string }).uid;
    (later.metadata as JsonObject).resourceVersion = String(BigInt(api.resourceVersion()) + 100n);
    const observed = observeWatchedChange({ type: "ADDED", object: later }, parseWatchedResource("pods") as WatchedResource, OBSERVED_AT);
    if (!observed.ok) throw new Error(observed.problem);
    expect((await app.context.observedHistoryIngestor.ingest(CLUSTER, [observed.entry])).stored).toBe(1);
    // A Pod only audit told of (its real create event; the test API server never had it): no
    // watch vouched for it, so no list may judge it gone.
    const laterPods = writes.slice(removal).filter((w) => w.change === "ADDED" && w.groupResource === "pods");
    const auditedUid = (laterPods[1]!.body.metadata as { uid: string }).uid;
    const auditedCreate = CASCADE.find((event) => event.verb === "create" && (event.responseObject as { metadata?: { uid?: string } } | undefined)?.metadata?.uid === auditedUid);
    expect(auditedCreate).toBeDefined();
    expect((await app.postAudit(eventList([auditedCreate]))).status).toBe(200);
    const before = await entriesByObject();

    const second = await runSourcesUntilWatching(api, app);
    // Only the gone Pod is handed over: the objects listed unchanged were known from the store.
    expect(second.handedOver.map((entry) => [entry.details.watchEvent, entry.object.name])).toEqual([["GONE", nameOf(removed)]]);
    expect(await objectRow(removedUid)).toEqual({ deleted: true, gones: 1 });
    const after = await entriesByObject();
    expect(after).toEqual(new Map([...before].map(([uid, n]) => [uid, uid === removedUid ? n + 1 : n])));
    // The other replica's Pod is newer than this list: not this list's to judge.
    expect(await objectRow(laterUid)).toEqual({ deleted: false, gones: 0 });
    expect(second.logs.some((line) => line.includes(nameOf(later)) && line.includes("newer than the list"))).toBe(true);
    expect(await objectRow(auditedUid)).toEqual({ deleted: false, gones: 0 });

    // Restarted again: nothing new.
    const third = await runSourcesUntilWatching(api, app);
    expect(third.handedOver).toEqual([]);
    expect(await objectRow(removedUid)).toEqual({ deleted: true, gones: 1 });
    expect(await entriesByObject()).toEqual(after);
  });
});
