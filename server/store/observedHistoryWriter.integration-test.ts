import { afterEach, describe, expect, it } from "vitest";
import { openTestDatabase, STORE_KINDS, type TestDatabase } from "../testing/databases";
import { ClusterRegistry } from "./clusters";
import { ObjectIdPool } from "./objectIdPool";
import { storeObservedHistory } from "./observedHistoryWriter";
import { loadTimeline } from "../query/timeline/load";
import { objectsInNamespace } from "../query/history";
import type { ObservedHistoryEntry } from "../plugins/types";
import { startTestApp, type TestApp } from "../testing/appHarness";
import { cascadeEventList, openshiftCascade } from "../testing/scenarios/openshiftCascade";
import { eventList } from "../testing/scenarios/rollout";
import { falcoEvents, sonobuoyItems, type EditableObject } from "../testing/fixtures";
import { writeEvent } from "../testing/writeEvent";
import { createObservedHistoryIngestor } from "../ingest/sources/observedHistoryIngestor";
import { observeKubernetesEvent } from "../ingest/events/observeEvent";

/**
 * The store of observed history (Kubernetes Events) on both stores. The entries are written out
 * by hand from real Events of the OpenShift must-gather (shared/fixtures/real/openshift-must-
 * gather-azure/namespaces/openshift-apiserver/core/events.yaml): a Pod's Scheduled and a Node
 * event, with their real names, uids and times; the conversion from Event bodies is tested in
 * server/ingest/events.
 */

const POD = { apiGroup: "", apiVersion: "v1", resource: "pods", kind: "Pod", namespace: "openshift-apiserver", name: "apiserver-5d887d5fcd-mrn5h", uid: "39535e5f-434f-4272-b118-8249ef72001c" };
const NODE = { apiGroup: "", apiVersion: "v1", resource: "nodes", kind: "Node", namespace: "", name: "ci-ln-k7vx6h2-002ac-w7gjh-master-0", uid: "e06edc37-8115-4338-91d5-fa581a37894a" };

function scheduled(overrides: Partial<ObservedHistoryEntry> = {}): ObservedHistoryEntry {
  const at = new Date("2021-09-13T14:59:41.000Z");
  return {
    source: "event",
    key: "0c3cc8a1-6f2b-4a1e-9d63-7c0b8a6e1f10:1",
    object: POD,
    startTime: at,
    endTime: at,
    actor: "default-scheduler",
    verb: "event",
    title: "default-scheduler Scheduled: Successfully assigned openshift-apiserver/apiserver-5d887d5fcd-mrn5h to ci-ln-k7vx6h2-002ac-w7gjh-master-0",
    details: { reason: "Scheduled", message: "Successfully assigned openshift-apiserver/apiserver-5d887d5fcd-mrn5h to ci-ln-k7vx6h2-002ac-w7gjh-master-0", count: 1, type: "Normal" },
    ...overrides,
  };
}

function nodeEvent(count: number): ObservedHistoryEntry {
  const at = new Date(Date.parse("2021-09-13T14:50:00.000Z") + count * 1000);
  return {
    source: "event",
    key: `6b1e8a52-1d7e-4a0c-8a8e-3f3f3f3f3f3f:${count}`,
    object: NODE,
    startTime: at,
    endTime: at,
    actor: "check-endpoint-checkendpointstimetostart",
    verb: "event",
    title: "check-endpoint-checkendpointstimetostart FastControllerResync: Controller \"CheckEndpointsTimeToStart\" resync interval is set to 0s",
    details: { reason: "FastControllerResync", count, type: "Normal" },
  };
}

describe.each(STORE_KINDS)("observed history (%s)", (kind) => {
  let database: TestDatabase | null = null;
  afterEach(async () => {
    await database?.dispose();
    database = null;
  });

  async function open() {
    database = await openTestDatabase(kind);
    const db = database.db;
    const clusters = new ClusterRegistry(db);
    const ids = new ObjectIdPool(8);
    return { db, store: async (entries: ObservedHistoryEntry[], cluster = "prod") => (await storeObservedHistory(db, clusters, ids, cluster, entries)).summary };
  }

  async function entriesOf(db: TestDatabase["db"]) {
    const rows = await db.query<{ object_id: number; resource: string; name: string; uid: string | null; kind: string | null; source: string; verb: string; actor: string; start_time: Date; details: unknown }>(
      `SELECT h.object_id, o.resource, o.name, o.uid, o.kind, h.source::text AS source, h.verb, h.actor, h.start_time, h.details
         FROM history_entries h JOIN objects o ON o.id = h.object_id ORDER BY h.start_time, h.id`,
    );
    return rows.rows;
  }

  it("stores an entry on a placeholder for an object never seen, with its uid and kind, and once only", async () => {
    const { db, store } = await open();
    expect(await store([scheduled()])).toEqual({ received: 1, stored: 1, duplicates: 0, rejected: [], placeholders: 1 });
    const [entry] = await entriesOf(db);
    expect(entry).toMatchObject({ resource: "pods", name: POD.name, uid: POD.uid, kind: "Pod", source: "event", verb: "event", actor: "default-scheduler" });
    expect(new Date(entry!.start_time).toISOString()).toBe("2021-09-13T14:59:41.000Z");
    expect(entry!.details).toMatchObject({ reason: "Scheduled", count: 1 });

    // A relist, a restarted watcher: the same key again stores nothing.
    expect(await store([scheduled()])).toEqual({ received: 1, stored: 0, duplicates: 1, rejected: [], placeholders: 0 });
    expect(await entriesOf(db)).toHaveLength(1);
  });

  it("puts entries of one object onto one row, by uid, and moves its last sighting on", async () => {
    const { db, store } = await open();
    await store([nodeEvent(1)]);
    const later = nodeEvent(2);
    const summary = await store([later, nodeEvent(3)]);
    expect(summary).toMatchObject({ stored: 2, placeholders: 0 });
    const rows = await entriesOf(db);
    expect(new Set(rows.map((row) => Number(row.object_id))).size).toBe(1);
    const objects = await db.query<{ last_seen: Date; namespace: string }>(`SELECT last_seen, namespace FROM objects`);
    expect(objects.rows).toHaveLength(1);
    expect(new Date(objects.rows[0]!.last_seen).toISOString()).toBe(nodeEvent(3).endTime.toISOString());
    expect(objects.rows[0]!.namespace).toBe("");
  });

  it("starts a row only Events named at the earliest of them, whichever came first", async () => {
    // A list brings an object's Events in key order: by first occurrence, not by the latest, which is the entry's time.
    const { db, store } = await open();
    await store([nodeEvent(3)]);
    await store([nodeEvent(1)]);
    const objects = await db.query<{ first_seen: Date; last_seen: Date }>(`SELECT first_seen, last_seen FROM objects`);
    expect(objects.rows.map((row) => [new Date(row.first_seen).toISOString(), new Date(row.last_seen).toISOString()])).toEqual([
      [nodeEvent(1).startTime.toISOString(), nodeEvent(3).endTime.toISOString()],
    ]);
    // So a search of the time of its first Event finds it.
    const around = { from: new Date(nodeEvent(1).startTime.getTime() - 500), to: new Date(nodeEvent(1).startTime.getTime() + 500) };
    expect((await objectsInNamespace(db, "", around)).map((o) => o.name)).toEqual([NODE.name]);
  });

  it("stores a NUL of an Event's message as U+FFFD, so that the object's timeline can read its entries' details", async () => {
    const { db, store } = await open();
    // Probe output quoted in an Unhealthy Event's message can hold one.
    const probe = scheduled({ details: { reason: "Unhealthy", message: "Readiness probe failed: \u0000\u0000HTTP/1.1 500", count: 1, type: "Warning" } });
    expect(await store([probe])).toMatchObject({ stored: 1 });
    const objectId = Number((await entriesOf(db))[0]!.object_id);
    const timeline = await loadTimeline(db, { id: objectId, relations: "self" }, { jaeger: { basePath: "/jaeger", uiServed: false } });
    expect(timeline!.rows[0]!.entries.map((entry) => entry.title)).toEqual([probe.title]);
    const stored = await db.query<{ message: string }>(`SELECT details->>'message' AS message FROM history_entries`);
    expect(stored.rows[0]!.message).toBe("Readiness probe failed: \ufffd\ufffdHTTP/1.1 500");
  });

  it("counts a key given twice in one call as a duplicate", async () => {
    const { store } = await open();
    expect(await store([scheduled(), scheduled()])).toMatchObject({ received: 2, stored: 1, duplicates: 1 });
  });

  it("keeps clusters apart: the same key in another cluster is another entry on another object", async () => {
    const { db, store } = await open();
    await store([scheduled()], "prod");
    expect(await store([scheduled()], "staging")).toMatchObject({ stored: 1, placeholders: 1 });
    const rows = await db.query<{ n: number }>(`SELECT count(DISTINCT cluster_id)::int AS n FROM objects`);
    expect(rows.rows[0]!.n).toBe(2);
  });

  it("rejects, one by one and saying why, what the store cannot hold, and stores the rest", async () => {
    const { db, store } = await open();
    const summary = await store([
      scheduled({ key: "nul:1", title: "bad\u0000title" }),
      scheduled({ key: "far:1", startTime: new Date("+010000-01-01T00:00:00Z"), endTime: new Date("+010000-01-01T00:00:00Z") }),
      scheduled({ key: "body:1", body: { kind: "Pod" } }),
      scheduled({ key: "watch:1", source: "watch" }),
      // A whole watch entry, but this caller gave no redaction options (Events need none).
      scheduled({ key: "watch:2", source: "watch", body: { kind: "Pod", metadata: { uid: POD.uid, resourceVersion: "1" } } }),
      scheduled({ key: "", title: "no key" }),
      scheduled({ key: "long:1", object: { ...POD, name: "x".repeat(2000) } }),
      scheduled({ key: "backwards:1", endTime: new Date("2021-09-13T14:00:00Z") }),
      scheduled(),
    ]);
    expect(summary.stored).toBe(1);
    expect(summary.rejected.map((r) => [r.index, r.reason])).toEqual([
      [0, "title: contains a NUL character (U+0000), which cannot be stored"],
      [1, "startTime: not a time the store can hold (years 0001–9999)"],
      [2, 'body: only watch entries (source "watch") bring bodies'],
      [3, "body: required for a watch entry that is not a deletion"],
      [4, 'source: "watch" entries need the store\'s redaction options, which this caller did not give'],
      [5, "key: required"],
      [6, "object.name: longer than 1024 bytes (UTF-8), more than the store indexes"],
      [7, "endTime: before startTime"],
    ]);
    expect(await entriesOf(db)).toHaveLength(1);
  });

  it("stores a key once when two calls carry it at the same time", async () => {
    const { db, store } = await open();
    const results = await Promise.all([store([scheduled(), nodeEvent(1)]), store([nodeEvent(1), scheduled()])]);
    expect(results.map((r) => r.stored).reduce((a, b) => a + b)).toBe(2);
    expect(await entriesOf(db)).toHaveLength(2);
    const objects = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM objects`);
    expect(objects.rows[0]!.n).toBe(2);
  });
});

/**
 * Events and audit writes of one object, in either order, end on one row: the OpenShift rollout
 * (server/testing/scenarios/openshiftCascade.ts, from the same must-gather) posted to the webhook,
 * and the Scheduled Event of its Pod apiserver-5d887d5fcd-mrn5h stored before or after it.
 */
describe.each(STORE_KINDS)("observed history beside audit history (%s)", (kind) => {
  let app: TestApp | null = null;
  afterEach(async () => {
    await app?.close();
    app = null;
  });

  async function rowsOfPod(testApp: TestApp) {
    const rows = await testApp.context.db.query<{ id: number; uid: string | null; sources: string[] }>(
      `SELECT o.id, o.uid, array_agg(DISTINCT h.source::text ORDER BY h.source::text) AS sources
         FROM objects o JOIN history_entries h ON h.object_id = o.id
        WHERE o.resource = 'pods' AND o.name = $1 GROUP BY o.id, o.uid`,
      [POD.name],
    );
    return rows.rows;
  }

  async function storeEvent(testApp: TestApp) {
    return (await storeObservedHistory(testApp.context.db, new ClusterRegistry(testApp.context.db), new ObjectIdPool(8), "default", [scheduled()])).summary;
  }

  it("puts an Event onto the object its audit writes made", async () => {
    app = await startTestApp(kind);
    expect((await app.postAudit(cascadeEventList(openshiftCascade()))).status).toBe(200);
    expect(await storeEvent(app)).toMatchObject({ stored: 1, placeholders: 0 });
    expect(await rowsOfPod(app)).toEqual([{ id: expect.anything(), uid: POD.uid, sources: ["audit", "event"] }]);
  });

  it("leaves the start of an object its audit writes made where its create put it, whatever its Events' times", async () => {
    app = await startTestApp(kind);
    expect((await app.postAudit(cascadeEventList(openshiftCascade()))).status).toBe(200);
    const firstSeen = async () => (await app!.context.db.query<{ first_seen: Date }>(`SELECT first_seen FROM objects WHERE resource = 'pods' AND name = $1`, [POD.name])).rows.map((row) => new Date(row.first_seen).toISOString());
    const before = await firstSeen();
    // Reported by a clock a minute behind the apiserver's.
    const early = new Date(Date.parse(before[0]!) - 60_000);
    await storeObservedHistory(app.context.db, new ClusterRegistry(app.context.db), new ObjectIdPool(8), "default", [scheduled({ key: "skewed:1", startTime: early, endTime: early })]);
    expect(await firstSeen()).toEqual(before);
  });

  it("makes the row an Event made the object once its audit writes come", async () => {
    app = await startTestApp(kind);
    expect(await storeEvent(app)).toMatchObject({ stored: 1, placeholders: 1 });
    expect((await app.postAudit(cascadeEventList(openshiftCascade()))).status).toBe(200);
    expect(await rowsOfPod(app)).toEqual([{ id: expect.anything(), uid: POD.uid, sources: ["audit", "event"] }]);
  });

  it("makes a row an Event without a uid made the object its create names, and starts it at the create", async () => {
    // The real Namespace Events of the must-gather name no uid; falco's create of Namespace foo
    // is at Request level, so it gives none either.
    app = await startTestApp(kind);
    const at = new Date("2018-10-25T13:58:50.000Z");
    const namespace = { apiGroup: "", apiVersion: "v1", resource: "namespaces", kind: "Namespace", namespace: "", name: "foo", uid: null };
    const event: ObservedHistoryEntry = { source: "event", key: "5d3f0c1e-1111-4a5b-9c8d-7e6f5a4b3c2d:1", object: namespace, startTime: at, endTime: at, actor: "namespace-security-allocation-controller", verb: "event", title: "namespace-security-allocation-controller CreatedSCCRanges: created SCC ranges", details: { reason: "CreatedSCCRanges", count: 1, type: "Normal" } };
    expect((await storeObservedHistory(app.context.db, new ClusterRegistry(app.context.db), new ObjectIdPool(8), "default", [event])).summary).toMatchObject({ stored: 1, placeholders: 1 });
    expect((await app.postAudit(eventList(falcoEvents("some-user_creates_namespace_foo.json")))).status).toBe(200);
    const rows = await app.context.db.query<{ id: number; first_seen: Date; deleted_at: Date | null; source: string }>(
      `SELECT o.id, o.first_seen, o.deleted_at, h.source::text AS source FROM objects o JOIN history_entries h ON h.object_id = o.id ORDER BY h.start_time`,
    );
    expect(rows.rows.map((row) => row.source)).toEqual(["audit", "event"]);
    expect(new Set(rows.rows.map((row) => Number(row.id))).size).toBe(1);
    expect(new Date(rows.rows[0]!.first_seen).toISOString()).toBe("2018-10-25T13:58:49.730Z");
    expect(rows.rows[0]!.deleted_at).toBeNull();
  });

  // A Node's registration, from the real Events of sonobuoy's capture (shared/fixtures/real/
  // sonobuoy-results-missing-e2e, Kubernetes 1.8, default/Events.json): the kubelet of
  // ip-10-0-26-239 says Starting (17:02:16), NodeAllocatableEnforced and NodeHas… (17:02:16–17),
  // naming the Node with its name as uid, as the kubelet does, before it registers the Node; the
  // node controller's RegisteredNode (17:02:21) gives the Node's real uid, a time-based (v1) UUID
  // made at the create: 17:02:17.472742. The kubelet's create is written here at that time with
  // that uid; the body is a minimal Node.
  const NODE_NAME = "ip-10-0-26-239.us-west-2.compute.internal";
  const NODE_UID = "5fdc9500-e027-11e7-8132-0254a9767590";

  function registrationEvents(): ObservedHistoryEntry[] {
    return sonobuoyItems("default", "Events")
      .filter((event) => event.involvedObject.name === NODE_NAME)
      .map((event) => {
        const observed = observeKubernetesEvent(event);
        if (!observed.ok) throw new Error(observed.problem);
        return observed.entry;
      })
      .sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
  }

  function nodeWrite(verb: "create" | "update", level: "Metadata" | "RequestResponse", at: string, labels: Record<string, string> = {}): EditableObject {
    const body = {
      kind: "Node",
      apiVersion: "v1",
      metadata: { name: NODE_NAME, uid: NODE_UID, resourceVersion: verb === "create" ? "640" : "900", creationTimestamp: "2017-12-13T17:02:17Z", labels: { "kubernetes.io/hostname": NODE_NAME, ...labels } },
      spec: { externalID: "i-0b1f6c8c2a1e4d3f0" },
      status: {},
    };
    const event = writeEvent({ id: `5d6a1b2c-0000-4000-8000-00000000000${verb === "create" ? 1 : 2}`, at, verb, apiGroup: "", resource: "nodes", body });
    if (verb === "create") event.user = { username: `system:node:${NODE_NAME}`, groups: ["system:nodes", "system:authenticated"] };
    if (level === "Metadata") {
      event.level = "Metadata";
      delete event.requestObject;
      delete event.responseObject;
    }
    return event;
  }

  async function nodeRows(testApp: TestApp) {
    const rows = await testApp.context.db.query<{ id: number; uid: string | null; deleted_at: Date | null; entries: string[] }>(
      `SELECT o.id, o.uid, o.deleted_at, array_agg(coalesce(h.details->>'reason', h.verb) ORDER BY h.start_time, h.id) AS entries
         FROM objects o JOIN history_entries h ON h.object_id = o.id WHERE o.resource = 'nodes' GROUP BY o.id ORDER BY o.id`,
    );
    return rows.rows.map((row) => ({ uid: row.uid, deleted: row.deleted_at !== null, entries: row.entries }));
  }

  const REGISTRATION = ["Starting", "NodeAllocatableEnforced", "NodeHasSufficientDisk", "NodeHasSufficientMemory", "NodeHasNoDiskPressure", "create", "RegisteredNode", "NodeReady"];

  for (const level of ["RequestResponse", "Metadata"] as const) {
    it(`keeps a Node one object when the kubelet's Events before its registration are stored before its create (${level})`, async () => {
      app = await startTestApp(kind);
      const ingestor = createObservedHistoryIngestor(app.context.db);
      const events = registrationEvents();
      const beforeCreate = events.filter((entry) => entry.startTime < new Date("2017-12-13T17:02:18Z"));
      // As the watch brings them, a batch each; the webhook's batch with the create comes later.
      for (const entry of beforeCreate) await ingestor.ingest("default", [entry]);
      expect((await app.postAudit(eventList([nodeWrite("create", level, "2017-12-13T17:02:17.480Z")]))).status).toBe(200);
      await ingestor.ingest("default", events.filter((entry) => !beforeCreate.includes(entry)));
      const rows = await nodeRows(app);
      expect(rows).toHaveLength(1);
      // At Metadata level no write gives the uid (nor does an Event: it names the object, it does not write it).
      expect(rows[0]).toMatchObject({ deleted: false, uid: level === "RequestResponse" ? NODE_UID : null });
      expect([...rows[0]!.entries].sort()).toEqual([...REGISTRATION].sort());
    });
  }

  it("keeps a Node one object when a write giving its uid follows its Metadata-level create and the kubelet's Events", async () => {
    app = await startTestApp(kind);
    expect((await app.postAudit(eventList([nodeWrite("create", "Metadata", "2017-12-13T17:02:17.480Z")]))).status).toBe(200);
    await createObservedHistoryIngestor(app.context.db).ingest("default", registrationEvents());
    // An admin labels the Node; the policy records that at RequestResponse, which gives its uid.
    expect((await app.postAudit(eventList([nodeWrite("update", "RequestResponse", "2017-12-13T17:10:00.000Z", { role: "worker" })]))).status).toBe(200);
    const rows = await nodeRows(app);
    expect(rows).toEqual([{ uid: NODE_UID, deleted: false, entries: expect.arrayContaining([...REGISTRATION, "update"]) }]);
  });
});
