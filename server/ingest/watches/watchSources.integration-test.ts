import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../config/config";
import { createAppContext, type AppContext } from "../../app/context";
import { handleSources } from "../../app/sources";
import { startTestApiServer } from "../../testing/apiServer/server";
import { CORE_EVENTS, type ServedResource } from "../../testing/apiServer/resources";
import { TEST_TOKEN } from "../../testing/apiServer/testClients";
import { writeKubeconfig } from "../../testing/apiServer/kubeconfigFile";
import { cascadeWrites } from "../../testing/watchedCascade";
import type { SourceStatus } from "../sources/sourceStatus";

/**
 * The app watching a cluster's objects, as `npm start` runs it: KUBETRAIL_CLUSTERS names a
 * kubeconfig for the project's test API server on loopback, serving the Deployment, ReplicaSet
 * and Pods of the cascade sample's real rollout (server/testing/watchedCascade.ts) beside Events;
 * the app's own context starts an Events source and one watch source per configured resource.
 * What the store makes of watch entries is the store's tests' business: here, that the sources
 * run and say how they are doing.
 */

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const SERVED: ServedResource[] = [
  CORE_EVENTS,
  { apiGroup: "apps", version: "v1", resource: "deployments", kind: "Deployment", namespaced: true },
  { apiGroup: "apps", version: "v1", resource: "replicasets", kind: "ReplicaSet", namespaced: true },
  { apiGroup: "", version: "v1", resource: "pods", kind: "Pod", namespaced: true },
];

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe("watching a cluster's objects (KUBETRAIL_WATCH_RESOURCES)", () => {
  it("starts a watch source per configured resource beside the Events one, each reporting at /api/sources; one the cluster does not serve backs off alone", async () => {
    const api = await startTestApiServer({ token: TEST_TOKEN, resources: SERVED });
    cleanups.push(() => api.close());
    // The rollout's first revision: a Deployment, a ReplicaSet, three Pods.
    const writes = cascadeWrites();
    for (const write of writes.slice(0, writes.findIndex((w) => w.groupResource === "deployments.apps" && w.subresource === "status") + 1)) {
      if (write.change === "ADDED") api.create(write.groupResource, write.body);
      else api.update(write.groupResource, write.body);
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kt-watches-"));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const logs: string[] = [];
    const config = loadConfig({
      KUBETRAIL_DATA_DIR: dir,
      KUBETRAIL_CLUSTERS: `prod=${writeKubeconfig(dir, api.url)}`,
      KUBETRAIL_WATCH_RESOURCES: "deployments.apps,replicasets.apps,pods,statefulsets.apps",
      KUBETRAIL_RETENTION: "off",
    });
    const context: AppContext = await createAppContext(config, { log: (line) => logs.push(line), prune: false });
    cleanups.push(() => context.close());

    const byName = (name: string) => context.sources.find((source) => source.name === name)!;
    await until(() => ["watch/prod/apps/deployments", "watch/prod/apps/replicasets", "watch/prod/pods"].every((name) => byName(name).stats.state === "watching"));
    await until(() => byName("watch/prod/apps/statefulsets").stats.failures > 0);
    expect(logs).toContain(`data source kubetrail/watch/prod/pods: watching /api/v1/pods of ${api.url} as cluster "prod"`);
    expect(logs).toContain(`data source kubetrail/watch/prod/apps/deployments: watching /apis/apps/v1/deployments of ${api.url} as cluster "prod"`);

    const status = (await (await handleSources(async () => context)).json()) as { sources: SourceStatus[] };
    const watching = (changes: number) => expect.objectContaining({ state: "watching", lastError: null, lists: 1, changes, failures: 0 });
    expect(status.sources).toEqual([
      { name: "events/prod", cluster: "prod", kind: "events", server: api.url, stats: expect.objectContaining({ failures: 0 }) },
      { name: "watch/prod/apps/deployments", cluster: "prod", kind: "watch", server: api.url, stats: watching(1) },
      { name: "watch/prod/apps/replicasets", cluster: "prod", kind: "watch", server: api.url, stats: watching(1) },
      { name: "watch/prod/pods", cluster: "prod", kind: "watch", server: api.url, stats: watching(3) },
      {
        name: "watch/prod/apps/statefulsets",
        cluster: "prod",
        kind: "watch",
        server: api.url,
        stats: expect.objectContaining({ state: "backing-off", lastError: { message: expect.stringMatching(/^LIST \/apis\/apps\/v1\/statefulsets: HTTP 404/), at: expect.any(String) } }),
      },
    ]);

    // A write while watched reaches its source.
    const nextWrite = writes.find((w, index) => index > 8 && w.groupResource === "pods" && w.change === "MODIFIED")!;
    api.update(nextWrite.groupResource, nextWrite.body);
    await until(() => byName("watch/prod/pods").stats.changes === 4);
  });

  it("starts no watch source with `none`: the Events source alone", async () => {
    const api = await startTestApiServer({ token: TEST_TOKEN, resources: SERVED });
    cleanups.push(() => api.close());
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kt-watches-"));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const config = loadConfig({ KUBETRAIL_DATA_DIR: dir, KUBETRAIL_CLUSTERS: `prod=${writeKubeconfig(dir, api.url)}`, KUBETRAIL_WATCH_RESOURCES: "none" });
    const context = await createAppContext(config, { log: () => {}, prune: false });
    cleanups.push(() => context.close());
    expect(context.sources.map((source) => source.name)).toEqual(["events/prod"]);
    await api.waitForWatches(1);
    expect(api.requests.every((request) => request.path === "/api/v1/events")).toBe(true);
  });
});
