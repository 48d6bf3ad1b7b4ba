import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STORE_KINDS, openTestDatabase, type TestDatabase } from "../../testing/databases";
import { TEST_CONVERT_OPTIONS } from "../../testing/convertOptions";
import { falcoEvents, type EditableObject } from "../../testing/fixtures";
import { createAuditIngestor } from "./ingest";

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

describe.each(STORE_KINDS)("a row made by writes that gave no uid, when its uid arrives, on %s", (kind) => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await openTestDatabase(kind);
  });
  afterAll(() => test.dispose());

  async function store(cluster: string, ...batches: EditableObject[][]) {
    const ingestor = createAuditIngestor(test.db, TEST_CONVERT_OPTIONS);
    for (const batch of batches) expect(await ingestor.ingest(cluster, batch)).toMatchObject({ accepted: batch.length, rejected: [] });
  }

  /** The cluster's ConfigMap rows, oldest first: uid, lifetime and the auditIDs of their history. */
  async function objectsOf(cluster: string) {
    const rows = await test.db.query<{ id: number; uid: string | null; first_seen: Date; last_seen: Date; deleted_at: Date | null; entries: string[] }>(
      `SELECT o.id, o.uid, o.first_seen, o.last_seen, o.deleted_at,
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
    await store(
      "finalizer",
      [configMapWrite("f-create", 3, { verb: "create", level: "Metadata" })],
      [configMapDelete("f-delete", 10)],
      [configMapWrite("f-update", 12, { verb: "update", level: "Metadata", uid: UID_1 })],
    );
    expect(await objectsOf("finalizer")).toEqual([
      { uid: UID_1, firstSeen: "2018-10-26T13:13:03.000Z", lastSeen: "2018-10-26T13:13:12.005Z", deletedAt: "2018-10-26T13:13:10.005Z", entries: ["f-create", "f-delete", "f-update"] },
    ]);
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
    expect(await objectsOf("creation-late")).toEqual([
      // Gone by the new object's creation, whose second is all the body tells.
      { uid: null, firstSeen: "2018-10-26T13:13:05.000Z", lastSeen: "2018-10-26T13:13:05.005Z", deletedAt: "2018-10-26T13:13:21.000Z", entries: ["e-old-patch"] },
      { uid: UID_2, firstSeen: "2018-10-26T13:13:25.000Z", lastSeen: "2018-10-26T13:13:27.005Z", deletedAt: null, entries: ["e-patch", "e-update"] },
    ]);
    await store("creation-late", [writes.oldDelete], [writes.create]);
    await store("creation-in-order", [writes.oldPatch], [writes.oldDelete], [writes.create], [writes.patch], [writes.update]);
    const both = [
      { uid: null, firstSeen: "2018-10-26T13:13:05.000Z", lastSeen: "2018-10-26T13:13:10.005Z", deletedAt: "2018-10-26T13:13:10.005Z", entries: ["e-old-patch", "e-old-delete"] },
      { uid: UID_2, firstSeen: "2018-10-26T13:13:21.000Z", lastSeen: "2018-10-26T13:13:27.005Z", deletedAt: null, entries: ["e-create", "e-patch", "e-update"] },
    ];
    expect(await objectsOf("creation-in-order")).toEqual(both);
    expect(await objectsOf("creation-late")).toEqual(both);
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
});
