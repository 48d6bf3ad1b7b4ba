import { getEventListeners } from "node:events";
import http from "node:http";
import net, { type AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { startTestApiServer, type TestApiServer } from "../testing/apiServer/server";
import { CORE_EVENTS } from "../testing/apiServer/resources";
import { forbidden } from "../testing/apiServer/status";
import { loopbackKubeConfig, TEST_TOKEN } from "../testing/apiServer/testClients";
import { newEvent, recordedEvents } from "../testing/apiServer/testEvents";
import { newReflectorStats, runReflector, type ObservedChange, type ReflectorOptions, type ReflectorStats } from "./reflector";

/**
 * The reflector against the project's protocol-faithful test API server (server/testing/
 * apiServer) on loopback, fed with the real Events of an OpenShift must-gather: lists in pages,
 * watches from the list's version, follows bookmarks, lists again after a 410, and hands every
 * change over at least once whatever fails in between. No waits on time: each test waits for
 * what the consumer receives.
 */

const NAMESPACE = "openshift-apiserver";
const nameOf = (change: ObservedChange) => (change.object.metadata as { name: string }).name;

interface Running {
  received: ObservedChange[];
  stats: ReflectorStats;
  logs: string[];
  /** Resolves once the consumer has received a change matching `predicate` (at any time). */
  seen(predicate: (change: ObservedChange) => boolean): Promise<void>;
  /** Resolves once `condition` holds after some consumer call or log line. */
  until(condition: () => boolean): Promise<void>;
  /** The reflector's shutdown signal. */
  signal: AbortSignal;
  /** Aborts it (what shutting down does), without waiting for the reflector to stop. */
  abort(): void;
  /** Settles once the reflector has stopped. */
  done: Promise<ReflectorStats>;
  stop(): Promise<ReflectorStats>;
}

let server: TestApiServer | null = null;
let running: Running | null = null;

afterEach(async () => {
  await running?.stop();
  running = null;
  await server?.close();
  server = null;
});

async function startServer(options: { historyLimit?: number } = {}): Promise<TestApiServer> {
  server = await startTestApiServer({ token: TEST_TOKEN, resources: [CORE_EVENTS], ...options });
  return server;
}

interface StartOptions extends Partial<ReflectorOptions> {
  token?: string;
  failWhen?: (changes: ObservedChange[]) => boolean;
  /** Runs inside the consumer before a batch counts as received (a slow database, a side effect). */
  whileTaking?: (changes: ObservedChange[]) => Promise<void> | void;
}

function start(api: TestApiServer, options: StartOptions = {}): Running {
  const controller = new AbortController();
  const received: ObservedChange[] = [];
  const logs: string[] = [];
  const waiters: Array<{ check: () => boolean; resolve: () => void }> = [];
  const wake = () => {
    for (const waiter of [...waiters]) {
      if (waiter.check()) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  };
  // The server's side (requests, bookmarks) changes without a call here: checked every few ms too.
  const poll = setInterval(wake, 5);
  const until = (check: () => boolean) =>
    check() ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ check, resolve }));
  const stats = newReflectorStats();
  const done = runReflector(
    {
      kubeConfig: loopbackKubeConfig(api.url, options.token ?? TEST_TOKEN),
      path: "/api/v1/events",
      signal: controller.signal,
      minBackoffMs: 5,
      maxBackoffMs: 20,
      batchDelayMs: 1,
      log: (line) => {
        logs.push(line);
        wake();
      },
      ...options,
      async consume(changes) {
        if (options.failWhen?.(changes)) {
          wake();
          throw new Error("the database is down");
        }
        await options.whileTaking?.(changes);
        received.push(...changes);
        wake();
      },
    },
    stats,
  );
  const result: Running = {
    received,
    stats,
    logs,
    seen: (predicate) => until(() => received.some(predicate)),
    until,
    signal: controller.signal,
    abort: () => controller.abort(),
    done,
    async stop() {
      clearInterval(poll);
      controller.abort();
      return done;
    },
  };
  running = result;
  return result;
}

describe("reflector", () => {
  it("lists every object page by page, then hands over what changes after, from the list's version", async () => {
    const api = await startServer();
    const events = api.load("events", recordedEvents(NAMESPACE));
    const reflector = start(api, { pageSize: 50 });
    await reflector.until(() => reflector.received.length >= events.length);
    expect(reflector.received.every((change) => change.type === "LISTED")).toBe(true);
    expect(new Set(reflector.received.map(nameOf)).size).toBe(events.length);
    const lists = api.requests.filter((r) => r.path === "/api/v1/events" && r.query.watch === undefined);
    expect(lists.map((r) => r.query.limit)).toEqual(Array(Math.ceil(events.length / 50)).fill("50"));

    await api.waitForWatches(1);
    const watch = api.requests.find((r) => r.query.watch !== undefined)!;
    // Nothing was written since the list: the server's newest version is the list's.
    expect(watch.query).toMatchObject({ resourceVersion: api.resourceVersion(), allowWatchBookmarks: "true" });

    api.create("events", newEvent(NAMESPACE, "later.1"));
    await reflector.seen((change) => nameOf(change) === "later.1");
    expect(reflector.received.at(-1)!.type).toBe("ADDED");
    expect(reflector.received).toHaveLength(events.length + 1);
    expect(reflector.stats).toMatchObject({ lists: 1, expired: 0, failures: 0 });
  });

  it("moves on to a bookmark's version, so the next watch starts there", async () => {
    const api = await startServer();
    api.load("events", recordedEvents(NAMESPACE).slice(0, 3));
    const reflector = start(api);
    await api.waitForWatches(1);
    // Writes to another resource move the server's version on without a change this watch sees;
    // here a write and a delete of one Event move it, and then a bookmark tells the newest.
    api.create("events", newEvent(NAMESPACE, "passing.1"));
    api.delete("events", { namespace: NAMESPACE, name: "passing.1" });
    await reflector.seen((change) => change.type === "DELETED");
    api.create("events", newEvent(NAMESPACE, "passing.2"));
    await reflector.seen((change) => nameOf(change) === "passing.2");
    const newest = api.resourceVersion();
    expect(api.bookmark()).toBe(1);
    await reflector.until(() => reflector.stats.bookmarks === 1 && reflector.stats.resourceVersion === newest);

    api.closeWatches();
    await reflector.until(() => api.requests.filter((r) => r.query.watch !== undefined).length === 2);
    expect(api.requests.filter((r) => r.query.watch !== undefined).at(-1)!.query.resourceVersion).toBe(newest);
    expect(reflector.stats.lists).toBe(1);
  });

  it("watches again from the last version taken when the connection drops, losing nothing and listing nothing", async () => {
    const api = await startServer();
    api.load("events", recordedEvents(NAMESPACE).slice(0, 5));
    const reflector = start(api);
    await api.waitForWatches(1);
    api.create("events", newEvent(NAMESPACE, "before-drop"));
    await reflector.seen((change) => nameOf(change) === "before-drop");
    api.closeWatches({ abruptly: true });
    api.create("events", newEvent(NAMESPACE, "while-away"));
    await reflector.seen((change) => nameOf(change) === "while-away");
    expect(reflector.stats.lists).toBe(1);
    expect(reflector.received.filter((change) => nameOf(change) === "before-drop")).toHaveLength(1);
  });

  it("lists again when the version it watches from has been compacted (410), and gets what changed meanwhile", async () => {
    const api = await startServer();
    api.load("events", recordedEvents(NAMESPACE).slice(0, 5));
    const reflector = start(api);
    await api.waitForWatches(1);
    // The watch ends; while Kubetrail is away the Events change and etcd compacts past its version.
    api.closeWatches({ abruptly: true });
    api.create("events", newEvent(NAMESPACE, "while-compacted"));
    api.compact();
    await reflector.seen((change) => nameOf(change) === "while-compacted");
    expect(reflector.stats.expired).toBe(1);
    expect(reflector.stats.lists).toBe(2);
    expect(reflector.logs.some((line) => line.includes("expired; listing again"))).toBe(true);
    // The relist brings every Event again: the consumer's receipts make that harmless.
    expect(reflector.received.filter((change) => change.type === "LISTED")).toHaveLength(11);
  });

  it("lists again, after backing off, when the server ends a watch with an error event other than 410, as client-go does", async () => {
    const api = await startServer();
    api.load("events", recordedEvents(NAMESPACE).slice(0, 5));
    const reflector = start(api);
    await api.waitForWatches(1);
    // The storage layer fails under the watch (a value it cannot decrypt): one ERROR event (500), then the end.
    expect(api.failWatches()).toBe(1);
    api.create("events", newEvent(NAMESPACE, "after-the-failure"));
    await reflector.seen((change) => nameOf(change) === "after-the-failure");
    expect(reflector.stats.lists).toBe(2);
    expect(reflector.stats.failures).toBe(1);
    expect(reflector.stats.lastError?.message).toContain("identity transformer tried to read encrypted data");
    expect(reflector.logs.some((line) => line.includes("identity transformer tried to read encrypted data") && line.includes("listing again"))).toBe(true);
    // The relist brought every Event as it is now, the new one with them.
    expect(reflector.received.filter((change) => change.type === "LISTED")).toHaveLength(11);
  });

  it("watches again from its version, listing nothing, when the server turns a watch away with 429 (Priority and Fairness)", async () => {
    const api = await startServer();
    api.load("events", recordedEvents(NAMESPACE).slice(0, 5));
    api.refuseWatches(2);
    const reflector = start(api);
    await api.waitForWatches(1);
    const watches = api.requests.filter((r) => r.query.watch !== undefined);
    expect(watches).toHaveLength(3);
    expect(new Set(watches.map((r) => r.query.resourceVersion)).size).toBe(1);
    expect(reflector.stats).toMatchObject({ lists: 1, failures: 2 });
    expect(reflector.logs[0]).toMatch(/HTTP 429: Too many requests, please try again later\.; trying again in/);
  });

  it("backs off longer after each watch the server refuses, though the list before it succeeds (RBAC granting list but not watch), as client-go does", async () => {
    const api = await startServer();
    api.load("events", recordedEvents(NAMESPACE).slice(0, 5));
    api.refuseWatches(5, forbidden("system:serviceaccount:kubetrail:kubetrail", "watch", CORE_EVENTS));
    const reflector = start(api);
    await api.waitForWatches(1);
    expect(reflector.stats).toMatchObject({ lists: 6, failures: 5 });
    // Each refusal lists again, and each list succeeds: were that taken for recovery, the
    // collection would be listed every minBackoffMs (1 s by default) for as long as the role
    // lacks watch. The back-off doubles up to maxBackoffMs (5 ms to 20 ms here) instead.
    const waits = reflector.logs.filter((line) => line.includes("cannot watch resource")).map((line) => /listing again in ([0-9.]+) s$/.exec(line)?.[1]);
    expect(waits).toEqual(["0.005", "0.01", "0.02", "0.02", "0.02"]);
  });

  it("hands a batch the consumer failed to take over again, after backing off", async () => {
    const api = await startServer();
    api.load("events", recordedEvents(NAMESPACE).slice(0, 2));
    let failures = 0;
    const reflector = start(api, {
      failWhen: (changes) => changes.some((change) => nameOf(change) === "unlucky") && failures++ < 2,
    });
    await api.waitForWatches(1);
    api.create("events", newEvent(NAMESPACE, "unlucky"));
    await reflector.seen((change) => nameOf(change) === "unlucky");
    expect(failures).toBe(3);
    expect(reflector.stats.failures).toBe(2);
    expect(reflector.logs.filter((line) => line.includes("the database is down"))).toHaveLength(2);
    // Taken once, when it finally succeeded; the list was not repeated.
    expect(reflector.received.filter((change) => nameOf(change) === "unlucky")).toHaveLength(1);
    expect(reflector.stats.lists).toBe(1);
  });

  it("keeps trying with back-off while the server refuses its credentials, saying why, and stops when aborted", async () => {
    const api = await startServer();
    const reflector = start(api, { token: "wrong-token" });
    await reflector.until(() => reflector.logs.length >= 3);
    expect(reflector.logs[0]).toMatch(/^\/api\/v1\/events: LIST \/api\/v1\/events: HTTP 401/);
    expect(reflector.received).toEqual([]);
    expect(reflector.stats).toMatchObject({ state: "backing-off", lastError: { message: expect.stringMatching(/^LIST \/api\/v1\/events: HTTP 401/) } });
    const stats = await reflector.stop();
    expect(stats.failures).toBeGreaterThanOrEqual(3);
    expect(stats.state).toBe("stopped");
    // Never got as far as a watch.
    expect(stats.watches).toBe(0);
  });

  it("watches again when the server ends a watch at its timeout", async () => {
    const api = await startServer();
    api.load("events", recordedEvents(NAMESPACE).slice(0, 2));
    const reflector = start(api, { watchTimeoutSeconds: 1 });
    await reflector.until(() => api.requests.filter((r) => r.query.watch !== undefined).length >= 2);
    const watches = api.requests.filter((r) => r.query.watch !== undefined);
    expect(watches[0]!.query.timeoutSeconds).toBe("1");
    expect(watches[1]!.query.resourceVersion).toBe(watches[0]!.query.resourceVersion);
    expect(reflector.stats).toMatchObject({ lists: 1, failures: 0 });
  });

  it("stops only once the batch the consumer is taking is taken, so that nothing writes after shutdown", async () => {
    const api = await startServer();
    api.load("events", recordedEvents(NAMESPACE).slice(0, 2));
    const order: string[] = [];
    let taking!: () => void;
    const takingStarted = new Promise<void>((resolve) => (taking = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const reflector = start(api, {
      async whileTaking(changes) {
        if (!changes.some((change) => nameOf(change) === "slow-to-store")) return;
        taking();
        await released;
        order.push("taken");
      },
    });
    await api.waitForWatches(1);
    api.create("events", newEvent(NAMESPACE, "slow-to-store"));
    await takingStarted;
    reflector.abort();
    const stopped = reflector.done.then(() => order.push("stopped"));
    // Time for a reflector that does not wait to stop; the consumer is still inside its transaction.
    await new Promise((resolve) => setTimeout(resolve, 100));
    release();
    await stopped;
    expect(order).toEqual(["taken", "stopped"]);
  });

  it("watches nothing when shut down while the list's last page is taken", async () => {
    const api = await startServer();
    api.load("events", recordedEvents(NAMESPACE).slice(0, 3));
    let stopNow!: () => void;
    let completions = 0;
    const reflector = start(api, {
      whileTaking: (changes) => {
        if (changes.some((change) => change.type === "LISTED")) stopNow();
      },
      // Nor does it tell the consumer the list is complete: that would be a write begun after shutdown.
      listComplete: async () => void completions++,
    });
    stopNow = () => reflector.abort();
    // A watch opened after the shutdown would stay open until the server's timeout (5 minutes).
    const first = await Promise.race([reflector.done.then(() => "stopped"), api.waitForWatches(1).then(() => "watching")]);
    expect(first).toBe("stopped");
    expect(api.requests.filter((r) => r.query.watch !== undefined)).toEqual([]);
    expect(completions).toBe(0);
  });

  it("leaves no listener on the shutdown signal behind when its credentials cannot be had for a watch", async () => {
    const api = await startServer();
    api.load("events", recordedEvents(NAMESPACE).slice(0, 3));
    // The list gets credentials; every watch after it finds the kubeconfig's exec plugin failing.
    const kubeConfig = loopbackKubeConfig(api.url, TEST_TOKEN);
    const apply = kubeConfig.applyToHTTPSOptions.bind(kubeConfig);
    let calls = 0;
    kubeConfig.applyToHTTPSOptions = async (opts) => {
      if (calls++ > 0) throw new Error("exec plugin: the credential helper exited with status 1");
      return apply(opts);
    };
    const reflector = start(api, { kubeConfig });
    await reflector.until(() => reflector.stats.failures >= 12);
    expect(reflector.logs.at(-1)).toContain("the credential helper exited with status 1");
    // At most the back-off's own, while it waits.
    expect(getEventListeners(reflector.signal, "abort").length).toBeLessThanOrEqual(1);
  });

  it("gets the whole list when its continue token expires on every try, the consumer being slower than compaction", async () => {
    const api = await startServer();
    const events = api.load("events", recordedEvents(NAMESPACE).slice(0, 5));
    const lists = () => api.requests.filter((r) => r.path === "/api/v1/events" && r.query.watch === undefined);
    let meanwhile = 0;
    const reflector = start(api, {
      pageSize: 2,
      // Storing a first page takes longer than etcd keeps the list's snapshot (compaction every 5
      // minutes), and the cluster's Events change meanwhile.
      whileTaking: (changes) => {
        const last = lists().at(-1)!;
        if (changes[0]!.type !== "LISTED" || last.query.limit === undefined || last.query.continue !== undefined) return;
        api.create("events", newEvent(NAMESPACE, `meanwhile.${++meanwhile}`));
        api.compact();
      },
    });
    await reflector.until(() => api.openWatches() > 0 || reflector.stats.lists >= 10);
    expect(reflector.stats.lists).toBeLessThan(10);
    expect(api.openWatches()).toBe(1);
    const names = [...events.map((event) => (event.metadata as { name: string }).name), ...Array.from({ length: meanwhile }, (_, i) => `meanwhile.${i + 1}`)];
    expect(new Set(reflector.received.map(nameOf))).toEqual(new Set(names));
    // The second list asked for no pages: nothing in it could expire.
    expect(lists().at(-1)!.query).toEqual({});
    expect(reflector.logs.some((line) => line.includes("continue token expired"))).toBe(true);
  });

  it("lists again when the server has not reached the version it watches from (etcd restored from a backup)", async () => {
    const api = await startServer();
    api.load("events", recordedEvents(NAMESPACE).slice(0, 5));
    const kubeConfig = loopbackKubeConfig(api.url, TEST_TOKEN);
    const reflector = start(api, { kubeConfig });
    await api.waitForWatches(1);
    const watchedFrom = Number(reflector.stats.resourceVersion);

    // The cluster comes back from an older backup, at the same address: fewer writes, a smaller resourceVersion.
    const restored = await startTestApiServer({ token: TEST_TOKEN, resources: [CORE_EVENTS] });
    try {
      const kept = restored.load("events", recordedEvents(NAMESPACE).slice(0, 2));
      expect(Number(restored.resourceVersion())).toBeLessThan(watchedFrom);
      const { clusters, users, contexts, currentContext } = loopbackKubeConfig(restored.url, TEST_TOKEN);
      kubeConfig.loadFromOptions({ clusters, users, contexts, currentContext });
      api.closeWatches();
      await reflector.until(() => restored.openWatches() > 0 || reflector.stats.failures >= 5);
      // kube-apiserver answers such a watch with an ERROR event: 504, cause ResourceVersionTooLarge.
      expect(reflector.stats.failures).toBe(0);
      const watches = restored.requests.filter((r) => r.query.watch !== undefined);
      expect(watches.map((r) => r.query.resourceVersion)).toEqual([String(watchedFrom), restored.resourceVersion()]);
      expect(reflector.received.slice(-kept.length).map((change) => [change.type, nameOf(change)])).toEqual(kept.map((event) => ["LISTED", (event.metadata as { name: string }).name]));
      restored.create("events", newEvent(NAMESPACE, "after-restore"));
      await reflector.seen((change) => nameOf(change) === "after-restore");
      expect(reflector.logs.some((line) => line.includes("not reached"))).toBe(true);
      expect(reflector.stats).toMatchObject({ ahead: 1, lists: 2 });
    } finally {
      await reflector.stop();
      await restored.close();
    }
  });

  it("gives up on a watch event larger than it accepts, saying so, instead of holding it all in memory", async () => {
    // Not kube-apiserver (which streams one object per line, an object at most ~1.5 MiB in etcd):
    // a wrong address, a proxy, a broken server streaming what has no end of line.
    const watchBody = Buffer.alloc(3 * 1024 * 1024, "x");
    const endless = http.createServer((request, response) => {
      const url = new URL(request.url ?? "/", "http://apiserver");
      response.writeHead(200, { "Content-Type": "application/json" });
      if (url.searchParams.get("watch") === null) response.end(JSON.stringify({ kind: "EventList", apiVersion: "v1", metadata: { resourceVersion: "5" }, items: [] }));
      else response.end(watchBody);
    });
    await new Promise<void>((resolve) => endless.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(endless.address() as AddressInfo).port}`;
      const api = await startServer();
      const reflector = start(api, { kubeConfig: loopbackKubeConfig(url, TEST_TOKEN), maxWatchEventBytes: 1024 * 1024 });
      await reflector.until(() => reflector.stats.failures >= 1);
      expect(reflector.logs[0]).toContain("a watch event larger than 1048576 bytes");
      await reflector.stop();
    } finally {
      endless.closeAllConnections();
      await new Promise((resolve) => endless.close(resolve));
    }
  });

  it("reads a watch event that arrives in pieces, up to the largest it accepts", async () => {
    const event = recordedEvents(NAMESPACE)[0]!;
    const line = `${JSON.stringify({ type: "ADDED", object: { ...event, apiVersion: "v1", kind: "Event" } })}\n`;
    const pieces = http.createServer(async (request, response) => {
      const url = new URL(request.url ?? "/", "http://apiserver");
      response.writeHead(200, { "Content-Type": "application/json" });
      if (url.searchParams.get("watch") === null) return response.end(JSON.stringify({ kind: "EventList", apiVersion: "v1", metadata: { resourceVersion: "5" }, items: [] }));
      // Twice, each line in 64-byte writes, each sent on its own.
      for (const text of [line, line]) {
        for (let start = 0; start < text.length; start += 64) {
          response.write(text.slice(start, start + 64));
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
    });
    await new Promise<void>((resolve) => pieces.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(pieces.address() as AddressInfo).port}`;
      const api = await startServer();
      const reflector = start(api, { kubeConfig: loopbackKubeConfig(url, TEST_TOKEN), maxWatchEventBytes: Buffer.byteLength(line) });
      await reflector.until(() => reflector.received.length >= 2 || reflector.stats.failures > 0);
      expect(reflector.stats.failures).toBe(0);
      expect(reflector.received.map(nameOf)).toEqual([(event.metadata as { name: string }).name, (event.metadata as { name: string }).name]);
      await reflector.stop();
    } finally {
      pieces.closeAllConnections();
      await new Promise((resolve) => pieces.close(resolve));
    }
  });

  it("tells the consumer when a list starts and once all of it is taken, before it watches, on every relist", async () => {
    const api = await startServer();
    const events = api.load("events", recordedEvents(NAMESPACE).slice(0, 5));
    // What the consumer has when each hook runs: a relist's view of the collection is complete at listComplete.
    const calls: string[] = [];
    const reflector = start(api, {
      pageSize: 2,
      listStarting: () => void calls.push(`starting after ${reflector.received.length}`),
      listComplete: async (resourceVersion) => void calls.push(`complete at ${resourceVersion} after ${reflector.received.length}, ${api.openWatches()} watching`),
    });
    await api.waitForWatches(1);
    const firstListVersion = api.requests.find((r) => r.query.watch !== undefined)!.query.resourceVersion;
    expect(calls).toEqual(["starting after 0", `complete at ${firstListVersion} after ${events.length}, 0 watching`]);

    api.closeWatches({ abruptly: true });
    api.delete("events", { namespace: NAMESPACE, name: (events[0]!.metadata as { name: string }).name });
    api.compact();
    await reflector.until(() => calls.length === 4);
    expect(calls.slice(2)).toEqual([`starting after ${events.length}`, `complete at ${api.resourceVersion()} after ${2 * events.length - 1}, 0 watching`]);
    // A watch that ends and goes on from its version is no list: no call.
    await api.waitForWatches(1);
    api.closeWatches();
    await reflector.until(() => api.requests.filter((r) => r.query.watch !== undefined).length === 3);
    expect(calls).toHaveLength(4);
  });

  it("starts a list over, saying so, when it falls back to the whole list after its continue token expired", async () => {
    const api = await startServer();
    api.load("events", recordedEvents(NAMESPACE).slice(0, 5));
    let starts = 0;
    let compacted = false;
    const reflector = start(api, {
      pageSize: 2,
      listStarting: () => void starts++,
      whileTaking: (changes) => {
        if (compacted || changes[0]!.type !== "LISTED") return;
        compacted = true;
        api.create("events", newEvent(NAMESPACE, "meanwhile"));
        api.compact();
      },
    });
    await api.waitForWatches(1);
    expect(reflector.logs.some((line) => line.includes("continue token expired"))).toBe(true);
    // The pages taken before the fallback are not the list the fallback completes.
    expect(starts).toBe(2);
  });

  it("lists again, with back-off, when the consumer fails to take a list's completion, and watches only once it has", async () => {
    const api = await startServer();
    api.load("events", recordedEvents(NAMESPACE).slice(0, 3));
    let failures = 0;
    const reflector = start(api, {
      listComplete: async () => {
        if (failures++ < 2) throw new Error("the database is down");
      },
    });
    await api.waitForWatches(1);
    expect(failures).toBe(3);
    expect(reflector.stats).toMatchObject({ lists: 3, failures: 2 });
    expect(api.requests.filter((r) => r.query.watch !== undefined)).toHaveLength(1);
    expect(reflector.logs.filter((line) => line.includes("the database is down"))).toHaveLength(2);
  });

  it("gives up on a server that takes the connection and never answers, and tries again", async () => {
    // A black-holed address behind a load balancer, an apiserver hung at start: the connection is
    // taken, nothing comes back.
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
      const api = await startServer();
      const reflector = start(api, { kubeConfig: loopbackKubeConfig(url, TEST_TOKEN), requestTimeoutMs: 100 });
      await reflector.until(() => reflector.stats.failures >= 2);
      expect(reflector.logs[0]).toContain("LIST /api/v1/events: no answer for 0.1 s");
      await reflector.stop();
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
