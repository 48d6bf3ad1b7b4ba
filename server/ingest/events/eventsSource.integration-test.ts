import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../config/config";
import { createAppContext, type AppContext } from "../../app/context";
import { createPostgresDatabase, STORE_KINDS, type StoreKind } from "../../testing/databases";
import { startTestApiServer, type TestApiServer } from "../../testing/apiServer/server";
import { CORE_EVENTS } from "../../testing/apiServer/resources";
import { TEST_TOKEN } from "../../testing/apiServer/testClients";
import { writeKubeconfig } from "../../testing/apiServer/kubeconfigFile";
import { newEvent, recordedEvents } from "../../testing/apiServer/testEvents";
import { handleSources } from "../../app/sources";
import type { SourceStatus } from "../sources/sourceStatus";

/**
 * The app watching a cluster's Events, as `npm start` runs it: KUBETRAIL_CLUSTERS names a
 * kubeconfig file for the project's test API server (server/testing/apiServer) on loopback,
 * loaded with the must-gather's real Events; the app's own context starts the source.
 */

const NAMESPACE = "openshift-apiserver";
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kt-events-"));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function storeEnv(kind: StoreKind, dir: string): Promise<Record<string, string>> {
  if (kind === "pglite") return { KUBETRAIL_DATA_DIR: dir };
  const created = await createPostgresDatabase();
  cleanups.push(() => created.drop());
  return { DATABASE_URL: created.url, KUBETRAIL_DATA_DIR: dir, KUBETRAIL_INGEST_WORKERS: "0" };
}

async function eventCount(context: AppContext): Promise<number> {
  const result = await context.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM history_entries WHERE source = 'event'`);
  return Number(result.rows[0]!.n);
}

/** Waits for the store to hold `count` Event entries: the source works in the background. */
async function eventsStored(context: AppContext, count: number): Promise<void> {
  for (;;) {
    if ((await eventCount(context)) >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.each(STORE_KINDS)("watching a cluster's Kubernetes Events (%s)", (kind) => {
  let api: TestApiServer;

  async function startApp(dir: string, file: string, logs: string[] = []): Promise<AppContext> {
    const config = loadConfig({ ...(await storeEnv(kind, dir)), KUBETRAIL_CLUSTERS: `prod=${file}`, KUBETRAIL_WATCH_RESOURCES: "none", KUBETRAIL_RETENTION: "off" });
    const context = await createAppContext(config, { log: (line) => logs.push(line), prune: false });
    cleanups.push(() => context.close());
    return context;
  }

  it("stores every Event the cluster keeps, then each new one, on the objects they are about", async () => {
    api = await startTestApiServer({ token: TEST_TOKEN, resources: [CORE_EVENTS] });
    cleanups.push(() => api.close());
    const recorded = api.load("events", recordedEvents(NAMESPACE));
    const dir = tempDir();
    const logs: string[] = [];
    const context = await startApp(dir, writeKubeconfig(dir, api.url), logs);
    expect(logs.join("\n")).toContain(`data source kubetrail/events/prod: watching Kubernetes Events of ${api.url} as cluster "prod"`);

    await eventsStored(context, recorded.length);
    const later = newEvent(NAMESPACE, "apiserver-5d887d5fcd-mrn5h.later");
    api.create("events", { ...later, reason: "BackOff", message: "Back-off restarting failed container", lastTimestamp: "2021-09-13T15:30:00Z", count: 1 });
    await eventsStored(context, recorded.length + 1);
    const newest = await context.db.query<{ name: string; reason: string; cluster: string }>(
      `SELECT o.name, h.details->>'reason' AS reason, c.name AS cluster FROM history_entries h
         JOIN objects o ON o.id = h.object_id JOIN clusters c ON c.id = h.cluster_id
        ORDER BY h.start_time DESC LIMIT 1`,
    );
    expect(newest.rows[0]).toEqual({ name: (recorded[0]!.involvedObject as { name: string }).name, reason: "BackOff", cluster: "prod" });
    expect(await eventCount(context)).toBe(recorded.length + 1);

    // GET /api/sources says it is watching, what it has taken, and no failure.
    const status = (await (await handleSources(async () => context)).json()) as { sources: SourceStatus[] };
    expect(status.sources).toEqual([
      { name: "events/prod", cluster: "prod", kind: "events", server: api.url, stats: expect.objectContaining({ state: "watching", lastError: null, lists: 1, changes: recorded.length + 1, failures: 0 }) },
    ]);
  });

  it("says, in the log and at /api/sources, that the cluster refuses its credentials, and keeps trying", async () => {
    api = await startTestApiServer({ token: "another-token", resources: [CORE_EVENTS] });
    cleanups.push(() => api.close());
    const dir = tempDir();
    const logs: string[] = [];
    const context = await startApp(dir, writeKubeconfig(dir, api.url), logs);
    while (context.sources[0]!.stats.failures === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    const status = (await (await handleSources(async () => context)).json()) as { sources: SourceStatus[] };
    expect(status.sources[0]!.stats).toMatchObject({ state: "backing-off", lastError: { message: expect.stringMatching(/^LIST \/api\/v1\/events: HTTP 401/) } });
    expect(logs.some((line) => line.startsWith("data source kubetrail/events/prod: /api/v1/events: LIST /api/v1/events: HTTP 401"))).toBe(true);
    expect(await eventCount(context)).toBe(0);
  });

  it("stores nothing twice across a restart: the Events listed again are known", async () => {
    api = await startTestApiServer({ token: TEST_TOKEN, resources: [CORE_EVENTS] });
    cleanups.push(() => api.close());
    const recorded = api.load("events", recordedEvents(NAMESPACE).slice(0, 20));
    const dir = tempDir();
    const file = writeKubeconfig(dir, api.url);
    const config = loadConfig({ ...(await storeEnv(kind, dir)), KUBETRAIL_CLUSTERS: `prod=${file}`, KUBETRAIL_WATCH_RESOURCES: "none", KUBETRAIL_RETENTION: "off" });
    const first = await createAppContext(config, { log: () => {}, prune: false });
    await eventsStored(first, recorded.length);
    await first.close();
    // While it was down, one more Event.
    api.create("events", newEvent(NAMESPACE, "while-down"));
    const watchRequests = () => api.requests.filter((request) => request.query.watch !== undefined).length;
    const watchesBefore = watchRequests();
    const second = await createAppContext(config, { log: () => {}, prune: false });
    cleanups.push(() => second.close());
    await eventsStored(second, recorded.length + 1);
    // The relist at start brought all 21 again; the count stays. The second start's watch
    // begins only once its list is stored.
    while (watchRequests() === watchesBefore) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await eventCount(second)).toBe(recorded.length + 1);
  });
});

describe("KUBETRAIL_CLUSTERS at start-up", () => {
  const start = (value: string, dir: string) => createAppContext(loadConfig({ KUBETRAIL_DATA_DIR: dir, KUBETRAIL_CLUSTERS: value, KUBETRAIL_WATCH_RESOURCES: "none" }), { log: () => {}, prune: false });

  it("stops start-up naming the cluster and the problem, and leaves the embedded database free", async () => {
    const dir = tempDir();
    await expect(start(`prod=${path.join(dir, "missing.yaml")}`, dir)).rejects.toThrow(`KUBETRAIL_CLUSTERS (cluster "prod"): no kubeconfig file at ${path.join(dir, "missing.yaml")}`);
    const file = writeKubeconfig(dir, "http://127.0.0.1:1");
    await expect(start(`prod=${file}#elsewhere`, dir)).rejects.toThrow(`KUBETRAIL_CLUSTERS (cluster "prod"): the kubeconfig ${file} has no context "elsewhere"`);
    const ftp = path.join(dir, "ftp.yaml");
    fs.writeFileSync(ftp, fs.readFileSync(file, "utf8").replace("http://127.0.0.1:1", "ftp://127.0.0.1"));
    await expect(start(`prod=${ftp}`, dir)).rejects.toThrow(/is not an http\(s\) URL/);
    const plain = writeKubeconfig(fs.mkdtempSync(path.join(dir, "plain-")), "http://127.0.0.1:1", "loopback", false);
    await expect(start(`prod=${plain}`, dir)).rejects.toThrow(/is plain HTTP \(e\.g\. `kubectl proxy`\): set `insecure-skip-tls-verify: true` on its cluster/);
    const garbage = path.join(dir, "garbage.yaml");
    fs.writeFileSync(garbage, "{ not: [yaml");
    await expect(start(`prod=${garbage}`, dir)).rejects.toBeInstanceOf(ConfigError);
    await expect(start("prod=in-cluster", dir)).rejects.toThrow(/"in-cluster" needs to run in a Pod/);
    // Each failure gave the database back: this start works.
    const context = await start(`prod=${file}#loopback`, dir);
    await context.close();
  });

  it("refuses a malformed list, naming the item", () => {
    expect(() => loadConfig({ KUBETRAIL_CLUSTERS: "prod" })).toThrow(/KUBETRAIL_CLUSTERS item 1: expected cluster=kubeconfig-file\[#context\] or cluster=in-cluster/);
    expect(() => loadConfig({ KUBETRAIL_CLUSTERS: "Prod=/k.yaml" })).toThrow(/KUBETRAIL_CLUSTERS item 1: "Prod" is not a valid cluster name/);
    expect(() => loadConfig({ KUBETRAIL_CLUSTERS: "a=/k.yaml,a=/j.yaml" })).toThrow(/KUBETRAIL_CLUSTERS item 2: cluster "a" is given twice/);
    expect(() => loadConfig({ KUBETRAIL_CLUSTERS: "a=/k.yaml#" })).toThrow(/KUBETRAIL_CLUSTERS item 1: "\/k.yaml#" names no file or no context/);
    expect(loadConfig({ KUBETRAIL_CLUSTERS: " prod=/etc/k.yaml#admin , local=in-cluster " }).clusterConnections).toEqual([
      { cluster: "prod", kind: "kubeconfig", file: "/etc/k.yaml", context: "admin" },
      { cluster: "local", kind: "in-cluster" },
    ]);
  });

  it("reads a kubeconfig path that holds a # as the file it names, when that file exists", () => {
    const dir = tempDir();
    const file = path.join(dir, "team#a.yaml");
    fs.writeFileSync(file, "apiVersion: v1\nkind: Config\n");
    expect(loadConfig({ KUBETRAIL_CLUSTERS: `prod=${file}` }).clusterConnections).toEqual([{ cluster: "prod", kind: "kubeconfig", file, context: null }]);
    // Else what follows the last # is the context, as before.
    expect(loadConfig({ KUBETRAIL_CLUSTERS: `prod=${file}#admin` }).clusterConnections).toEqual([{ cluster: "prod", kind: "kubeconfig", file, context: "admin" }]);
  });
});
