import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STORE_KINDS, openTestDatabase, type TestDatabase } from "../../testing/databases";
import { TEST_CONVERT_OPTIONS } from "../../testing/convertOptions";
import { falcoEvents, type EditableObject } from "../../testing/fixtures";
import { podConfigMapsRulesYaml } from "../../testing/linkers";
import { BUILTIN_LINKERS } from "../../model/links/builtin";
import { parseLinkRules } from "../../model/links/rules";
import { createAuditIngestor } from "./ingest";
import { createObservedHistoryIngestor } from "../sources/observedHistoryIngestor";
import { watched } from "../../testing/scenarios/watchedCascadeEntries";

/*
 * A row made by writes that gave no uid (Metadata level: a create, a patch, a delete) when a later
 * write gives its object's uid. Every event is the real falco ConfigMap create
 * (`create_configmap.json`, RequestResponse, default/my-config, created 13:13:03) or delete
 * (`delete_configmap.json`), changed as the other writes of that name would be, or recorded at
 * Metadata level as the apiserver records it there: no bodies, and no uid in objectRef but an
 * update's (the request body's).
 */

const UID_1 = "ded3abb9-d920-11e8-a2e6-080027728ac4"; // the recorded one
const UID_2 = "0e5d1c3a-d921-11e8-a2e6-080027728ac4";
const at = (second: number) => `2018-10-26T13:13:${String(second).padStart(2, "0")}.000000Z`;
const done = (second: number) => `2018-10-26T13:13:${String(second).padStart(2, "0")}.005000Z`;
/** As kube-apiserver stamps an object created in `second`: whole seconds. */
const createdIn = (second: number) => `2018-10-26T13:13:${String(second).padStart(2, "0")}Z`;

type Level = "Metadata" | "RequestResponse";

/** A write of the ConfigMap at `second`: its body (at RequestResponse) that of the object `uid` created in `created`. */
function configMapWrite(auditId: string, second: number, fields: { verb: "create" | "update" | "patch"; level: Level; uid?: string; created?: number; rv?: string }): EditableObject {
  const [event] = falcoEvents("create_configmap.json");
  event!.auditID = auditId;
  event!.verb = fields.verb;
  event!.level = fields.level;
  event!.requestReceivedTimestamp = at(second);
  event!.stageTimestamp = done(second);
  delete event!.objectRef.uid;
  if (fields.verb !== "create") {
    event!.requestURI = "/api/v1/namespaces/default/configmaps/my-config";
    event!.responseStatus = { code: 200, metadata: {} };
  }
  const body = event!.responseObject;
  body.metadata.uid = fields.uid;
  body.metadata.creationTimestamp = createdIn(fields.created ?? second);
  body.metadata.resourceVersion = fields.rv ?? String(265142 + second);
  body.data = { "ui.properties": `written at ${second}` };
  event!.requestObject = structuredClone(body);
  if (fields.level === "Metadata") {
    delete event!.requestObject;
    delete event!.responseObject;
    // The apiserver copies an update's request body's uid into objectRef; a patch's or a create's tells none.
    if (fields.verb === "update" && fields.uid) event!.objectRef.uid = fields.uid;
  }
  return event!;
}

/** The ConfigMap's delete at Metadata level: no Status, so no uid. */
function configMapDelete(auditId: string, second: number): EditableObject {
  const [event] = falcoEvents("delete_configmap.json");
  event!.auditID = auditId;
  event!.level = "Metadata";
  event!.requestReceivedTimestamp = at(second);
  event!.stageTimestamp = done(second);
  delete event!.requestObject;
  delete event!.responseObject;
  return event!;
}

/** The README's example rule: a Pod's configMap volumes name their ConfigMaps. */
const POD_CONFIGMAPS = parseLinkRules(podConfigMapsRulesYaml(false), "pod-configmaps.yaml").linkers;

/** The real Pod of falco's create_nginx_pod_unprivileged.json (default), updated at `second` with my-config mounted. */
function podMountingConfigMap(auditId: string, second: number): EditableObject {
  const [event] = falcoEvents("create_nginx_pod_unprivileged.json");
  const body = event!.responseObject;
  body.spec.volumes = [{ name: "config", configMap: { name: "my-config" } }];
  body.metadata.resourceVersion = String(265142 + second);
  return {
    ...event,
    auditID: auditId,
    verb: "update",
    requestURI: `/api/v1/namespaces/default/pods/${body.metadata.name}`,
    objectRef: { ...event!.objectRef, name: body.metadata.name },
    responseStatus: { code: 200, metadata: {} },
    requestObject: structuredClone(body),
    responseObject: body,
    requestReceivedTimestamp: at(second),
    stageTimestamp: done(second),
  };
}

/** The Pod of podMountingConfigMap created at `second`, recorded at Metadata level: no body, no uid. */
function podCreatedAtMetadata(auditId: string, second: number): EditableObject {
  const event = podMountingConfigMap(auditId, second);
  event.verb = "create";
  event.level = "Metadata";
  event.requestURI = "/api/v1/namespaces/default/pods";
  event.responseStatus = { code: 201, metadata: {} };
  delete event.objectRef.uid;
  delete event.requestObject;
  delete event.responseObject;
  return event;
}

/** Stores each batch in turn through one ingestor, every event accepted. */
async function storeBatches(db: TestDatabase["db"], cluster: string, batches: EditableObject[][]) {
  const ingestor = createAuditIngestor(db, TEST_CONVERT_OPTIONS, {}, [...BUILTIN_LINKERS, ...POD_CONFIGMAPS]);
  for (const batch of batches) expect(await ingestor.ingest(cluster, batch)).toMatchObject({ accepted: batch.length, rejected: [] });
}

/** The cluster's ConfigMap rows, oldest first: uid, lifetime and the auditIDs of their history. */
async function configMapRowsOf(db: TestDatabase["db"], cluster: string) {
  const rows = await db.query<{ uid: string | null; first_seen: Date; last_seen: Date; deleted_at: Date | null; entries: string[] }>(
    `SELECT o.uid, o.first_seen, o.last_seen, o.deleted_at,
            ARRAY(SELECT h.audit_id FROM history_entries h WHERE h.object_id = o.id ORDER BY h.start_time) AS entries
       FROM objects o JOIN clusters c ON c.id = o.cluster_id
      WHERE c.name = $1 AND o.resource = 'configmaps' ORDER BY o.first_seen, o.id`,
    [cluster],
  );
  return rows.rows.map((o) => ({
    uid: o.uid,
    firstSeen: new Date(o.first_seen).toISOString(),
    lastSeen: new Date(o.last_seen).toISOString(),
    deletedAt: o.deleted_at && new Date(o.deleted_at).toISOString(),
    entries: o.entries,
  }));
}

/** The cluster's Pod-mounts-ConfigMap relations: the ConfigMap row's uid and when each held. */
async function mountsOf(db: TestDatabase["db"], cluster: string) {
  const rows = await db.query<{ uid: string | null; valid_from: Date; valid_to: Date | null }>(
    `SELECT o.uid, r.valid_from, r.valid_to FROM relations r JOIN objects o ON o.id = r.from_object_id JOIN clusters c ON c.id = r.cluster_id
      WHERE c.name = $1 AND r.kind = 'mounts-configmap'`,
    [cluster],
  );
  return rows.rows.map((r) => ({ uid: r.uid, validFrom: new Date(r.valid_from).toISOString(), validTo: r.valid_to }));
}

describe.each(STORE_KINDS)("a row made by writes that gave no uid, when its uid arrives, on %s", (kind) => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await openTestDatabase(kind);
  });
  afterAll(() => test.dispose());

  const store = (cluster: string, ...batches: EditableObject[][]) => storeBatches(test.db, cluster, batches);
  const objectsOf = (cluster: string) => configMapRowsOf(test.db, cluster);
  const mounts = (cluster: string) => mountsOf(test.db, cluster);

  it("gives the uid of an update that arrives after the delete to the row its Metadata-level create, patch and delete made", async () => {
    const writes = {
      create: configMapWrite("a-create", 3, { verb: "create", level: "Metadata" }),
      patch: configMapWrite("a-patch", 5, { verb: "patch", level: "Metadata" }),
      update: configMapWrite("a-update", 7, { verb: "update", level: "RequestResponse", uid: UID_1, created: 3 }),
      remove: configMapDelete("a-delete", 10),
    };
    await store("late-update", [writes.create], [writes.patch], [writes.remove], [writes.update]);
    await store("in-order", [writes.create], [writes.patch], [writes.update], [writes.remove]);
    const one = [{ uid: UID_1, firstSeen: "2018-10-26T13:13:03.000Z", lastSeen: "2018-10-26T13:13:10.005Z", deletedAt: "2018-10-26T13:13:10.005Z", entries: ["a-create", "a-patch", "a-update", "a-delete"] }];
    expect(await objectsOf("in-order")).toEqual(one);
    expect(await objectsOf("late-update")).toEqual(one);
  });

  it("gives the uid of a Metadata-level update after a Metadata-level delete (the finalizer's removal) to the row the delete ended", async () => {
    // At Metadata level a delete that leaves finalizers counts as done (change.ts); the update
    // that removes the last one names the uid in objectRef, and tells no creation time.
    const writes = [
      configMapWrite("f-create", 3, { verb: "create", level: "Metadata" }),
      configMapDelete("f-delete", 10),
      configMapWrite("f-update", 12, { verb: "update", level: "Metadata", uid: UID_1 }),
    ];
    await store("finalizer", ...writes.map((write) => [write]));
    // An import sends them in one batch.
    await store("finalizer-one-batch", writes);
    const one = [{ uid: UID_1, firstSeen: "2018-10-26T13:13:03.000Z", lastSeen: "2018-10-26T13:13:12.005Z", deletedAt: "2018-10-26T13:13:10.005Z", entries: ["f-create", "f-delete", "f-update"] }];
    expect(await objectsOf("finalizer")).toEqual(one);
    expect(await objectsOf("finalizer-one-batch")).toEqual(one);
  });

  it("keeps the row of an earlier object apart from a write of a later one, by its creation time, and gives the later one the entries made since", async () => {
    // The old my-config, patched at 5 and deleted at 10; the new one, created at 21 with UID_2,
    // patched at 25 and updated at 27. The old object's delete and the new one's create arrive last.
    const writes = {
      oldPatch: configMapWrite("e-old-patch", 5, { verb: "patch", level: "Metadata" }),
      oldDelete: configMapDelete("e-old-delete", 10),
      create: configMapWrite("e-create", 21, { verb: "create", level: "Metadata" }),
      patch: configMapWrite("e-patch", 25, { verb: "patch", level: "Metadata" }),
      update: configMapWrite("e-update", 27, { verb: "update", level: "RequestResponse", uid: UID_2, created: 21 }),
    };
    await store("creation-late", [writes.oldPatch], [writes.patch], [writes.update]);
    await store("creation-late-one-batch", [writes.oldPatch, writes.patch, writes.update]);
    const apart = [
      // Gone by the new object's creation, whose second is all the body tells.
      { uid: null, firstSeen: "2018-10-26T13:13:05.000Z", lastSeen: "2018-10-26T13:13:05.005Z", deletedAt: "2018-10-26T13:13:21.000Z", entries: ["e-old-patch"] },
      { uid: UID_2, firstSeen: "2018-10-26T13:13:25.000Z", lastSeen: "2018-10-26T13:13:27.005Z", deletedAt: null, entries: ["e-patch", "e-update"] },
    ];
    expect(await objectsOf("creation-late")).toEqual(apart);
    expect(await objectsOf("creation-late-one-batch")).toEqual(apart);
    await store("creation-late", [writes.oldDelete], [writes.create]);
    await store("creation-in-order", [writes.oldPatch], [writes.oldDelete], [writes.create], [writes.patch], [writes.update]);
    const both = [
      { uid: null, firstSeen: "2018-10-26T13:13:05.000Z", lastSeen: "2018-10-26T13:13:10.005Z", deletedAt: "2018-10-26T13:13:10.005Z", entries: ["e-old-patch", "e-old-delete"] },
      { uid: UID_2, firstSeen: "2018-10-26T13:13:21.000Z", lastSeen: "2018-10-26T13:13:27.005Z", deletedAt: null, entries: ["e-create", "e-patch", "e-update"] },
    ];
    expect(await objectsOf("creation-in-order")).toEqual(both);
    expect(await objectsOf("creation-late")).toEqual(both);
  });

  it("takes a dry-run create before the object's create for no earlier object", async () => {
    // `kubectl apply --dry-run=server` asks at 15 whether my-config can be created (201, nothing
    // made); it is, at 21, with UID_2. The dry run reaches the name's row after the create.
    const dryRun = configMapWrite("d-dry-run", 15, { verb: "create", level: "Metadata" });
    dryRun.requestURI += "?dryRun=All";
    const writes = {
      create: configMapWrite("d-create", 21, { verb: "create", level: "Metadata" }),
      patch: configMapWrite("d-patch", 25, { verb: "patch", level: "Metadata" }),
      update: configMapWrite("d-update", 27, { verb: "update", level: "RequestResponse", uid: UID_2, created: 21 }),
    };
    await store("dry-run-late", [writes.create], [dryRun], [writes.patch], [writes.update]);
    await store("dry-run-late-one-batch", [writes.create], [dryRun, writes.patch, writes.update]);
    const one = [{ uid: UID_2, firstSeen: "2018-10-26T13:13:15.000Z", lastSeen: "2018-10-26T13:13:27.005Z", deletedAt: null, entries: ["d-dry-run", "d-create", "d-patch", "d-update"] }];
    expect(await objectsOf("dry-run-late")).toEqual(one);
    expect(await objectsOf("dry-run-late-one-batch")).toEqual(one);
  });

  it("gives the later object the relations that named the earlier one's row since its creation", async () => {
    // As above; a Pod mounts my-config at 24, after the new object's creation: its relation names
    // the row of the name, which is then the earlier object's.
    const writes = {
      oldPatch: configMapWrite("r-old-patch", 5, { verb: "patch", level: "Metadata" }),
      oldDelete: configMapDelete("r-old-delete", 10),
      create: configMapWrite("r-create", 21, { verb: "create", level: "Metadata" }),
      pod: podMountingConfigMap("r-pod", 24),
      update: configMapWrite("r-update", 27, { verb: "update", level: "RequestResponse", uid: UID_2, created: 21 }),
    };
    await store("relation-late", [writes.oldPatch], [writes.pod], [writes.update], [writes.oldDelete], [writes.create]);
    await store("relation-in-order", [writes.oldPatch], [writes.oldDelete], [writes.create], [writes.pod], [writes.update]);
    expect(await mounts("relation-in-order")).toEqual([{ uid: UID_2, validFrom: "2018-10-26T13:13:24.005Z", validTo: null }]);
    expect(await mounts("relation-late")).toEqual(await mounts("relation-in-order"));
    expect((await objectsOf("relation-late")).map((o) => o.uid)).toEqual([null, UID_2]);
  });

  it.each([
    ["deleted at Metadata level", true],
    ["whose delete was not seen", false],
  ])("gives the uid back to an object created at RequestResponse level after the row of an earlier one, %s, took it from a Metadata-level update arriving first", async (_label, deleted) => {
    // The old my-config, created at 3 and (or not) deleted at 10, all at Metadata level; the new one
    // created at 21 with UID_2 (the create's response tells it), updated at 27 (objectRef gives
    // the uid, no creation time) and patched at 29. The update arrives before the create: the old
    // row takes UID_2 (the same object, deleted or not, as far as it can tell). The create, whose
    // object began after the old row's entries ended, gets its own row and the entries since it began.
    const tag = deleted ? "g" : "h";
    const writes = {
      oldCreate: configMapWrite(`${tag}-old-create`, 3, { verb: "create", level: "Metadata" }),
      oldDelete: configMapDelete(`${tag}-old-delete`, 10),
      create: configMapWrite(`${tag}-create`, 21, { verb: "create", level: "RequestResponse", uid: UID_2 }),
      update: configMapWrite(`${tag}-update`, 27, { verb: "update", level: "Metadata", uid: UID_2 }),
      patch: configMapWrite(`${tag}-patch`, 29, { verb: "patch", level: "Metadata" }),
    };
    const old = deleted ? [[writes.oldCreate], [writes.oldDelete]] : [[writes.oldCreate]];
    await store(`retaken-in-order-${tag}`, ...old, [writes.create], [writes.update], [writes.patch]);
    await store(`retaken-late-${tag}`, ...old, [writes.update], [writes.create], [writes.patch]);
    await store(`retaken-late-patch-${tag}`, ...old, [writes.update], [writes.patch], [writes.create]);
    await store(`retaken-late-one-batch-${tag}`, ...old, [writes.update], [writes.create, writes.patch]);
    const apart = [
      deleted
        ? { uid: null, firstSeen: "2018-10-26T13:13:03.000Z", lastSeen: "2018-10-26T13:13:10.005Z", deletedAt: "2018-10-26T13:13:10.005Z", entries: [`${tag}-old-create`, `${tag}-old-delete`] }
        : { uid: null, firstSeen: "2018-10-26T13:13:03.000Z", lastSeen: "2018-10-26T13:13:03.005Z", deletedAt: "2018-10-26T13:13:21.000Z", entries: [`${tag}-old-create`] },
      { uid: UID_2, firstSeen: "2018-10-26T13:13:21.000Z", lastSeen: "2018-10-26T13:13:29.005Z", deletedAt: null, entries: [`${tag}-create`, `${tag}-update`, `${tag}-patch`] },
    ];
    expect(await objectsOf(`retaken-in-order-${tag}`)).toEqual(apart);
    expect(await objectsOf(`retaken-late-${tag}`)).toEqual(apart);
    expect(await objectsOf(`retaken-late-patch-${tag}`)).toEqual(apart);
    expect(await objectsOf(`retaken-late-one-batch-${tag}`)).toEqual(apart);
  });

  it("asks the history of a row whose entries hold text that Postgres's JSON functions refuse", async () => {
    // An audit annotation holding a lone surrogate (an edited log, or one cut mid-character) is
    // kept as JSON.stringify writes it, `\ud800`, which Postgres's json operators refuse to read:
    // the question to the row must not read the entries' details as JSON, or the batch fails
    // every time it is sent.
    const patch = configMapWrite("s-patch", 5, { verb: "patch", level: "Metadata" });
    patch.annotations = { "example.com/note": "cut \ud800" };
    const update = configMapWrite("s-update", 7, { verb: "update", level: "RequestResponse", uid: UID_1, created: 3 });
    await store("lone-surrogate", [patch], [update]);
    expect(await objectsOf("lone-surrogate")).toEqual([
      { uid: UID_1, firstSeen: "2018-10-26T13:13:05.000Z", lastSeen: "2018-10-26T13:13:07.005Z", deletedAt: null, entries: ["s-patch", "s-update"] },
    ]);
  });

  it("keeps a late write of an earlier object off the row of a later one that its create made", async () => {
    // UID_1's update at 7 arrives after the Metadata-level create of the next my-config at 21.
    const writes = {
      update: configMapWrite("l-update", 7, { verb: "update", level: "RequestResponse", uid: UID_1, created: 3 }),
      create: configMapWrite("l-create", 21, { verb: "create", level: "Metadata" }),
    };
    await store("earlier-late", [writes.create], [writes.update]);
    await store("earlier-in-order", [writes.update], [writes.create]);
    const apart = [
      // Gone by the next create, which found the name free.
      { uid: UID_1, firstSeen: "2018-10-26T13:13:07.000Z", lastSeen: "2018-10-26T13:13:07.005Z", deletedAt: "2018-10-26T13:13:21.000Z", entries: ["l-update"] },
      { uid: null, firstSeen: "2018-10-26T13:13:21.000Z", lastSeen: "2018-10-26T13:13:21.005Z", deletedAt: null, entries: ["l-create"] },
    ];
    expect(await objectsOf("earlier-in-order")).toEqual(apart);
    expect(await objectsOf("earlier-late")).toEqual(apart);
  });
  it("gives a late write of an earlier object what the later object's row held from before its create", async () => {
    // As above, with the earlier object's Metadata-level patch at 5, a Pod mounting my-config at 6
    // and the earlier object's delete at 10, stored after the next my-config's create at 21: they
    // reached its row, and are the earlier object's, whose update at 7 gives UID_1.
    const writes = {
      patch: configMapWrite("k-patch", 5, { verb: "patch", level: "Metadata" }),
      pod: podMountingConfigMap("k-pod", 6),
      update: configMapWrite("k-update", 7, { verb: "update", level: "RequestResponse", uid: UID_1, created: 3 }),
      remove: configMapDelete("k-delete", 10),
      create: configMapWrite("k-create", 21, { verb: "create", level: "Metadata" }),
    };
    await store("later-in-order", [writes.patch], [writes.pod], [writes.update], [writes.remove], [writes.create]);
    await store("later-created-first", [writes.create], [writes.patch], [writes.pod], [writes.remove], [writes.update]);
    await store("later-created-first-one-batch", [writes.create], [writes.patch, writes.update]);
    const later = { uid: null, firstSeen: "2018-10-26T13:13:21.000Z", lastSeen: "2018-10-26T13:13:21.005Z", deletedAt: null, entries: ["k-create"] };
    const apart = [
      { uid: UID_1, firstSeen: "2018-10-26T13:13:05.000Z", lastSeen: "2018-10-26T13:13:10.005Z", deletedAt: "2018-10-26T13:13:10.005Z", entries: ["k-patch", "k-update", "k-delete"] },
      later,
    ];
    expect(await objectsOf("later-in-order")).toEqual(apart);
    expect(await objectsOf("later-created-first")).toEqual(apart);
    expect(await objectsOf("later-created-first-one-batch")).toEqual([
      { uid: UID_1, firstSeen: "2018-10-26T13:13:05.000Z", lastSeen: "2018-10-26T13:13:07.005Z", deletedAt: "2018-10-26T13:13:21.000Z", entries: ["k-patch", "k-update"] },
      later,
    ]);
    expect(await mounts("later-in-order")).toEqual([{ uid: UID_1, validFrom: "2018-10-26T13:13:06.005Z", validTo: null }]);
    expect(await mounts("later-created-first")).toEqual(await mounts("later-in-order"));
  });

  it("gives a late write of an earlier object the watch entries of its uid that the later object's row held, and leaves the later object's", async () => {
    // As above, the earlier my-config (UID_1, created at 3) deleted at 20 and the next one created
    // at 21 (Metadata level: neither its create nor the delete gives a uid); the earlier one's
    // update at 7, which gives UID_1, arrives last. Meanwhile a watch catching up stores, in one
    // call, the earlier my-config made (3.050) and removed (21.050, after the next create began)
    // and the next one made (21.060): all found by name on the later object's row, which takes
    // neither uid. The bodies are the real ConfigMap's, as configMapWrite's responses.
    const writes = {
      patch: configMapWrite("wl-patch", 5, { verb: "patch", level: "Metadata" }),
      update: configMapWrite("wl-update", 7, { verb: "update", level: "RequestResponse", uid: UID_1, created: 3 }),
      remove: configMapDelete("wl-delete", 20),
      create: configMapWrite("wl-create", 21, { verb: "create", level: "Metadata" }),
    };
    const configMap = (uid: string, created: number, rv: string, type: "ADDED" | "DELETED", seen: string) => {
      const entry = watched(configMapWrite("watched", created, { verb: "create", level: "RequestResponse", uid, created, rv }).responseObject, type, new Date(seen));
      return { ...entry, object: { ...entry.object, resource: "configmaps" } };
    };
    const watch = createObservedHistoryIngestor(test.db, {}, { sensitive: TEST_CONVERT_OPTIONS.sensitive, fingerprint: TEST_CONVERT_OPTIONS.fingerprint, linkers: BUILTIN_LINKERS });
    await store("watched-later", [writes.create], [writes.patch], [writes.remove]);
    const call = [
      configMap(UID_1, 3, "265145", "ADDED", "2018-10-26T13:13:03.050Z"),
      configMap(UID_1, 3, "265162", "DELETED", "2018-10-26T13:13:21.050Z"),
      configMap(UID_2, 21, "265163", "ADDED", "2018-10-26T13:13:21.060Z"),
    ];
    expect(await watch.ingest("watched-later", call)).toMatchObject({ stored: 3, rejected: [] });
    await store("watched-later", [writes.update]);
    const rows = await test.db.query<{ uid: string | null; audit: string[]; watch: string[]; watched: string | null }>(
      `SELECT o.uid,
              ARRAY(SELECT h.audit_id FROM history_entries h WHERE h.object_id = o.id AND h.source = 'audit' ORDER BY h.start_time) AS audit,
              ARRAY(SELECT (h.details->>'watchEvent') || ' ' || (h.snapshot->'metadata'->>'uid') FROM history_entries h WHERE h.object_id = o.id AND h.source = 'watch' ORDER BY h.start_time) AS watch,
              (SELECT w.state::json->'metadata'->>'uid' FROM watched_states w WHERE w.object_id = o.id) AS watched
         FROM objects o JOIN clusters c ON c.id = o.cluster_id
        WHERE c.name = 'watched-later' AND o.resource = 'configmaps' ORDER BY o.first_seen, o.id`,
    );
    // The earlier my-config's row holds UID_1: what the watch saw of it is there, its removal too,
    // though seen after the next create began. The later row keeps the next one's, and its body.
    expect(rows.rows).toEqual([
      { uid: UID_1, audit: ["wl-patch", "wl-update", "wl-delete"], watch: [`ADDED ${UID_1}`, `DELETED ${UID_1}`], watched: null },
      { uid: null, audit: ["wl-create"], watch: [`ADDED ${UID_2}`], watched: UID_2 },
    ]);
  });
});

/*
 * A create at Metadata level gives no uid: it arrives after writes of its name that began later
 * (separate webhook batches, log files imported in any order) and must still end where it would
 * have in order, on its object's row, or on a row of its own when those writes were a later
 * object's. The same falco ConfigMap as above.
 */
describe.each(STORE_KINDS)("a Metadata-level create that arrives after later writes of its name, on %s", (kind) => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await openTestDatabase(kind);
  });
  afterAll(() => test.dispose());

  const store = (cluster: string, ...batches: EditableObject[][]) => storeBatches(test.db, cluster, batches);
  const objectsOf = (cluster: string) => configMapRowsOf(test.db, cluster);
  const mounts = (cluster: string) => mountsOf(test.db, cluster);

  /** Stores the writes in each arrival order (batches) into a cluster of its own, and expects each to end as `expected`. */
  async function expectEveryOrder(tag: string, orders: Record<string, EditableObject[][]>, expected: Awaited<ReturnType<typeof objectsOf>>) {
    for (const [order, batches] of Object.entries(orders)) await store(`${tag}-${order}`, ...batches);
    for (const order of Object.keys(orders)) expect({ order, rows: await objectsOf(`${tag}-${order}`) }).toEqual({ order, rows: expected });
  }

  it.each([
    ["RequestResponse-level update (its body telling the creation)", "RequestResponse"],
    ["Metadata-level update (its objectRef giving the uid)", "Metadata"],
  ] as const)("goes to the row its object's %s and delete made, past the next object's row", async (_label, level) => {
    // my-config created at 3 (Metadata), updated at 7 giving UID_1, deleted at 10; the next
    // my-config created at 21 (Metadata). The first create arrives last: the name's latest row is
    // the next object's, which holds a create of its own; the row before it, which began after
    // the first create and holds none, is the first create's object.
    const tag = level === "Metadata" ? "m" : "rr";
    const writes = {
      create: configMapWrite(`${tag}-create`, 3, { verb: "create", level: "Metadata" }),
      update: configMapWrite(`${tag}-update`, 7, { verb: "update", level, uid: UID_1, created: 3 }),
      remove: configMapDelete(`${tag}-delete`, 10),
      next: configMapWrite(`${tag}-next-create`, 21, { verb: "create", level: "Metadata" }),
    };
    await expectEveryOrder(
      `past-next-${tag}`,
      {
        "in-order": [[writes.create], [writes.update], [writes.remove], [writes.next]],
        "create-last": [[writes.update], [writes.remove], [writes.next], [writes.create]],
        "create-last-one-batch": [[writes.update], [writes.remove, writes.next, writes.create]],
        "next-first": [[writes.next], [writes.update, writes.remove, writes.create]],
      },
      [
        { uid: UID_1, firstSeen: "2018-10-26T13:13:03.000Z", lastSeen: "2018-10-26T13:13:10.005Z", deletedAt: "2018-10-26T13:13:10.005Z", entries: [`${tag}-create`, `${tag}-update`, `${tag}-delete`] },
        { uid: null, firstSeen: "2018-10-26T13:13:21.000Z", lastSeen: "2018-10-26T13:13:21.005Z", deletedAt: null, entries: [`${tag}-next-create`] },
      ],
    );
  });

  it.each([
    ["deleted at Metadata level", true],
    ["whose delete was not seen", false],
  ])("takes the uid back from the row of an earlier object, %s, that took it from its object's Metadata-level update arriving first", async (_label, deleted) => {
    // The old my-config, created at 3 and (or not) deleted at 10, at Metadata level; the new one
    // created at 21 at Metadata level (no uid) and updated at 27, whose objectRef gives UID_2 but
    // no creation time. The update arrives before the create: the old row takes UID_2 (the same
    // object, deleted or not, as far as it can tell), given by a write that began after the
    // create began. The create, arriving, gives no uid, but the name was free when it began: the
    // row's uid and what it holds since then are the create's object's.
    const tag = deleted ? "b" : "c";
    const writes = {
      oldCreate: configMapWrite(`${tag}-old-create`, 3, { verb: "create", level: "Metadata" }),
      oldDelete: configMapDelete(`${tag}-old-delete`, 10),
      create: configMapWrite(`${tag}-create`, 21, { verb: "create", level: "Metadata" }),
      update: configMapWrite(`${tag}-update`, 27, { verb: "update", level: "Metadata", uid: UID_2 }),
    };
    const old = deleted ? [writes.oldCreate, writes.oldDelete] : [writes.oldCreate];
    await expectEveryOrder(
      `uid-back-${tag}`,
      {
        "in-order": [...old.map((w) => [w]), [writes.create], [writes.update]],
        "update-first": [...old.map((w) => [w]), [writes.update], [writes.create]],
        "update-first-one-batch": [...old.map((w) => [w]), [writes.update, writes.create]],
        "update-before-all": [[writes.update], ...old.map((w) => [w]), [writes.create]],
      },
      [
        deleted
          ? { uid: null, firstSeen: "2018-10-26T13:13:03.000Z", lastSeen: "2018-10-26T13:13:10.005Z", deletedAt: "2018-10-26T13:13:10.005Z", entries: [`${tag}-old-create`, `${tag}-old-delete`] }
          : { uid: null, firstSeen: "2018-10-26T13:13:03.000Z", lastSeen: "2018-10-26T13:13:03.005Z", deletedAt: "2018-10-26T13:13:21.000Z", entries: [`${tag}-old-create`] },
        { uid: UID_2, firstSeen: "2018-10-26T13:13:21.000Z", lastSeen: "2018-10-26T13:13:27.005Z", deletedAt: null, entries: [`${tag}-create`, `${tag}-update`] },
      ],
    );
  });

  it("moves the relations that named the earlier object's row since the create began to the create's row, with the uid", async () => {
    // As above, deleted; a Pod mounts my-config at 24, after the new object's create, and is
    // stored before it: its relation names the row of the name, the old one holding UID_2.
    const writes = {
      oldCreate: configMapWrite("p-old-create", 3, { verb: "create", level: "Metadata" }),
      oldDelete: configMapDelete("p-old-delete", 10),
      create: configMapWrite("p-create", 21, { verb: "create", level: "Metadata" }),
      pod: podMountingConfigMap("p-pod", 24),
      update: configMapWrite("p-update", 27, { verb: "update", level: "Metadata", uid: UID_2 }),
    };
    await store("mount-in-order", [writes.oldCreate], [writes.oldDelete], [writes.create], [writes.pod], [writes.update]);
    await store("mount-create-last", [writes.oldCreate], [writes.oldDelete], [writes.update], [writes.pod], [writes.create]);
    const mounts = async (cluster: string) =>
      (
        await test.db.query<{ uid: string | null; valid_from: Date; valid_to: Date | null }>(
          `SELECT o.uid, r.valid_from, r.valid_to FROM relations r JOIN objects o ON o.id = r.from_object_id JOIN clusters c ON c.id = r.cluster_id
            WHERE c.name = $1 AND r.kind = 'mounts-configmap'`,
          [cluster],
        )
      ).rows.map((r) => ({ uid: r.uid, validFrom: new Date(r.valid_from).toISOString(), validTo: r.valid_to }));
    expect(await mounts("mount-in-order")).toEqual([{ uid: UID_2, validFrom: "2018-10-26T13:13:24.005Z", validTo: null }]);
    expect(await mounts("mount-create-last")).toEqual(await mounts("mount-in-order"));
    expect(await objectsOf("mount-create-last")).toEqual(await objectsOf("mount-in-order"));
  });

  it("keeps the uid on the row of the object whose write gave it before the create began", async () => {
    // my-config updated at 7 with UID_1 (Metadata: no creation time), its delete not seen; the next
    // my-config created at 21 at Metadata level. The create arrives last: the uid was given before
    // it began, so is the earlier object's, which the create ends.
    const writes = {
      update: configMapWrite("n-update", 7, { verb: "update", level: "Metadata", uid: UID_1 }),
      create: configMapWrite("n-create", 21, { verb: "create", level: "Metadata" }),
    };
    await expectEveryOrder("uid-kept", { "in-order": [[writes.update], [writes.create]], "one-batch": [[writes.update, writes.create]] }, [
      { uid: UID_1, firstSeen: "2018-10-26T13:13:07.000Z", lastSeen: "2018-10-26T13:13:07.005Z", deletedAt: "2018-10-26T13:13:21.000Z", entries: ["n-update"] },
      { uid: null, firstSeen: "2018-10-26T13:13:21.000Z", lastSeen: "2018-10-26T13:13:21.005Z", deletedAt: null, entries: ["n-create"] },
    ]);
  });

  it("ends the row of the object before it, whose delete was not seen, when it arrives after its own object's writes", async () => {
    // my-config created at 3 and updated at 7 giving UID_1 (Metadata), its delete not seen; the
    // next my-config created at 21 (Metadata) and updated at 27 giving UID_2. In order the create
    // at 21 finds the old row the name's latest and ends it there (the name was free). Arriving
    // after its object's update, the create goes to that object's row, and must still end the old one.
    const writes = {
      oldCreate: configMapWrite("l-old-create", 3, { verb: "create", level: "Metadata" }),
      oldUpdate: configMapWrite("l-old-update", 7, { verb: "update", level: "Metadata", uid: UID_1 }),
      create: configMapWrite("l-create", 21, { verb: "create", level: "Metadata" }),
      update: configMapWrite("l-update", 27, { verb: "update", level: "Metadata", uid: UID_2 }),
    };
    await expectEveryOrder(
      "left-row",
      {
        "in-order": [[writes.oldCreate], [writes.oldUpdate], [writes.create], [writes.update]],
        "create-last": [[writes.oldCreate], [writes.oldUpdate], [writes.update], [writes.create]],
        "create-last-old-one-batch": [[writes.oldUpdate, writes.oldCreate], [writes.update], [writes.create]],
      },
      [
        { uid: UID_1, firstSeen: "2018-10-26T13:13:03.000Z", lastSeen: "2018-10-26T13:13:07.005Z", deletedAt: "2018-10-26T13:13:21.000Z", entries: ["l-old-create", "l-old-update"] },
        { uid: UID_2, firstSeen: "2018-10-26T13:13:21.000Z", lastSeen: "2018-10-26T13:13:27.005Z", deletedAt: null, entries: ["l-create", "l-update"] },
      ],
    );
  });

  it.each([
    ["deleted at Metadata level", true, "Metadata"],
    ["whose delete was not seen", false, "Metadata"],
    ["whose body tells its creation, its delete not seen", false, "RequestResponse"],
  ] as const)("gives it the writes that gave no uid and reached the row of the object before it, %s, before it arrived", async (_label, deleted, oldLevel) => {
    // The old my-config created at 3 and updated at 7 giving UID_1, deleted at 10 (or not); the new
    // one created at 21 (Metadata), mounted by a Pod at 23 and patched at 24 (Metadata: no uid).
    // The patch and the Pod arrive before the create: the name's latest row is the old object's,
    // which they reach. The create, arriving, tells that what began from its start was its object's.
    // (The old row's body, where it has one, tells a creation before: the patch did not make it.)
    const tag = `${deleted ? "d" : "n"}-${oldLevel === "Metadata" ? "m" : "rr"}`;
    const writes = {
      oldCreate: configMapWrite(`${tag}-old-create`, 3, { verb: "create", level: "Metadata" }),
      oldUpdate: configMapWrite(`${tag}-old-update`, 7, { verb: "update", level: oldLevel, uid: UID_1, created: 3 }),
      oldDelete: configMapDelete(`${tag}-old-delete`, 10),
      create: configMapWrite(`${tag}-create`, 21, { verb: "create", level: "Metadata" }),
      pod: podMountingConfigMap(`${tag}-pod`, 23),
      patch: configMapWrite(`${tag}-patch`, 24, { verb: "patch", level: "Metadata" }),
    };
    const old = deleted ? [writes.oldCreate, writes.oldUpdate, writes.oldDelete] : [writes.oldCreate, writes.oldUpdate];
    const orders = {
      "in-order": [...old.map((w) => [w]), [writes.create], [writes.pod], [writes.patch]],
      "create-last": [...old.map((w) => [w]), [writes.pod], [writes.patch], [writes.create]],
      "create-last-with-old": [[writes.oldCreate], [...old.slice(1), writes.pod, writes.patch], [writes.create]],
    };
    await expectEveryOrder(`before-create-${tag}`, orders, [
      deleted
        ? { uid: UID_1, firstSeen: "2018-10-26T13:13:03.000Z", lastSeen: "2018-10-26T13:13:10.005Z", deletedAt: "2018-10-26T13:13:10.005Z", entries: [`${tag}-old-create`, `${tag}-old-update`, `${tag}-old-delete`] }
        : { uid: UID_1, firstSeen: "2018-10-26T13:13:03.000Z", lastSeen: "2018-10-26T13:13:07.005Z", deletedAt: "2018-10-26T13:13:21.000Z", entries: [`${tag}-old-create`, `${tag}-old-update`] },
      { uid: null, firstSeen: "2018-10-26T13:13:21.000Z", lastSeen: "2018-10-26T13:13:24.005Z", deletedAt: null, entries: [`${tag}-create`, `${tag}-patch`] },
    ]);
    // The Pod's relation names the create's object, as in order.
    for (const order of Object.keys(orders)) expect({ order, mounts: await mounts(`before-create-${tag}-${order}`) }).toEqual({ order, mounts: [{ uid: null, validFrom: "2018-10-26T13:13:23.005Z", validTo: null }] });
  });

  it("ends the row of the object before it at its start where a later create, arriving first, ended it", async () => {
    // my-config updated at 7 giving UID_1 (Metadata), its delete not seen; the next one created at
    // 21 (Metadata), its delete not seen either; the one after created at 41 and updated at 47
    // giving UID_2. The create at 41 arrives before the one at 21 and ends the first row there.
    // The create at 21 tells it was gone by 21: the rows must not overlap.
    const writes = {
      update: configMapWrite("re-update", 7, { verb: "update", level: "Metadata", uid: UID_1 }),
      create: configMapWrite("re-create", 21, { verb: "create", level: "Metadata" }),
      nextCreate: configMapWrite("re-next-create", 41, { verb: "create", level: "Metadata" }),
      nextUpdate: configMapWrite("re-next-update", 47, { verb: "update", level: "Metadata", uid: UID_2 }),
    };
    await expectEveryOrder(
      "reended",
      {
        "in-order": [[writes.update], [writes.create], [writes.nextCreate], [writes.nextUpdate]],
        "create-last": [[writes.update], [writes.nextCreate], [writes.nextUpdate], [writes.create]],
        "create-last-next-one-batch": [[writes.update], [writes.nextCreate, writes.nextUpdate], [writes.create]],
      },
      [
        { uid: UID_1, firstSeen: "2018-10-26T13:13:07.000Z", lastSeen: "2018-10-26T13:13:07.005Z", deletedAt: "2018-10-26T13:13:21.000Z", entries: ["re-update"] },
        { uid: null, firstSeen: "2018-10-26T13:13:21.000Z", lastSeen: "2018-10-26T13:13:21.005Z", deletedAt: "2018-10-26T13:13:41.000Z", entries: ["re-create"] },
        { uid: UID_2, firstSeen: "2018-10-26T13:13:41.000Z", lastSeen: "2018-10-26T13:13:47.005Z", deletedAt: null, entries: ["re-next-create", "re-next-update"] },
      ],
    );
  });

  it("ends the relations the earlier object's body stated where it ends, and keeps a seen delete's time", async () => {
    // The real Pod mounting my-config, updated at 7 (its body states the mount); the next Pod of
    // its name created at 21 and the one after at 41 (Metadata). The create at 41 arrives first
    // and ends the first Pod, and its mount, there; the create at 21 moves both to 21.
    const podName = podMountingConfigMap("x", 0).objectRef.name as string;
    const writes = {
      update: podMountingConfigMap("rp-update", 7),
      create: podCreatedAtMetadata("rp-create", 21),
      nextCreate: podCreatedAtMetadata("rp-next-create", 41),
    };
    await store("pod-reended-in-order", [writes.update], [writes.create], [writes.nextCreate]);
    await store("pod-reended-late", [writes.update], [writes.nextCreate], [writes.create]);
    const podsOf = async (cluster: string) =>
      (
        await test.db.query<{ first_seen: Date; deleted_at: Date | null }>(
          `SELECT o.first_seen, o.deleted_at FROM objects o JOIN clusters c ON c.id = o.cluster_id
            WHERE c.name = $1 AND o.resource = 'pods' AND o.name = $2 ORDER BY o.first_seen`,
          [cluster, podName],
        )
      ).rows.map((o) => [new Date(o.first_seen).toISOString(), o.deleted_at && new Date(o.deleted_at).toISOString()]);
    expect(await podsOf("pod-reended-in-order")).toEqual([
      ["2018-10-26T13:13:07.000Z", "2018-10-26T13:13:21.000Z"],
      ["2018-10-26T13:13:21.000Z", "2018-10-26T13:13:41.000Z"],
      ["2018-10-26T13:13:41.000Z", null],
    ]);
    expect(await podsOf("pod-reended-late")).toEqual(await podsOf("pod-reended-in-order"));
    expect(await mounts("pod-reended-in-order")).toEqual([{ uid: null, validFrom: "2018-10-26T13:13:07.005Z", validTo: new Date("2018-10-26T13:13:21.000Z") }]);
    expect(await mounts("pod-reended-late")).toEqual(await mounts("pod-reended-in-order"));

    // Deleted at 30 (seen), the Pod between keeps that end when the create before it arrives.
    const remove = { ...configMapDelete("rp-delete", 30), objectRef: { ...writes.create.objectRef }, requestURI: `/api/v1/namespaces/default/pods/${podName}` };
    await store("pod-seen-delete", [writes.update], [writes.create], [remove], [writes.nextCreate], [podCreatedAtMetadata("rp-between-create", 15)]);
    expect((await podsOf("pod-seen-delete")).map(([, deletedAt]) => deletedAt)).toEqual(["2018-10-26T13:13:15.000Z", "2018-10-26T13:13:21.000Z", "2018-10-26T13:13:30.005Z", null]);
  });

  it("gives an earlier object's create a row of its own when the name's latest row holds a create of its own, with what that row held from before it", async () => {
    // The old my-config created at 3 and patched at 5 (Metadata, its delete not seen); the new one
    // created at 21 (Metadata) and updated at 27 giving UID_2. The old create arrives after the new
    // one's: that row began after it, but with a create of its own, which found the name free.
    const writes = {
      oldCreate: configMapWrite("o-old-create", 3, { verb: "create", level: "Metadata" }),
      oldPatch: configMapWrite("o-old-patch", 5, { verb: "patch", level: "Metadata" }),
      create: configMapWrite("o-create", 21, { verb: "create", level: "Metadata" }),
      update: configMapWrite("o-update", 27, { verb: "update", level: "Metadata", uid: UID_2 }),
    };
    await expectEveryOrder(
      "own-row",
      {
        "in-order": [[writes.oldCreate], [writes.oldPatch], [writes.create], [writes.update]],
        "old-create-last": [[writes.update], [writes.create], [writes.oldPatch], [writes.oldCreate]],
        "old-create-last-one-batch": [[writes.update], [writes.create], [writes.oldPatch, writes.oldCreate]],
      },
      [
        { uid: null, firstSeen: "2018-10-26T13:13:03.000Z", lastSeen: "2018-10-26T13:13:05.005Z", deletedAt: "2018-10-26T13:13:21.000Z", entries: ["o-old-create", "o-old-patch"] },
        { uid: UID_2, firstSeen: "2018-10-26T13:13:21.000Z", lastSeen: "2018-10-26T13:13:27.005Z", deletedAt: null, entries: ["o-create", "o-update"] },
      ],
    );
  });

  it("gives an earlier object's create a row of its own when the name's latest row's body tells a creation after it", async () => {
    // The old my-config created at 3 (Metadata, its delete not seen); the new one's update at 27,
    // whose body tells UID_2 and its creation at 21, arrives first.
    const writes = {
      oldCreate: configMapWrite("q-old-create", 3, { verb: "create", level: "Metadata" }),
      update: configMapWrite("q-update", 27, { verb: "update", level: "RequestResponse", uid: UID_2, created: 21 }),
    };
    await expectEveryOrder("body-later", { "in-order": [[writes.oldCreate], [writes.update]], "update-first": [[writes.update], [writes.oldCreate]] }, [
      // Gone by the new object's creation, whose second is all the body tells.
      { uid: null, firstSeen: "2018-10-26T13:13:03.000Z", lastSeen: "2018-10-26T13:13:03.005Z", deletedAt: "2018-10-26T13:13:21.000Z", entries: ["q-old-create"] },
      { uid: UID_2, firstSeen: "2018-10-26T13:13:27.000Z", lastSeen: "2018-10-26T13:13:27.005Z", deletedAt: null, entries: ["q-update"] },
    ]);
  });
});
