import { afterEach, describe, expect, it } from "vitest";
import { newReflectorStats, type ReflectorStats } from "../../k8s/reflector";
import { parseWatchedResource, type WatchedResource } from "../../k8s/watchedResources";
import { loadTimeline } from "../../query/timeline/load";
import type { TimelineEntry } from "../../query/timeline/types";
import { startTestApiServer } from "../../testing/apiServer/server";
import { loopbackKubeConfig, TEST_TOKEN } from "../../testing/apiServer/testClients";
import { STORE_KINDS } from "../../testing/databases";
import { startTestApp, type TestApp } from "../../testing/appHarness";
import { eventList } from "../../testing/scenarios/rollout";
import { CASCADE } from "../../testing/scenarios/watchedCascadeEntries";
import { CASCADE_RESOURCES, cascadeWrites, type CascadeWrite } from "../../testing/watchedCascade";
import { startDataSources } from "../sources/dataSourceRunner";
import { objectWatchSource } from "./objectWatchSource";
import type { JsonObject } from "../audit/types";

/**
 * Object watches end to end: the watch sources list and watch the project's test API server on
 * loopback while it replays the real rollout of docs/samples/deployment-cascade.jsonl (each
 * write's real body, at the resourceVersion the cluster gave it: server/testing/watchedCascade.ts),
 * the app's own ingestor stores what they observe, and the object page's timeline reads it. Each
 * write is observed 50 ms after its audit event says it completed (the sources' clock), as a
 * watch sees a write moments after it is stored. Then the same cluster's audit log arrives, as
 * it does from the webhook: each write the audit log tells with its body shows once, as its
 * request, and the watch's entries of the same versions fold into it.
 */

const SERVED = CASCADE_RESOURCES;
const GROUP_RESOURCES = Object.keys(SERVED) as Array<CascadeWrite["groupResource"]>;
const CLUSTER = "default";
const JAEGER = { basePath: "/jaeger", uiServed: false };

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe.each(STORE_KINDS)("object watches end to end (%s)", (kind) => {
  let app: TestApp;

  async function objectId(resource: string, name: string): Promise<number> {
    const rows = await app.context.db.query<{ id: number }>(`SELECT id FROM objects WHERE resource = $1 AND name = $2 ORDER BY first_seen`, [resource, name]);
    expect(rows.rows).toHaveLength(1);
    return Number(rows.rows[0]!.id);
  }
  async function timeline(id: number): Promise<TimelineEntry[]> {
    return (await loadTimeline(app.context.db, { id, relations: "self" }, { jaeger: JAEGER }))!.rows[0]!.entries;
  }

  it("stores every version a watch saw with its diff, and shows each write once when the audit log of the same writes comes", async () => {
    app = await startTestApp(kind);
    cleanups.push(() => app.close());
    const api = await startTestApiServer({ token: TEST_TOKEN, resources: Object.values(SERVED), keepRecordedVersions: true });
    cleanups.push(() => api.close());

    let now = new Date(0);
    const stats = new Map(GROUP_RESOURCES.map((name) => [name, newReflectorStats()] as [CascadeWrite["groupResource"], ReflectorStats]));
    const logs: string[] = [];
    const running = startDataSources(
      GROUP_RESOURCES.map((name) => ({
        owner: "kubetrail",
        source: objectWatchSource(CLUSTER, loopbackKubeConfig(api.url, TEST_TOKEN), parseWatchedResource(name) as WatchedResource, { batchDelayMs: 1 }, stats.get(name)!, () => now),
      })),
      app.context.observedHistoryIngestor,
      (line) => logs.push(line),
    );
    cleanups.push(() => running.stop());
    await until(() => [...stats.values()].every((s) => s.state === "watching"));

    // Replayed one write at a time, each taken by its source (its version reached) before the next.
    for (const write of cascadeWrites()) {
      now = new Date(Date.parse(write.at) + 50);
      const before = api.resourceVersion();
      const metadata = write.body.metadata as JsonObject;
      if (write.change === "ADDED") api.create(write.groupResource, write.body);
      else if (write.change === "MODIFIED") api.update(write.groupResource, write.body);
      else api.delete(write.groupResource, { namespace: metadata.namespace as string, name: metadata.name as string });
      const after = api.resourceVersion();
      if (after !== before) await until(() => stats.get(write.groupResource)!.resourceVersion === after);
    }
    expect(logs.filter((line) => line.includes("left out"))).toEqual([]);

    // The watch alone: the Deployment's history, its first version whole, then each change by its field manager.
    const deployment = await objectId("deployments", "apiserver");
    const watched = await timeline(deployment);
    expect(watched.every((entry) => entry.source === "watch")).toBe(true);
    expect(watched[0]).toMatchObject({ verb: "create", hasSnapshot: true });
    const templateChange = watched.find((entry) => entry.diff.some((line) => line.startsWith("spec.template.")));
    expect(templateChange).toMatchObject({ verb: "update", diffFrom: null });
    expect(templateChange!.actor).not.toBe("watch");
    // Relations from the watched bodies: each ReplicaSet under the Deployment, each Pod under its ReplicaSet.
    const owners = await app.context.db.query<{ child: string; parent: string }>(
      `SELECT c.resource AS child, p.resource AS parent FROM relations r JOIN objects c ON c.id = r.to_object_id JOIN objects p ON p.id = r.from_object_id
        WHERE r.kind IN ('owner', 'controller-owner') GROUP BY 1, 2 ORDER BY 1`,
    );
    expect(owners.rows).toEqual([
      { child: "pods", parent: "replicasets" },
      { child: "replicasets", parent: "deployments" },
    ]);
    // A Pod the rollout removed is deleted.
    const deletedPods = await app.context.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM objects WHERE resource = 'pods' AND deleted_at IS NOT NULL`);
    expect(deletedPods.rows[0]!.n).toBeGreaterThan(0);

    // The audit log of the same writes: each version it tells shows once, as its request.
    expect((await app.postAudit(eventList(CASCADE))).status).toBe(200);
    const both = await timeline(deployment);
    const audited = both.filter((entry) => entry.source === "audit");
    const auditedVersions = new Set(
      (
        await app.context.db.query<{ rv: string }>(
          `SELECT details->>'resourceVersionAfter' AS rv FROM history_entries WHERE object_id = $1 AND source = 'audit' AND details->>'resourceVersionAfter' IS NOT NULL`,
          [deployment],
        )
      ).rows.map((row) => row.rv),
    );
    expect(auditedVersions.size).toBeGreaterThan(1);
    const watchedVersions = await app.context.db.query<{ id: number; rv: string }>(
      `SELECT id, details->>'resourceVersionAfter' AS rv FROM history_entries WHERE object_id = $1 AND source = 'watch'`,
      [deployment],
    );
    const twins = watchedVersions.rows.filter((row) => auditedVersions.has(row.rv)).map((row) => Number(row.id));
    expect(twins.length).toBe(auditedVersions.size);
    expect(both.filter((entry) => twins.includes(entry.id))).toEqual([]);
    expect(both.length).toBe(audited.length + watchedVersions.rows.length - twins.length);
  });
});
