import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STORE_KINDS, openTestDatabase, type TestDatabase } from "../../testing/databases";
import { TEST_CONVERT_OPTIONS } from "../../testing/convertOptions";
import { falcoEvents, type EditableObject } from "../../testing/fixtures";
import { BUILTIN_LINKERS } from "../../model/links/builtin";
import { createAuditIngestor } from "./ingest";
import { createObservedHistoryIngestor } from "../sources/observedHistoryIngestor";
import { watched } from "../../testing/scenarios/watchedCascadeEntries";

/*
 * A StatefulSet Pod recreated under its name at a rollout: the statefulset-controller deletes
 * web-0 (gracefully), its kubelet reports and deletes it for good (grace 0), and the controller
 * creates the next web-0 at once, within the same second. The writes and their actors are those the
 * real StatefulSet Pod `postgresql/my-postgresql-0` was written by in the hkerma dataset
 * (hkerma-kubernetes-event-dataset/audit-logs.csv: statefulset-controller create, kube-scheduler
 * pods/binding, the kubelet's pods/status patches, all at Metadata level, 25 ms apart); the fixtures
 * hold no StatefulSet Pod's body, so the bodies are the real Pod of falco's
 * create_nginx_pod_unprivileged.json renamed web-0, owned by a StatefulSet, as the
 * statefulset-controller makes them. The deletes are as kube-apiserver answers them: the
 * controller's with the Pod given a grace period, the kubelet's with grace 0.
 */

const UID_1 = "a2ad81ba-d85f-11e8-88b6-080027728ac4"; // the recorded Pod's
const UID_2 = "b7c0e3d4-d85f-11e8-88b6-080027728ac4";
const NAME = "web-0";
/** 2018-10-25T14:09:`second` plus `ms` milliseconds, as the apiserver stamps it (microseconds). */
const time = (second: number, ms = 0) => `2018-10-25T14:09:${String(second).padStart(2, "0")}.${String(ms).padStart(3, "0")}000Z`;
const createdIn = (second: number) => `2018-10-25T14:09:${String(second).padStart(2, "0")}Z`;

type Level = "Metadata" | "RequestResponse";
interface Span {
  second: number;
  from: number;
  to: number;
}

/** The real Pod renamed web-0, of StatefulSet web, uid `uid`, created in `created`. */
function podBody(uid: string, created: number, rv: number): EditableObject {
  const [event] = falcoEvents("create_nginx_pod_unprivileged.json");
  const body = event!.responseObject;
  delete body.metadata.generateName;
  delete body.metadata.selfLink;
  body.metadata.name = NAME;
  body.metadata.uid = uid;
  body.metadata.creationTimestamp = createdIn(created);
  body.metadata.resourceVersion = String(rv);
  body.metadata.labels = { app: "web", "statefulset.kubernetes.io/pod-name": NAME, "controller-revision-hash": "web-6d4d8b8d9" };
  body.metadata.ownerReferences = [{ apiVersion: "apps/v1", kind: "StatefulSet", name: "web", uid: "9f1c2d3e-d85f-11e8-88b6-080027728ac4", controller: true, blockOwnerDeletion: true }];
  body.spec.hostname = NAME;
  body.spec.subdomain = "web";
  return body;
}

/** A write of web-0 from the falco Pod create's event: its actor, verb, URI, status and times. */
function podEvent(auditId: string, span: Span, fields: { user: string; verb: string; subresource?: string; code: number; level: Level; body?: EditableObject }): EditableObject {
  const [event] = falcoEvents("create_nginx_pod_unprivileged.json");
  event!.auditID = auditId;
  event!.level = fields.level;
  event!.verb = fields.verb;
  event!.user = { username: fields.user, groups: ["system:authenticated"] };
  event!.requestReceivedTimestamp = time(span.second, span.from);
  event!.stageTimestamp = time(span.second, span.to);
  event!.responseStatus = { code: fields.code, metadata: {} };
  const named = fields.verb !== "create" || fields.subresource !== undefined;
  event!.objectRef = { resource: "pods", namespace: "default", apiVersion: "v1", ...(named || fields.level === "Metadata" ? { name: NAME } : {}), ...(fields.subresource ? { subresource: fields.subresource } : {}) };
  event!.requestURI = `/api/v1/namespaces/default/pods${named ? `/${NAME}` : ""}${fields.subresource ? `/${fields.subresource}` : ""}`;
  delete event!.requestObject;
  delete event!.responseObject;
  if (fields.level === "RequestResponse" && fields.body) event!.responseObject = fields.body;
  return event!;
}

const STS = "system:serviceaccount:kube-system:statefulset-controller";
const KUBELET = "system:node:k8s-node-1-perfspec";

/** One incarnation of web-0: created at `created`, bound, reported, deleted gracefully and for good (writes in order). */
function incarnation(tag: string, uid: string, created: Span, level: Level, deleteAt: Span | null, finalDeleteAt: Span | null) {
  const rv = 237000 + created.second * 10;
  const body = podBody(uid, created.second, rv);
  const writes: Record<string, EditableObject> = {
    create: podEvent(`${tag}-create`, created, { user: STS, verb: "create", code: 201, level, body }),
    binding: podEvent(`${tag}-binding`, { second: created.second, from: created.to + 15, to: created.to + 20 }, { user: "system:kube-scheduler", verb: "create", subresource: "binding", code: 201, level: "Metadata" }),
    status: podEvent(`${tag}-status`, { second: created.second, from: created.to + 50, to: created.to + 55 }, { user: KUBELET, verb: "patch", subresource: "status", code: 200, level: "Metadata" }),
  };
  if (deleteAt) {
    const graceful = structuredClone(body);
    graceful.metadata.deletionTimestamp = createdIn(deleteAt.second + 30);
    graceful.metadata.deletionGracePeriodSeconds = 30;
    graceful.metadata.resourceVersion = String(rv + 5);
    writes.delete = podEvent(`${tag}-delete`, deleteAt, { user: STS, verb: "delete", code: 200, level, body: graceful });
  }
  if (finalDeleteAt) {
    const gone = structuredClone(body);
    gone.metadata.deletionTimestamp = createdIn(finalDeleteAt.second);
    gone.metadata.deletionGracePeriodSeconds = 0;
    gone.metadata.resourceVersion = String(rv + 7);
    writes.finalDelete = podEvent(`${tag}-final-delete`, finalDeleteAt, { user: KUBELET, verb: "delete", code: 200, level, body: gone });
  }
  return writes;
}

describe.each(STORE_KINDS)("a StatefulSet Pod recreated under its name, on %s", (kind) => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await openTestDatabase(kind);
  });
  afterAll(() => test.dispose());

  async function store(cluster: string, ...batches: EditableObject[][]) {
    const ingestor = createAuditIngestor(test.db, TEST_CONVERT_OPTIONS, {}, BUILTIN_LINKERS);
    for (const batch of batches) expect(await ingestor.ingest(cluster, batch)).toMatchObject({ rejected: [] });
  }

  /** The cluster's web-0 rows, oldest first: uid, lifetime and the auditIDs of their history. */
  async function podsOf(cluster: string) {
    const rows = await test.db.query<{ uid: string | null; first_seen: Date; last_seen: Date; deleted_at: Date | null; entries: string[] }>(
      `SELECT o.uid, o.first_seen, o.last_seen, o.deleted_at,
              ARRAY(SELECT h.audit_id FROM history_entries h WHERE h.object_id = o.id ORDER BY h.start_time) AS entries
         FROM objects o JOIN clusters c ON c.id = o.cluster_id
        WHERE c.name = $1 AND o.resource = 'pods' AND o.name = $2 ORDER BY o.first_seen, o.id`,
      [cluster, NAME],
    );
    return rows.rows.map((o) => ({
      uid: o.uid,
      firstSeen: new Date(o.first_seen).toISOString(),
      lastSeen: new Date(o.last_seen).toISOString(),
      deletedAt: o.deleted_at && new Date(o.deleted_at).toISOString(),
      entries: o.entries,
    }));
  }

  /** What web-0's two rows hold when the Pod before was deleted for good at 11.004 (`finalDeleteEnd`) and the next one created at 11.020. */
  function expectedRows(level: Level, tag: string, nextTag: string, finalDeleteEnd = "2018-10-25T14:09:11.004Z") {
    return [
      {
        uid: level === "Metadata" ? null : UID_1,
        firstSeen: "2018-10-25T14:09:03.000Z",
        lastSeen: finalDeleteEnd,
        deletedAt: finalDeleteEnd,
        entries: [`${tag}-create`, `${tag}-binding`, `${tag}-status`, `${tag}-delete`, `${tag}-final-delete`],
      },
      { uid: level === "Metadata" ? null : UID_2, firstSeen: "2018-10-25T14:09:11.020Z", lastSeen: "2018-10-25T14:09:11.085Z", deletedAt: null, entries: [`${nextTag}-create`, `${nextTag}-binding`, `${nextTag}-status`] },
    ];
  }

  it.each(["Metadata", "RequestResponse"] as const)("keeps each web-0 on its own row, recreated within the second, its create in order or after its binding and status (%s)", async (level) => {
    // web-0 created at 3, deleted by the controller at 10 and by its kubelet at 11.000-11.004; the
    // next web-0 created at 11.020, bound at 11.045, reported at 11.080.
    const old = incarnation(`${level}-old`, UID_1, { second: 3, from: 0, to: 10 }, level, { second: 10, from: 0, to: 6 }, { second: 11, from: 0, to: 4 });
    const next = incarnation(`${level}-next`, UID_2, { second: 11, from: 20, to: 30 }, level, null, null);
    const oldBatches = Object.values(old).map((w) => [w]);
    const orders: Record<string, EditableObject[][]> = {
      "in-order": [...oldBatches, [next.create!], [next.binding!], [next.status!]],
      "create-last": [...oldBatches, [next.binding!], [next.status!], [next.create!]],
      "one-batch-create-last": [...oldBatches, [next.binding!, next.status!], [next.create!]],
    };
    for (const [order, batches] of Object.entries(orders)) {
      await store(`${level}-${order}`, ...batches);
      // Stored again (an apiserver resending its batches): nothing changes.
      await store(`${level}-${order}`, ...batches);
    }
    for (const order of Object.keys(orders)) expect({ order, rows: await podsOf(`${level}-${order}`) }).toEqual({ order, rows: expectedRows(level, `${level}-old`, `${level}-next`) });
  });

  it("with the Pods watched too (the watch seeing each version before its audit batch comes): each web-0's watched versions stay on its own row, and its writes as without the watch", async () => {
    // Metadata level, the next create last. The watch sees the first web-0 made (3.050), removed
    // (11.050, after the next one's create began) and the next one made (11.060).
    const old = incarnation("watched-old", UID_1, { second: 3, from: 0, to: 10 }, "Metadata", { second: 10, from: 0, to: 6 }, { second: 11, from: 0, to: 4 });
    const next = incarnation("watched-next", UID_2, { second: 11, from: 20, to: 30 }, "Metadata", null, null);
    const watch = createObservedHistoryIngestor(test.db, {}, { sensitive: TEST_CONVERT_OPTIONS.sensitive, fingerprint: TEST_CONVERT_OPTIONS.fingerprint, linkers: BUILTIN_LINKERS });
    const observe = async (body: EditableObject, type: "ADDED" | "DELETED", at: string) =>
      expect(await watch.ingest("watched", [watched(body, type, new Date(at))])).toMatchObject({ stored: 1, rejected: [] });
    const gone = podBody(UID_1, 3, 237000 + 3 * 10 + 7);
    gone.metadata.deletionTimestamp = createdIn(11);
    gone.metadata.deletionGracePeriodSeconds = 0;
    await store("watched", [old.create!]);
    await observe(podBody(UID_1, 3, 237000 + 3 * 10), "ADDED", time(3, 50));
    await store("watched", [old.binding!], [old.status!], [old.delete!], [old.finalDelete!]);
    await observe(gone, "DELETED", time(11, 50));
    await observe(podBody(UID_2, 11, 237000 + 11 * 10), "ADDED", time(11, 60));
    await store("watched", [next.binding!], [next.status!], [next.create!]);
    const rows = await test.db.query<{ uid: string | null; deleted_at: Date | null; audit: string[]; watch: string[] }>(
      `SELECT o.uid, o.deleted_at,
              ARRAY(SELECT h.audit_id FROM history_entries h WHERE h.object_id = o.id AND h.source = 'audit' ORDER BY h.start_time) AS audit,
              ARRAY(SELECT h.details->>'watchEvent' FROM history_entries h WHERE h.object_id = o.id AND h.source = 'watch' ORDER BY h.start_time) AS watch
         FROM objects o JOIN clusters c ON c.id = o.cluster_id
        WHERE c.name = 'watched' AND o.resource = 'pods' AND o.name = $1 ORDER BY o.first_seen, o.id`,
      [NAME],
    );
    const [before, after] = expectedRows("Metadata", "watched-old", "watched-next");
    expect(rows.rows.map((row) => ({ uid: row.uid, deletedAt: row.deleted_at && new Date(row.deleted_at).toISOString(), audit: row.audit, watch: row.watch }))).toEqual([
      { uid: UID_1, deletedAt: before!.deletedAt, audit: before!.entries, watch: ["ADDED", "DELETED"] },
      { uid: UID_2, deletedAt: null, audit: after!.entries, watch: ["ADDED"] },
    ]);
  });

  it.each([
    { level: "Metadata", entries: "entries" },
    { level: "RequestResponse", entries: "entries" },
    { level: "Metadata", entries: "entries stored before they told their uid" },
  ] as const)(
    "with the Pod before watched, the next create last: the next web-0's binding and status, stored before its create, go to it, and what the watch saw of the Pod before after that create began stays with that Pod's uid ($level, $entries)",
    async ({ level, entries }) => {
      // The watch sees the first web-0 made (3.050: its row takes the watched uid, which Metadata
      // level gives none) and removed at 11.050, after the next web-0's create began (11.020). At
      // RequestResponse level the audit writer's state of the first web-0 is its kubelet's final
      // delete's answer (resourceVersion 237037, 11.000-11.004), which the watched removal is the
      // twin of: no write of the first web-0 made after the create, so the next one's binding and
      // status, which reached its row first, are the next one's. The watched removal names the
      // first web-0 by its uid: it stays on that row, whatever its time.
      const tag = `twin-${level.toLowerCase()}${entries === "entries" ? "" : "-untold"}`;
      const old = incarnation(`${tag}-old`, UID_1, { second: 3, from: 0, to: 10 }, level, { second: 10, from: 0, to: 6 }, { second: 11, from: 0, to: 4 });
      const next = incarnation(`${tag}-next`, UID_2, { second: 11, from: 20, to: 30 }, level, null, null);
      const watch = createObservedHistoryIngestor(test.db, {}, { sensitive: TEST_CONVERT_OPTIONS.sensitive, fingerprint: TEST_CONVERT_OPTIONS.fingerprint, linkers: BUILTIN_LINKERS });
      const observe = async (body: EditableObject, type: "ADDED" | "DELETED", at: string) =>
        expect(await watch.ingest(tag, [watched(body, type, new Date(at))])).toMatchObject({ stored: 1, rejected: [] });
      const gone = podBody(UID_1, 3, 237000 + 3 * 10 + 7);
      gone.metadata.deletionTimestamp = createdIn(11);
      gone.metadata.deletionGracePeriodSeconds = 0;
      await store(tag, [old.create!]);
      await observe(podBody(UID_1, 3, 237000 + 3 * 10), "ADDED", time(3, 50));
      await store(tag, [old.binding!], [old.status!], [old.delete!], [old.finalDelete!]);
      await observe(gone, "DELETED", time(11, 50));
      // As stored before watch entries told the uid they observed: the row's uid says whose they are.
      if (entries !== "entries") {
        await test.db.query(`UPDATE history_entries h SET details = (h.details::jsonb - 'uid')::json FROM clusters c WHERE c.id = h.cluster_id AND c.name = $1 AND h.source = 'watch'`, [tag]);
      }
      await store(tag, [next.binding!], [next.status!], [next.create!]);
      const rows = await test.db.query<{ uid: string | null; audit: string[]; watch: string[] }>(
        `SELECT o.uid,
                ARRAY(SELECT h.audit_id FROM history_entries h WHERE h.object_id = o.id AND h.source = 'audit' ORDER BY h.start_time) AS audit,
                ARRAY(SELECT h.details->>'watchEvent' FROM history_entries h WHERE h.object_id = o.id AND h.source = 'watch' ORDER BY h.start_time) AS watch
           FROM objects o JOIN clusters c ON c.id = o.cluster_id
          WHERE c.name = $1 AND o.resource = 'pods' AND o.name = $2 ORDER BY o.first_seen, o.id`,
        [tag, NAME],
      );
      const [before, after] = expectedRows(level, `${tag}-old`, `${tag}-next`);
      expect(rows.rows).toEqual([
        { uid: UID_1, audit: before!.entries, watch: ["ADDED", "DELETED"] },
        { uid: after!.uid, audit: after!.entries, watch: [] },
      ]);
    },
  );

  it.each(["one call", "the next web-0's first"] as const)(
    "with both web-0s watched after the first one's removal was stored (%s), the next create last: each watched version stays with the web-0 whose uid it observed",
    async (delivery) => {
      // Metadata level. Audit stores the first web-0's writes, its kubelet's final delete (11.000-
      // 11.004) last. Then the watch brings the first web-0 made (3.050) and removed (11.050) and
      // the next one made (11.060): in one call (a watch catching up after the database was down),
      // or the next one's first (another replica's watch stored it before this one caught up).
      // Either way both uids are found by name on the first one's deleted row, which takes neither
      // (which it is, the name alone cannot tell). Then the next web-0's binding and status, and its
      // create last.
      const cluster = delivery === "one call" ? "caught-up" : "next-first";
      const old = incarnation(`${cluster}-old`, UID_1, { second: 3, from: 0, to: 10 }, "Metadata", { second: 10, from: 0, to: 6 }, { second: 11, from: 0, to: 4 });
      const next = incarnation(`${cluster}-next`, UID_2, { second: 11, from: 20, to: 30 }, "Metadata", null, null);
      const watch = createObservedHistoryIngestor(test.db, {}, { sensitive: TEST_CONVERT_OPTIONS.sensitive, fingerprint: TEST_CONVERT_OPTIONS.fingerprint, linkers: BUILTIN_LINKERS });
      const gone = podBody(UID_1, 3, 237000 + 3 * 10 + 7);
      gone.metadata.deletionTimestamp = createdIn(11);
      gone.metadata.deletionGracePeriodSeconds = 0;
      const oldWatched = [watched(podBody(UID_1, 3, 237000 + 3 * 10), "ADDED", new Date(time(3, 50))), watched(gone, "DELETED", new Date(time(11, 50)))];
      const nextWatched = watched(podBody(UID_2, 11, 237000 + 11 * 10), "ADDED", new Date(time(11, 60)));
      await store(cluster, ...Object.values(old).map((w) => [w]));
      const calls = delivery === "one call" ? [[...oldWatched, nextWatched]] : [[nextWatched], oldWatched];
      for (const call of calls) expect(await watch.ingest(cluster, call)).toMatchObject({ stored: call.length, rejected: [] });
      await store(cluster, [next.binding!], [next.status!], [next.create!]);
      // Each watch entry by its event and version, with the Pod its snapshot shows (a first sight's
      // and a removal's) and whether it is diffed from a version before.
      const rows = await test.db.query<{ audit: string[]; watch: Array<{ event: string; version: string; shows: string | null; diffed: boolean }> }>(
        `SELECT ARRAY(SELECT h.audit_id FROM history_entries h WHERE h.object_id = o.id AND h.source = 'audit' ORDER BY h.start_time) AS audit,
                ARRAY(SELECT json_build_object('event', h.details->>'watchEvent', 'version', h.details->>'resourceVersionAfter',
                                               'shows', h.snapshot->'metadata'->>'uid', 'diffed', h.diff IS NOT NULL)
                        FROM history_entries h WHERE h.object_id = o.id AND h.source = 'watch' ORDER BY h.start_time) AS watch
           FROM objects o JOIN clusters c ON c.id = o.cluster_id
          WHERE c.name = $1 AND o.resource = 'pods' AND o.name = $2 ORDER BY o.first_seen, o.id`,
        [cluster, NAME],
      );
      const [before, after] = expectedRows("Metadata", `${cluster}-old`, `${cluster}-next`);
      expect(rows.rows).toEqual([
        {
          audit: before!.entries,
          watch: [
            { event: "ADDED", version: "237030", shows: UID_1, diffed: false },
            { event: "DELETED", version: "237037", shows: UID_1, diffed: true },
          ],
        },
        // The next web-0 first seen: not diffed from the Pod before it, whose versions shared its row.
        { audit: after!.entries, watch: [{ event: "ADDED", version: "237110", shows: UID_2, diffed: false }] },
      ]);
      // The next web-0's row has the last body watched of it: the base of its next watched
      // version's diff, and what tells a restarted watch it exists (liveWatchedObjects.ts).
      const states = await test.db.query<{ version: string | null; uid: string | null }>(
        `SELECT w.resource_version AS version, w.state::json->'metadata'->>'uid' AS uid
           FROM objects o JOIN clusters c ON c.id = o.cluster_id LEFT JOIN watched_states w ON w.object_id = o.id
          WHERE c.name = $1 AND o.resource = 'pods' AND o.name = $2 ORDER BY o.first_seen, o.id`,
        [cluster, NAME],
      );
      expect(states.rows).toEqual([
        { version: null, uid: null },
        { version: "237110", uid: UID_2 },
      ]);
    },
  );

  it("keeps on the Pod before it the kubelet's delete that returned that Pod, stamped after the create by a clock ahead", async () => {
    // As above at RequestResponse level, with the kubelet's delete stamped 11.030-11.034 by an
    // apiserver whose clock is 30 ms ahead of the one the create (11.020-11.030) went through (HA
    // control planes are several clocks). Its answer is the Pod it removed, UID_1: not the next one's.
    const old = incarnation("skew-old", UID_1, { second: 3, from: 0, to: 10 }, "RequestResponse", { second: 10, from: 0, to: 6 }, { second: 11, from: 30, to: 34 });
    const next = incarnation("skew-next", UID_2, { second: 11, from: 20, to: 30 }, "RequestResponse", null, null);
    await store("skew-in-order", ...Object.values(old).map((w) => [w]), [next.create!], [next.binding!], [next.status!]);
    expect(await podsOf("skew-in-order")).toEqual(expectedRows("RequestResponse", "skew-old", "skew-next", "2018-10-25T14:09:11.034Z"));
  });
});
