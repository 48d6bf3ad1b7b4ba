import { afterEach, describe, expect, it } from "vitest";
import { STORE_KINDS } from "../testing/databases";
import { startTestApp, type TestApp } from "../testing/appHarness";
import { eventList } from "../testing/scenarios/rollout";
import { exampleSecretBody, realApiserverPod, type EditableObject } from "../testing/fixtures";
import { DEFAULT_SENSITIVE_RULES, hmacFingerprint, redactBody } from "../model/redact/redact";
import { loadTimeline } from "../query/timeline/load";
import { MAX_WATCHED_BODY_BYTES } from "./watchedHistoryWriter";
import { CASCADE, fromCascade, watched } from "../testing/scenarios/watchedCascadeEntries";
import type { ObservedHistoryEntry } from "../plugins/types";
import { REDACTED, type JsonObject } from "../ingest/audit/types";

/**
 * The store side of object watches (source "watch"), on both stores. The watched bodies are real
 * (server/testing/scenarios/watchedCascade.ts): the responseObjects of docs/samples/deployment-cascade.jsonl (RequestResponse audit events of an
 * OpenShift 4.8 rollout, from the must-gather in shared/fixtures/real/openshift-must-gather-azure)
 * are the successive versions of a Deployment, its ReplicaSets and Pods, exactly what a watch of
 * them would have delivered; the Pod of realApiserverPod() (same must-gather) carries real
 * managedFields; the Secret is exampleSecretBody() (falco's create_secret.json trace, with the
 * Kubernetes documentation's example values). Entries are written as the watch source makes them
 * (the watch contract): the source is not under test here.
 */

/** A relist no longer listing the object: its last known version, no body. */
function gone(entry: ObservedHistoryEntry, at: Date): ObservedHistoryEntry {
  const rv = entry.details.resourceVersionAfter as string;
  return { ...entry, key: `${entry.object.uid}@${rv}/gone`, startTime: at, endTime: at, verb: "delete", title: "watched: gone (deleted while not watched)", details: { watchEvent: "GONE", resourceVersionAfter: rv }, body: null, deleted: true };
}

// ReplicaSet apiserver-5d887d5fcd (uid 844d9542…): its create and three full updates by the replicaset controller.
const RS_LINES = [28, 33, 38, 42];
const RS_UID = "844d9542";
// Pod apiserver-5d887d5fcd-qnvqh (uid 59f78c54…) of that ReplicaSet: created, its status patched, deleted gracefully, removed.
const POD_LINES = { added: 32, status: 37, deleting: 76, deleted: 79 };

describe.each(STORE_KINDS)("watched history (%s)", (kind) => {
  let app: TestApp | null = null;
  afterEach(async () => {
    await app?.close();
    app = null;
  });

  async function start() {
    app = await startTestApp(kind);
    return app;
  }
  const store = (entries: ObservedHistoryEntry[], cluster = "default") => app!.context.observedHistoryIngestor.ingest(cluster, entries);

  async function entriesOf(uidPrefix: string, source = "watch") {
    const rows = await app!.context.db.query<{ object_id: number; verb: string; details: JsonObject; diff: unknown; snapshot: JsonObject | null; start_time: Date }>(
      `SELECT h.object_id, h.verb, h.details, h.diff, h.snapshot, h.start_time FROM history_entries h JOIN objects o ON o.id = h.object_id
        WHERE o.uid LIKE $1 AND h.source = $2::history_source ORDER BY h.start_time, h.id`,
      [`${uidPrefix}%`, source],
    );
    return rows.rows;
  }

  async function watchedState(uidPrefix: string) {
    const rows = await app!.context.db.query<{ resource_version: string; state: string }>(
      `SELECT w.resource_version, w.state FROM watched_states w JOIN objects o ON o.id = w.object_id WHERE o.uid LIKE $1`,
      [`${uidPrefix}%`],
    );
    return rows.rows;
  }

  it("snapshots an object at first sight and diffs each next version against the one before, in resourceVersion order", async () => {
    await start();
    const [created, ...updates] = RS_LINES.map((line, i) => fromCascade(line, i === 0 ? "ADDED" : "MODIFIED"));
    // Handed over out of order: the store applies an object's versions by resourceVersion. Two
    // placeholders: the ReplicaSet's row, and its owner Deployment's (its ownerReferences).
    expect(await store([updates[1]!, created!, updates[2]!, updates[0]!])).toEqual({ received: 4, stored: 4, duplicates: 0, rejected: [], placeholders: 2, stale: 0 });
    const rows = await entriesOf(RS_UID);
    expect(rows.map((row) => [row.details.resourceVersionBefore ?? null, row.details.resourceVersionAfter])).toEqual([
      [null, "9129"],
      ["9129", "9134"],
      ["9134", "9139"],
      ["9139", "9143"],
    ]);
    expect(rows[0]).toMatchObject({ verb: "create", diff: null, snapshot: { kind: "ReplicaSet", metadata: { name: "apiserver-5d887d5fcd" } } });
    for (const row of rows.slice(1)) expect(row.snapshot).toBeNull();
    // 9129 -> 9134: the controller's first status (replicas 0 -> 1, observedGeneration).
    expect(rows[1]!.diff).toEqual(expect.arrayContaining([expect.objectContaining({ path: "status.replicas" })]));
    expect(await watchedState(RS_UID)).toEqual([{ resource_version: "9143", state: expect.any(String) }]);
    expect(JSON.parse((await watchedState(RS_UID))[0]!.state)).toEqual(CASCADE[42]!.responseObject);

    // The same diffs as the audit path computed from the same bodies (posted to another cluster).
    expect((await app!.postAudit(eventList(RS_LINES.map((line) => CASCADE[line]!)), { cluster: "audited" })).status).toBe(200);
    const audited = await app!.context.db.query<{ after: string; diff: unknown }>(
      `SELECT h.details->>'resourceVersionAfter' AS after, h.diff FROM history_entries h JOIN objects o ON o.id = h.object_id
        WHERE o.uid LIKE $1 AND h.source = 'audit' ORDER BY h.start_time`,
      [`${RS_UID}%`],
    );
    const auditDiffs = new Map(audited.rows.map((row) => [row.after, row.diff]));
    for (const row of rows.slice(1)) expect(row.diff).toEqual(auditDiffs.get(row.details.resourceVersionAfter as string));
  });

  it("leaves watched entries out of the audit writer's versions: a late audit write is placed among its own, and no watched entry is rediffed", async () => {
    await start();
    const watchedVersions = RS_LINES.map((line, i) => fromCascade(line, i === 0 ? "ADDED" : "MODIFIED"));
    expect(await store(watchedVersions)).toMatchObject({ stored: 4 });
    const watchedBefore = await entriesOf(RS_UID);
    // Audit brings 9129, 9139 and 9143, then 9134 late: the late write goes between 9129 and 9139
    // (lateWrites.ts), and the write of 9139 is diffed again from it.
    const [create, late, ...rest] = RS_LINES.map((line) => CASCADE[line]!);
    expect((await app!.postAudit(eventList([create!, ...rest]))).status).toBe(200);
    expect((await app!.postAudit(eventList([late!]))).status).toBe(200);
    const audited = await entriesOf(RS_UID, "audit");
    expect(audited.map((row) => [row.details.resourceVersionBefore ?? null, row.details.resourceVersionAfter])).toEqual([
      [null, "9129"],
      ["9129", "9134"],
      ["9134", "9139"],
      ["9139", "9143"],
    ]);
    // Each audit diff is the step its versions make, as the watch saw the same steps.
    for (const row of audited.slice(1)) {
      const twin = watchedBefore.find((w) => w.details.resourceVersionAfter === row.details.resourceVersionAfter)!;
      expect(row.diff).toEqual(twin.diff);
    }
    expect(await entriesOf(RS_UID)).toEqual(watchedBefore);
  });

  it("stores a repeated call once, and keeps a version older than the one stored as seen without an entry", async () => {
    await start();
    const [created, first, second, third] = RS_LINES.map((line, i) => fromCascade(line, i === 0 ? "ADDED" : "MODIFIED"));
    await store([created!, first!, third!]);
    expect(await store([created!, first!, third!])).toMatchObject({ stored: 0, duplicates: 3, stale: 0 });
    // 9139, delivered after 9143 (a watch restarted from an older list): stale.
    expect(await store([second!])).toMatchObject({ received: 1, stored: 0, duplicates: 0, stale: 1, rejected: [] });
    expect((await entriesOf(RS_UID)).map((row) => row.details.resourceVersionAfter)).toEqual(["9129", "9134", "9143"]);
    expect(await watchedState(RS_UID)).toEqual([{ resource_version: "9143", state: expect.any(String) }]);
    // Its receipt is kept: delivered again, a duplicate.
    expect(await store([second!])).toMatchObject({ stored: 0, duplicates: 1, stale: 0 });
  });

  it("never stores managedFields", async () => {
    await start();
    // The recorded bodies come without managedFields; a current apiserver sends them with every
    // body. Added to the real ReplicaSet's versions as the apiserver writes them (as
    // auditWriter.integration-test.ts does), the controller's time moving on with each.
    const versions = RS_LINES.slice(0, 2).map((line, i) => {
      const entry = fromCascade(line, i === 0 ? "ADDED" : "MODIFIED");
      (entry.body as EditableObject).metadata.managedFields = [
        { manager: "kube-controller-manager", operation: "Update", apiVersion: "apps/v1", time: `2021-09-13T14:57:${20 + i}Z`, fieldsType: "FieldsV1", fieldsV1: { "f:spec": { "f:replicas": {} } } },
        ...(i > 0 ? [{ manager: "kube-controller-manager", operation: "Update", apiVersion: "apps/v1", time: "2021-09-13T14:57:21Z", fieldsType: "FieldsV1", fieldsV1: { "f:status": { "f:replicas": {} } }, subresource: "status" }] : []),
      ];
      return entry;
    });
    expect(await store(versions)).toMatchObject({ stored: 2 });
    const stored = JSON.stringify([await entriesOf(RS_UID), await watchedState(RS_UID)]);
    expect(stored).not.toContain("managedFields");
    expect(stored).not.toContain("fieldsV1");
    const [created] = await entriesOf(RS_UID);
    expect(created!.snapshot!.metadata).toMatchObject({ name: "apiserver-5d887d5fcd", uid: expect.stringMatching(/^844d9542/) });
  });

  it("begins a row the watch listed at its object's creation", async () => {
    await start();
    // Listed at 15:30, a Pod created at 14:57 (the must-gather's own Pod of the ReplicaSet).
    const pod = realApiserverPod();
    expect(await store([watched(pod, "LISTED", new Date("2021-09-13T15:30:00Z"))])).toMatchObject({ stored: 1 });
    const metadata = pod.metadata as JsonObject;
    const [row] = await entriesOf(metadata.uid as string);
    expect(row).toMatchObject({ verb: "observed", diff: null, snapshot: { metadata: { name: "apiserver-5d887d5fcd-mrn5h" } } });
    const objects = await app!.context.db.query<{ first_seen: Date }>(`SELECT first_seen FROM objects WHERE uid = $1`, [metadata.uid]);
    // At the end of its creation's second (creationTimestamp is kept to the second, cut down: its start may be before the create began).
    expect(new Date(objects.rows[0]!.first_seen).toISOString()).toBe(new Date(Date.parse(metadata.creationTimestamp as string) + 999).toISOString());
    // Its page opens on what was recorded (from the listing), not on the 33 minutes before it.
    const id = Number(row!.object_id);
    const page = await loadTimeline(app!.context.db, { id, relations: "self" }, { jaeger: { basePath: "/jaeger", uiServed: false } });
    expect(page!.range.startMicros).toBe(Date.parse("2021-09-13T15:29:00Z") * 1000);
  });

  it("redacts a Secret's data as the audit path does, and diffs it without its values", async () => {
    await start();
    const secret = exampleSecretBody();
    const uid = (secret.metadata as JsonObject).uid as string;
    const changed = structuredClone(secret) as EditableObject;
    changed.metadata.resourceVersion = "1434";
    changed.data.password = Buffer.from("another-password").toString("base64");
    expect(await store([watched(secret, "ADDED", new Date("2020-04-21T17:57:06Z")), watched(changed, "MODIFIED", new Date("2020-04-21T17:58:00Z"))])).toMatchObject({ stored: 2 });
    const everything = JSON.stringify([await entriesOf(uid), await watchedState(uid)]);
    for (const value of ["MWYyZDFlMmU2N2Rm", "YWRtaW4=", changed.data.password, "1f2d1e2e67df"]) expect(everything).not.toContain(value);
    const [added, modified] = await entriesOf(uid);
    expect(added!.snapshot!.data).toEqual({ password: REDACTED, username: REDACTED });
    expect(modified!.diff).toEqual([{ path: "data.password", redacted: true }]);
    // Fingerprinted with the installation's key, as audit bodies are: equal values compare equal across sources.
    const expected = redactBody(changed as JsonObject, { apiGroup: "", resource: "secrets" }, DEFAULT_SENSITIVE_RULES, hmacFingerprint(app!.context.config.redactionKey!));
    expect(JSON.parse((await watchedState(uid))[0]!.state)).toEqual(expected);
  });

  it("marks a deletion, snapshots what was deleted and ends the relations its body stated", async () => {
    await start();
    const rs = fromCascade(RS_LINES[0]!, "ADDED");
    const pod = [fromCascade(POD_LINES.added, "ADDED"), fromCascade(POD_LINES.status, "MODIFIED"), fromCascade(POD_LINES.deleting, "MODIFIED")];
    await store([rs, ...pod]);
    const relations = async () =>
      (
        await app!.context.db.query<{ kind: string; parent: string; child: string; ended: boolean }>(
          `SELECT r.kind, p.name AS parent, c.name AS child, r.valid_to IS NOT NULL AS ended
             FROM relations r JOIN objects p ON p.id = r.from_object_id JOIN objects c ON c.id = r.to_object_id
            WHERE c.resource IN ('pods', 'replicasets') AND p.resource IN ('replicasets', 'deployments') ORDER BY c.resource, r.kind`,
        )
      ).rows;
    const open = await relations();
    expect(open).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ parent: "apiserver-5d887d5fcd", child: "apiserver-5d887d5fcd-qnvqh", ended: false }),
        expect.objectContaining({ parent: "apiserver", child: "apiserver-5d887d5fcd", ended: false }),
      ]),
    );

    const removal = fromCascade(POD_LINES.deleted, "DELETED");
    expect(await store([removal])).toMatchObject({ stored: 1 });
    const rows = await entriesOf("59f78c54");
    const last = rows.at(-1)!;
    expect(last).toMatchObject({ verb: "delete", details: { resourceVersionBefore: "9173", resourceVersionAfter: "9176" } });
    expect(last.snapshot).toMatchObject({ kind: "Pod", metadata: { name: "apiserver-5d887d5fcd-qnvqh", resourceVersion: "9176" } });
    const objects = await app!.context.db.query<{ deleted_at: Date | null }>(`SELECT deleted_at FROM objects WHERE uid LIKE '59f78c54%'`);
    expect(objects.rows.map((row) => row.deleted_at && new Date(row.deleted_at).toISOString())).toEqual([removal.endTime.toISOString()]);
    const after = await relations();
    expect(after.filter((r) => r.child === "apiserver-5d887d5fcd-qnvqh").every((r) => r.ended)).toBe(true);
    expect(after.filter((r) => r.child === "apiserver-5d887d5fcd").every((r) => !r.ended)).toBe(true);
  });

  it("stores an object gone while not watched with its last watched body, and ends its relations", async () => {
    await start();
    const versions = RS_LINES.map((line, i) => fromCascade(line, i === 0 ? "ADDED" : "MODIFIED"));
    await store(versions);
    const at = new Date("2021-09-13T15:10:00Z");
    expect(await store([gone(versions.at(-1)!, at)])).toMatchObject({ stored: 1, stale: 0 });
    const last = (await entriesOf(RS_UID)).at(-1)!;
    expect(last).toMatchObject({ verb: "delete", diff: null, details: { watchEvent: "GONE", resourceVersionBefore: "9143", resourceVersionAfter: "9143" } });
    expect(last.snapshot).toEqual(CASCADE[42]!.responseObject);
    const object = await app!.context.db.query<{ deleted_at: Date | null }>(`SELECT deleted_at FROM objects WHERE uid LIKE $1`, [`${RS_UID}%`]);
    expect(new Date(object.rows[0]!.deleted_at!).toISOString()).toBe(at.toISOString());
    const open = await app!.context.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM relations r JOIN objects o ON o.id = r.claimed_by_id WHERE o.uid LIKE $1 AND r.valid_to IS NULL`,
      [`${RS_UID}%`],
    );
    expect(open.rows[0]!.n).toBe(0);
  });

  it("marks an object gone when the relist that found it gone knew an older version than the one stored (another replica stored the newer), and stores a gone once deleted as stale", async () => {
    // A second Kubetrail replica stored the ReplicaSet's last versions; this one, its watch down,
    // knew it at its first: its relist no longer lists it.
    await start();
    const versions = RS_LINES.map((line, i) => fromCascade(line, i === 0 ? "ADDED" : "MODIFIED"));
    await store(versions);
    const at = new Date("2021-09-13T15:10:00Z");
    expect(await store([gone(versions[0]!, at)])).toMatchObject({ stored: 1, stale: 0 });
    const object = await app!.context.db.query<{ deleted_at: Date | null }>(`SELECT deleted_at FROM objects WHERE uid LIKE $1`, [`${RS_UID}%`]);
    expect(new Date(object.rows[0]!.deleted_at!).toISOString()).toBe(at.toISOString());
    expect((await entriesOf(RS_UID)).at(-1)).toMatchObject({ verb: "delete", details: { watchEvent: "GONE", resourceVersionBefore: "9143" }, snapshot: CASCADE[42]!.responseObject });
    // The other replica's relist finds it gone too, at another version: it is deleted already.
    expect(await store([gone(versions[1]!, new Date("2021-09-13T15:11:00Z"))])).toMatchObject({ stored: 0, stale: 1 });
    expect(await watchedState(RS_UID)).toEqual([{ resource_version: "9143", state: expect.any(String) }]);
  });

  it("keeps one row for an object watched before its audit writes come, which still make it the object", async () => {
    await start();
    // Pod apiserver-5d887d5fcd-mrn5h: its create and status patch as the watch saw them.
    // Three rows made: the Pod's, its owner ReplicaSet's and its Node's (ownerReferences, nodeName).
    expect(await store([fromCascade(43, "ADDED"), fromCascade(48, "MODIFIED")])).toMatchObject({ stored: 2, placeholders: 3 });
    expect((await app!.postAudit(eventList(CASCADE))).status).toBe(200);
    const rows = await app!.context.db.query<{ id: number; sources: string[]; has_state: boolean; deleted: boolean }>(
      `SELECT o.id, array_agg(DISTINCT h.source::text ORDER BY h.source::text) AS sources,
              EXISTS (SELECT 1 FROM object_states s WHERE s.object_id = o.id) AS has_state, o.deleted_at IS NOT NULL AS deleted
         FROM objects o JOIN history_entries h ON h.object_id = o.id WHERE o.uid LIKE '39535e5f%' GROUP BY o.id`,
    );
    expect(rows.rows).toEqual([{ id: expect.anything(), sources: ["audit", "watch"], has_state: true, deleted: true }]);
    const names = await app!.context.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM objects WHERE resource = 'pods' AND name = 'apiserver-5d887d5fcd-mrn5h'`);
    expect(names.rows[0]!.n).toBe(1);
    // The audit create's entry leads the row: its own create, not the watch's.
    const first = await app!.context.db.query<{ source: string; verb: string }>(
      `SELECT h.source::text AS source, h.verb FROM history_entries h JOIN objects o ON o.id = h.object_id WHERE o.uid LIKE '39535e5f%' ORDER BY h.start_time, h.id LIMIT 1`,
    );
    expect(first.rows[0]).toEqual({ source: "audit", verb: "create" });
  });

  it("keeps one row for an object watched before its Metadata-level create, which gives no uid", async () => {
    // The ReplicaSet's create and first status update, audited at Metadata level (no bodies, so
    // no uid): the create of its name finds the watch's row a placeholder, as it finds one that
    // only Events named, and makes it the object.
    await start();
    expect(await store([fromCascade(RS_LINES[0]!, "ADDED"), fromCascade(RS_LINES[1]!, "MODIFIED")])).toMatchObject({ stored: 2 });
    const metadataLevel = RS_LINES.slice(0, 2).map((line) => {
      const event = structuredClone(CASCADE[line]!);
      event.level = "Metadata";
      delete event.requestObject;
      delete event.responseObject;
      return event;
    });
    expect((await app!.postAudit(eventList(metadataLevel))).status).toBe(200);
    const rows = await app!.context.db.query<{ id: number; sources: string[]; deleted: boolean }>(
      `SELECT o.id, array_agg(h.source::text ORDER BY h.start_time, h.id) AS sources, o.deleted_at IS NOT NULL AS deleted
         FROM objects o JOIN history_entries h ON h.object_id = o.id WHERE o.resource = 'replicasets' AND o.name = 'apiserver-5d887d5fcd' GROUP BY o.id`,
    );
    expect(rows.rows).toEqual([{ id: expect.anything(), sources: ["audit", "watch", "audit", "watch"], deleted: false }]);
  });

  it("puts a re-created object (same name, new uid) seen by the watch before its audit create onto a row of its own, not onto the deleted one of its name that Metadata-level audit left without a uid", async () => {
    // The ReplicaSet's create audited at Metadata level (no body, so no uid on its row), then
    // watched, deleted (watched), and made again under its name with a new uid: the watch sees the
    // new object before the audit webhook's batch brings its create, as it usually does.
    await start();
    const metadataCreate = structuredClone(CASCADE[RS_LINES[0]!]!);
    metadataCreate.level = "Metadata";
    delete metadataCreate.requestObject;
    delete metadataCreate.responseObject;
    expect((await app!.postAudit(eventList([metadataCreate]))).status).toBe(200);
    const first = fromCascade(RS_LINES[0]!, "ADDED");
    const deletedBody = structuredClone(first.body as EditableObject);
    deletedBody.metadata.resourceVersion = "9200";
    const deletion = { ...watched(deletedBody, "DELETED", new Date(first.startTime.getTime() + 60_000)) };
    expect(await store([first, deletion])).toMatchObject({ stored: 2 });
    const again = structuredClone(first.body as EditableObject);
    again.metadata.uid = "a9b1c2d3-0000-4000-8000-000000000001";
    again.metadata.resourceVersion = "9300";
    again.metadata.creationTimestamp = new Date(first.startTime.getTime() + 120_000).toISOString().replace(/\.\d+Z$/, "Z");
    expect(await store([watched(again, "ADDED", new Date(first.startTime.getTime() + 121_000))])).toMatchObject({ stored: 1 });
    const rows = await app!.context.db.query<{ uid: string | null; deleted: boolean; rvs: string[] }>(
      `SELECT o.uid, o.deleted_at IS NOT NULL AS deleted, array_agg(h.details->>'resourceVersionAfter' ORDER BY h.start_time, h.id) FILTER (WHERE h.source = 'watch') AS rvs
         FROM objects o JOIN history_entries h ON h.object_id = o.id WHERE o.resource = 'replicasets' AND o.name = 'apiserver-5d887d5fcd' GROUP BY o.id ORDER BY min(h.start_time)`,
    );
    expect(rows.rows).toEqual([
      { uid: first.object.uid, deleted: true, rvs: ["9129", "9200"] },
      { uid: "a9b1c2d3-0000-4000-8000-000000000001", deleted: false, rvs: ["9300"] },
    ]);
    // The new object's first version is a first sight, not a diff from the deleted one.
    expect((await entriesOf("a9b1c2d3"))[0]).toMatchObject({ diff: null, snapshot: { metadata: { uid: "a9b1c2d3-0000-4000-8000-000000000001" } } });
    // The delete and the new create, audited at Metadata level, come after: each on its object.
    const at = (ms: number) => new Date(first.startTime.getTime() + ms).toISOString();
    const auditDelete = { ...structuredClone(metadataCreate), auditID: "f1e2d3c4-0000-4000-8000-000000000001", verb: "delete", requestReceivedTimestamp: at(59_000), stageTimestamp: at(59_500) };
    const auditCreate = { ...structuredClone(metadataCreate), auditID: "f1e2d3c4-0000-4000-8000-000000000002", requestReceivedTimestamp: at(119_000), stageTimestamp: at(120_000) };
    expect((await app!.postAudit(eventList([auditDelete, auditCreate]))).status).toBe(200);
    const audited = await app!.context.db.query<{ uid: string | null; verbs: string[] }>(
      `SELECT o.uid, array_agg(h.verb ORDER BY h.start_time, h.id) AS verbs FROM objects o JOIN history_entries h ON h.object_id = o.id
        WHERE o.resource = 'replicasets' AND o.name = 'apiserver-5d887d5fcd' AND h.source = 'audit' GROUP BY o.id ORDER BY min(h.start_time)`,
    );
    expect(audited.rows).toEqual([
      { uid: first.object.uid, verbs: ["create", "delete"] },
      { uid: "a9b1c2d3-0000-4000-8000-000000000001", verbs: ["create"] },
    ]);
  });

  it.each([
    ["seen on the row going only", false],
    ["the row of the uid having seen a newer one", true],
  ] as const)("keeps the last body the watch saw of an object whose row, made by Metadata-level writes, goes into the row of its uid: the next watched version is diffed from the newer (%s)", async (_, seenOnUidRow) => {
    // The cascade's Deployment `apiserver`, its create and its foreground delete audited at
    // Metadata level (no bodies, so no uid; the delete counts as done, change.ts). The watch,
    // started after that delete, lists it still there (its finalizer left): found by name on the
    // deleted row, which the watch gives no uid. A patch through extensions/v1beta1 (served beside
    // apps up to Kubernetes 1.15) gives its uid first, on a row of that name; the garbage
    // collector's Metadata-level update through apps, removing the finalizer, gives the uid to the
    // name of the deleted row: the same object, whose row goes into the one holding the uid
    // (MOVE_HISTORY_SQL), the watch's entry with it. Bodies derived from the real line 61 (the
    // Deployment's last status) with the deletion's fields, as the apiserver sets them. Where the
    // watch saw the patch's version too (`seenOnUidRow`), it found it by uid on the patch's row:
    // that row's watched body is the newer, and stays.
    await start();
    const metadataLevel = (line: number, changes: Partial<EditableObject> = {}) => {
      const event = { ...structuredClone(CASCADE[line]!), ...changes };
      event.level = "Metadata";
      delete event.requestObject;
      delete event.responseObject;
      return event;
    };
    const uid = CASCADE[0]!.responseObject.metadata.uid as string;
    const deleting = structuredClone(CASCADE[61]!.responseObject);
    Object.assign(deleting.metadata, { resourceVersion: "9170", deletionTimestamp: "2021-09-13T15:20:00Z", deletionGracePeriodSeconds: 0, finalizers: ["foregroundDeletion"] });
    expect((await app!.postAudit(eventList([metadataLevel(0), metadataLevel(72)]))).status).toBe(200);
    expect(await store([watched(deleting, "LISTED", new Date("2021-09-13T15:20:05Z"))])).toMatchObject({ stored: 1 });

    const annotated = structuredClone(deleting);
    annotated.apiVersion = "extensions/v1beta1";
    annotated.metadata.resourceVersion = "9171";
    annotated.metadata.annotations = { ...annotated.metadata.annotations, "example.com/drained": "true" };
    const patch = {
      ...structuredClone(CASCADE[61]!),
      auditID: "3c1d0b7e-0000-4000-8000-000000000001",
      verb: "patch",
      objectRef: { resource: "deployments", namespace: "openshift-apiserver", name: "apiserver", apiGroup: "extensions", apiVersion: "v1beta1" },
      requestURI: "/apis/extensions/v1beta1/namespaces/openshift-apiserver/deployments/apiserver",
      requestObject: { metadata: { annotations: { "example.com/drained": "true" } } },
      responseObject: annotated,
      requestReceivedTimestamp: "2021-09-13T15:20:10.000000Z",
      stageTimestamp: "2021-09-13T15:20:10.010000Z",
    };
    const released = metadataLevel(61, {
      auditID: "3c1d0b7e-0000-4000-8000-000000000002",
      verb: "update",
      objectRef: { resource: "deployments", namespace: "openshift-apiserver", name: "apiserver", uid, apiGroup: "apps", apiVersion: "v1" },
      requestURI: "/apis/apps/v1/namespaces/openshift-apiserver/deployments/apiserver",
      user: { username: "system:serviceaccount:kube-system:generic-garbage-collector", groups: ["system:serviceaccounts"] },
      requestReceivedTimestamp: "2021-09-13T15:20:20.000000Z",
      stageTimestamp: "2021-09-13T15:20:20.010000Z",
    });
    expect((await app!.postAudit(eventList([patch]))).status).toBe(200);
    if (seenOnUidRow) {
      const seen = structuredClone(annotated);
      seen.apiVersion = "apps/v1";
      expect(await store([watched(seen, "MODIFIED", new Date("2021-09-13T15:20:12Z"))])).toMatchObject({ stored: 1 });
    }
    expect((await app!.postAudit(eventList([released]))).status).toBe(200);
    const rows = await app!.context.db.query<{ uid: string | null }>(`SELECT uid FROM objects WHERE resource = 'deployments' AND name = 'apiserver'`);
    expect(rows.rows).toEqual([{ uid }]);

    const finalizerGone = structuredClone(annotated);
    finalizerGone.apiVersion = "apps/v1";
    finalizerGone.metadata.resourceVersion = "9172";
    delete finalizerGone.metadata.finalizers;
    expect(await store([watched(finalizerGone, "MODIFIED", new Date("2021-09-13T15:20:25Z"))])).toMatchObject({ stored: 1 });
    const entries = await entriesOf(uid);
    expect(entries.map((entry) => entry.details.resourceVersionAfter)).toEqual(seenOnUidRow ? ["9170", "9171", "9172"] : ["9170", "9172"]);
    const before = seenOnUidRow ? "9171" : "9170";
    expect(entries.at(-1)).toMatchObject({ snapshot: null, details: { resourceVersionBefore: before, resourceVersionAfter: "9172" } });
    // The finalizer's removal; and the annotation, where the version before is the one without it.
    const paths = (entries.at(-1)!.diff as Array<{ path: string }>).map((d) => d.path);
    expect(paths).toContain("metadata.finalizers");
    expect(paths.some((path) => path.startsWith("metadata.annotations"))).toBe(!seenOnUidRow);
  });

  it("puts a watched version onto the object its audit writes made", async () => {
    await start();
    expect((await app!.postAudit(eventList(CASCADE.slice(0, 45)))).status).toBe(200);
    expect(await store([fromCascade(48, "MODIFIED")])).toMatchObject({ stored: 1, placeholders: 0 });
    const rows = await app!.context.db.query<{ n: number }>(`SELECT count(DISTINCT o.id)::int AS n FROM objects o WHERE o.uid LIKE '39535e5f%'`);
    expect(rows.rows[0]!.n).toBe(1);
    // First sight for the watch (the audit writer's states are its own): a snapshot.
    expect((await entriesOf("39535e5f"))[0]!.snapshot).toMatchObject({ metadata: { resourceVersion: "9149" } });
  });

  it("rejects, one by one and saying why, the watch entries the store cannot hold, and stores the rest", async () => {
    await start();
    const good = fromCascade(RS_LINES[0]!, "ADDED");
    const huge = fromCascade(RS_LINES[1]!, "MODIFIED");
    (huge.body as EditableObject).metadata.annotations.padding = "x".repeat(MAX_WATCHED_BODY_BYTES);
    const noVersion = fromCascade(RS_LINES[2]!, "MODIFIED");
    delete (noVersion.body as EditableObject).metadata.resourceVersion;
    noVersion.details = { watchEvent: "MODIFIED" };
    const summary = await store([
      { ...fromCascade(RS_LINES[1]!, "MODIFIED"), object: { ...good.object, uid: null } },
      huge,
      { ...fromCascade(RS_LINES[2]!, "MODIFIED"), body: [] as never },
      noVersion,
      { ...fromCascade(RS_LINES[3]!, "MODIFIED"), body: null },
      { ...fromCascade(RS_LINES[3]!, "MODIFIED"), key: "other", object: { ...good.object, uid: "6f1c2b7e-0000-4000-8000-000000000000" } },
      { ...fromCascade(POD_LINES.added, "ADDED"), source: "event", body: undefined, deleted: true },
      good,
    ]);
    expect(summary.rejected.map((r) => [r.index, r.reason])).toEqual([
      [0, "object.uid: required for a watch entry"],
      [1, `body: larger than ${MAX_WATCHED_BODY_BYTES} bytes as JSON text`],
      [2, "body: not a JSON object"],
      [3, "details.resourceVersionAfter: required for a watch entry (or the body's metadata.resourceVersion)"],
      [4, "body: required for a watch entry that is not a deletion"],
      [5, "body.metadata.uid: not the entry's object.uid"],
      [6, 'deleted: only watch entries (source "watch") observe deletions'],
    ]);
    expect(summary).toMatchObject({ received: 8, stored: 1 });
    expect(await entriesOf(RS_UID)).toHaveLength(1);
  });
});

describe("watched history beside another writer of the object (postgres)", () => {
  let app: TestApp | null = null;
  afterEach(async () => {
    await app?.close();
    app = null;
  });

  it("reads an object's watched state only once no other transaction holds its row, so its diff starts from what that one left", async () => {
    app = await startTestApp("postgres");
    const db = app.context.db;
    const versions = RS_LINES.map((line, i) => fromCascade(line, i === 0 ? "ADDED" : "MODIFIED"));
    await app.context.observedHistoryIngestor.ingest("default", versions.slice(0, 1));
    // Another call holding the ReplicaSet's row, as storing a version takes it, and leaving 9139 as its state.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const other = db.transaction(async (tx) => {
      const row = await tx.query<{ id: number }>(`SELECT id FROM objects WHERE uid LIKE $1 FOR NO KEY UPDATE`, [`${RS_UID}%`]);
      await tx.query(`UPDATE watched_states SET resource_version = '9139', state = $2 WHERE object_id = $1`, [row.rows[0]!.id, JSON.stringify(CASCADE[38]!.responseObject)]);
      locked();
      await held;
    });
    await isLocked;
    const storing = app.context.observedHistoryIngestor.ingest("default", [versions[3]!]);
    // Until the store waits for the row (a lock wait Postgres reports), then the other commits.
    for (;;) {
      const waiting = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
      if (waiting.rows[0]!.n > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    release();
    await other;
    expect(await storing).toMatchObject({ stored: 1 });
    const rows = await db.query<{ details: JsonObject; diff: Array<{ path: string }> }>(
      `SELECT h.details, h.diff FROM history_entries h JOIN objects o ON o.id = h.object_id WHERE o.uid LIKE $1 AND h.source = 'watch' ORDER BY h.id DESC LIMIT 1`,
      [`${RS_UID}%`],
    );
    expect(rows.rows[0]!.details).toMatchObject({ resourceVersionBefore: "9139", resourceVersionAfter: "9143" });
  });
});
