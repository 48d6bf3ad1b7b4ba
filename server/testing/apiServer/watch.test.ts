import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CoreV1Api, makeInformer, type CoreV1Event } from "@kubernetes/client-node";
import type { JsonObject } from "../../ingest/audit/types";
import { CORE_EVENTS } from "./resources";
import { startTestApiServer, type TestApiServer } from "./server";
import { loopbackKubeConfig, TEST_TOKEN, watchToEnd, watchWithClientNode, type ReceivedEvent, type WatchSession } from "./testClients";
import { newEvent, recordedEvents } from "./testEvents";

// Real Events recorded by an OpenShift 4.8 must-gather (PROVENANCE.md in that folder).
const CONSOLE = "openshift-console";
const APISERVER = "openshift-apiserver";
const CONSOLE_EVENTS = `/api/v1/namespaces/${CONSOLE}/events`;

type Meta = { name: string; namespace: string; resourceVersion: string };
const meta = (object: JsonObject | { metadata?: unknown }) => object.metadata as Meta;
const summary = (events: ReceivedEvent[]) => events.map(({ type, object }) => `${type} ${meta(object).name ?? ""}@${meta(object).resourceVersion}`);
const summaryOf = (type: string, objects: JsonObject[]) => objects.map((object) => `${type} ${meta(object).name}@${meta(object).resourceVersion}`);

let server: TestApiServer;
const sessions: WatchSession[] = [];

beforeEach(async () => {
  server = await startTestApiServer({ token: TEST_TOKEN, resources: [CORE_EVENTS] });
});

afterEach(async () => {
  for (const session of sessions.splice(0)) session.stop();
  await server.close();
});

async function watch(path: string, query: Record<string, string | number | boolean | undefined>): Promise<WatchSession> {
  const session = await watchWithClientNode(loopbackKubeConfig(server.url, TEST_TOKEN), path, query);
  sessions.push(session);
  return session;
}

describe("watch", () => {
  it("streams newline-delimited JSON events over a chunked 200 with Content-Type application/json", async () => {
    server.load("events", recordedEvents(CONSOLE));

    const watched = await watchToEnd(server, CONSOLE_EVENTS, { timeoutSeconds: "1" });

    expect(watched.status).toBe(200);
    expect(watched.headers.get("content-type")).toBe("application/json");
    expect(watched.headers.get("transfer-encoding")).toBe("chunked");
    expect(watched.lines).toHaveLength(64);
    // Unlike list items, watched objects carry their kind and apiVersion.
    expect(watched.lines[0]).toMatchObject({ type: "ADDED", object: { kind: "Event", apiVersion: "v1" } });
  });

  it("from a list's resourceVersion, delivers exactly the later changes, in order, then live ones", async () => {
    server.load("events", recordedEvents(CONSOLE));
    const list = await loopbackKubeConfig(server.url, TEST_TOKEN).makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: CONSOLE });
    // The stored objects, not client-node's typed ones (which hold Dates where the API has strings).
    const [changed, deleted] = list.items.slice(0, 2).map((event) => server.get("events", { namespace: CONSOLE, name: event.metadata!.name! })!);
    const before = [
      server.create("events", newEvent(CONSOLE, "created-after-the-list")),
      server.update("events", { ...changed!, count: 99 }),
      server.delete("events", meta(deleted!)),
    ];

    const session = await watch(CONSOLE_EVENTS, { resourceVersion: list.metadata!.resourceVersion });
    await session.eventCount(3);
    const live = server.update("events", { ...before[0]!, message: "changed while watched" });
    const events = await session.eventCount(4);

    expect(summary(events)).toEqual([...summaryOf("ADDED", [before[0]!]), ...summaryOf("MODIFIED", [before[1]!]), ...summaryOf("DELETED", [before[2]!]), ...summaryOf("MODIFIED", [live])]);
    expect(events.map(({ object }) => Number(meta(object).resourceVersion))).toEqual(
      [1, 2, 3, 4].map((step) => Number(list.metadata!.resourceVersion) + step),
    );
    // The DELETED event carries the object's last state, at the deletion's resourceVersion.
    expect(events[2]!.object).toMatchObject({ ...deleted, kind: "Event", apiVersion: "v1", metadata: { ...meta(deleted!), resourceVersion: meta(before[2]!).resourceVersion } });
  });

  it("without a resourceVersion, or with 0, sends a synthetic ADDED for every current object, then live changes", async () => {
    const loaded = server.load("events", recordedEvents(CONSOLE));
    server.load("events", recordedEvents(APISERVER));
    const inKeyOrder = [...loaded].sort((a, b) => (meta(a).name < meta(b).name ? -1 : 1));

    for (const resourceVersion of [undefined, "0"]) {
      const session = await watch(CONSOLE_EVENTS, { resourceVersion });
      await session.eventCount(64);
      const live = server.create("events", newEvent(CONSOLE, `created-while-watched-${resourceVersion ?? "unset"}`));
      const events = await session.eventCount(65);

      expect(summary(events)).toEqual([...summaryOf("ADDED", inKeyOrder), ...summaryOf("ADDED", [live])]);
      server.delete("events", meta(live));
      session.stop();
    }
  });

  it("sends bookmarks only to watches that asked for them, at the newest resourceVersion", async () => {
    server.load("events", recordedEvents(CONSOLE));
    const from = server.resourceVersion();
    const asked = await watch(CONSOLE_EVENTS, { resourceVersion: from, allowWatchBookmarks: true });
    const didNotAsk = await watch(CONSOLE_EVENTS, { resourceVersion: from });
    await server.waitForWatches(2);

    expect(server.bookmark()).toBe(1);
    // A change after the bookmark: each stream is in order, so once it arrives any bookmark has too.
    const created = server.create("events", newEvent(CONSOLE, "created-after-the-bookmark"));

    expect(await asked.eventCount(2)).toEqual([
      { type: "BOOKMARK", object: { kind: "Event", apiVersion: "v1", metadata: { resourceVersion: from } } },
      { type: "ADDED", object: created },
    ]);
    expect(await didNotAsk.eventCount(1)).toEqual([{ type: "ADDED", object: created }]);
  });

  it("sends bookmarks on an interval when told to", async () => {
    await server.close();
    server = await startTestApiServer({ token: TEST_TOKEN, resources: [CORE_EVENTS], bookmarkIntervalMs: 10 });

    const session = await watch(CONSOLE_EVENTS, { resourceVersion: server.resourceVersion(), allowWatchBookmarks: true });

    expect((await session.eventCount(2)).map(({ type }) => type)).toEqual(["BOOKMARK", "BOOKMARK"]);
  });

  it("answers a watch from a compacted resourceVersion with HTTP 200, one 410 Expired ERROR event, and the end of the stream", async () => {
    server.load("events", recordedEvents(CONSOLE));
    const listed = server.resourceVersion();
    server.create("events", newEvent(CONSOLE, "created-before-the-compaction"));
    server.compact();
    const compactedTo = server.resourceVersion();

    // watch=1 asks for a watch as watch=true does.
    const watched = await watchToEnd(server, CONSOLE_EVENTS, { watch: "1", resourceVersion: listed });
    expect(server.requests.at(-1)?.query).toEqual({ watch: "1", resourceVersion: listed });
    expect(watched.status).toBe(200);
    expect(watched.lines).toEqual([
      {
        type: "ERROR",
        object: { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: `too old resource version: ${listed} (${compactedTo})`, reason: "Expired", code: 410 },
      },
    ]);

    const session = await watch(CONSOLE_EVENTS, { resourceVersion: listed });
    expect(await session.ended).toBeNull();
    expect(session.events).toEqual([{ type: "ERROR", object: watched.lines[0]!.object }]);
    // From the compaction point itself nothing is missing: that watch starts.
    const fromCompaction = await watch(CONSOLE_EVENTS, { resourceVersion: compactedTo });
    await server.waitForWatches(1);
    expect(fromCompaction.events).toEqual([]);
  });

  it("answers a watch from a resourceVersion the server has not reached with one 504 ERROR event", async () => {
    const ahead = String(Number(server.resourceVersion()) + 10);

    const watched = await watchToEnd(server, CONSOLE_EVENTS, { resourceVersion: ahead });

    expect(watched.status).toBe(200);
    expect(watched.lines).toMatchObject([{ type: "ERROR", object: { code: 504, reason: "Timeout", message: `Too large resource version: ${ahead}, current: ${server.resourceVersion()}` } }]);
  });

  it("fails every open watch with one ERROR event carrying the storage layer's 500, then ends it", async () => {
    const session = await watch(CONSOLE_EVENTS, { resourceVersion: server.resourceVersion() });
    await server.waitForWatches(1);

    expect(server.failWatches()).toBe(1);

    expect(await session.ended).toBeNull();
    expect(session.events).toEqual([
      {
        type: "ERROR",
        object: { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: "Internal error occurred: identity transformer tried to read encrypted data", reason: "InternalError", code: 500 },
      },
    ]);
    expect(server.openWatches()).toBe(0);
  });

  it("turns the next n watch requests away with 429 and Retry-After, and serves the one after", async () => {
    server.refuseWatches(1);

    const refused = await watchToEnd(server, CONSOLE_EVENTS, { resourceVersion: server.resourceVersion(), timeoutSeconds: "1" });
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("1");
    expect(refused.lines).toMatchObject([{ kind: "Status", reason: "TooManyRequests", code: 429, details: { retryAfterSeconds: 1 } }]);
    // Only the next one: the watch after it streams.
    const next = await watchToEnd(server, CONSOLE_EVENTS, { resourceVersion: server.resourceVersion(), timeoutSeconds: "1" });
    expect(next.status).toBe(200);
  });

  it("ends the stream cleanly after timeoutSeconds", async () => {
    const session = await watch(CONSOLE_EVENTS, { resourceVersion: server.resourceVersion(), timeoutSeconds: 1 });
    await server.waitForWatches(1);

    expect(await session.ended).toBeNull();
    expect(server.openWatches()).toBe(0);
  });

  it("closeWatches ends every open stream: cleanly, or by dropping the connection when abruptly", async () => {
    const from = server.resourceVersion();
    const first = await watch(CONSOLE_EVENTS, { resourceVersion: from });
    const second = await watch("/api/v1/events", { resourceVersion: from });
    await server.waitForWatches(2);

    expect(server.closeWatches()).toBe(2);
    expect(await first.ended).toBeNull();
    expect(await second.ended).toBeNull();

    const dropped = await watch(CONSOLE_EVENTS, { resourceVersion: from });
    await server.waitForWatches(1);
    expect(server.closeWatches({ abruptly: true })).toBe(1);
    expect(await dropped.ended).toBeInstanceOf(Error);
    expect(server.openWatches()).toBe(0);
  });

  it("shows a namespaced watch only its namespace's changes; a watch of all namespaces sees every change", async () => {
    server.load("events", recordedEvents(CONSOLE));
    server.load("events", recordedEvents(APISERVER));
    const from = server.resourceVersion();
    const console = await watch(CONSOLE_EVENTS, { resourceVersion: from });
    const everywhere = await watch("/api/v1/events", { resourceVersion: from });
    await server.waitForWatches(2);

    const elsewhere = server.update("events", { ...recordedEvents(APISERVER)[0]!, count: 42 });
    const here = server.update("events", { ...recordedEvents(CONSOLE)[0]!, count: 42 });

    // The change elsewhere came first: had it reached the namespaced watch, it would be its first event.
    expect(summary(await console.eventCount(1))).toEqual(summaryOf("MODIFIED", [here]));
    expect(summary(await everywhere.eventCount(2))).toEqual(summaryOf("MODIFIED", [elsewhere, here]));
  });
});

describe("client-node's informer against the test API server", () => {
  it("lists, follows changes, and after a watch from a compacted resourceVersion gets 410, lists again", async () => {
    server.load("events", recordedEvents(CONSOLE));
    const config = loopbackKubeConfig(server.url, TEST_TOKEN);
    const core = config.makeApiClient(CoreV1Api);
    const informer = makeInformer<CoreV1Event>(config, CONSOLE_EVENTS, () => core.listNamespacedEvent({ namespace: CONSOLE }));
    const seen: string[] = [];
    const waiters: Array<{ entry: string; resolve: () => void }> = [];
    const record = (verb: string) => (event: CoreV1Event) => {
      const entry = `${verb} ${event.metadata?.name}`;
      seen.push(entry);
      for (const waiter of waiters.filter((w) => w.entry === entry)) waiter.resolve();
    };
    const seenEntry = (entry: string) => (seen.includes(entry) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ entry, resolve })));
    informer.on("add", record("add"));
    informer.on("update", record("update"));
    informer.on("delete", record("delete"));

    await informer.start();
    expect(informer.list(CONSOLE)).toHaveLength(64);
    const informedAt = meta(server.create("events", newEvent(CONSOLE, "created-while-informed"))).resourceVersion;
    await seenEntry("add created-while-informed");

    // The apiserver restarts gracefully; before the informer watches again, etcd moves on and compacts.
    server.closeWatches();
    const [deletedMeanwhile] = recordedEvents(CONSOLE);
    server.delete("events", meta(deletedMeanwhile!));
    server.create("events", newEvent(CONSOLE, "created-meanwhile"));
    server.compact();

    await Promise.all([seenEntry(`delete ${meta(deletedMeanwhile!).name}`), seenEntry("add created-meanwhile")]);
    // client-node waits a second before watching again after a 410; wait for that watch so stop() leaves none behind.
    await server.waitForWatches(1);
    await informer.stop();

    expect(informer.list(CONSOLE).map((event) => event.metadata?.name).sort()).toEqual(
      [...recordedEvents(CONSOLE).slice(1).map((event) => meta(event).name), "created-while-informed", "created-meanwhile"].sort(),
    );
    const calls = server.requests.map(({ query }) => (query.watch ? `watch ${query.resourceVersion}` : "list"));
    expect(calls).toEqual(["list", `watch ${Number(informedAt) - 1}`, `watch ${informedAt}`, "list", `watch ${server.resourceVersion()}`]);
  });
});
