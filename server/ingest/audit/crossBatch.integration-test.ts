import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STORE_KINDS, openTestDatabase, type TestDatabase } from "../../testing/databases";
import { loadFalcoTraceEvent } from "../../testing/fixtures";
import { createAuditIngestor, type AuditIngestor } from "./ingest";
import type { DiffEntry } from "./types";
import { NEW_PODS, RS_NEW, rolloutTreeEvents } from "../../query/trace/rolloutTree.fixture";
import { rolloutScenario } from "../../testing/scenarios/rollout";
import { TEST_CONVERT_OPTIONS } from "../../testing/convertOptions";

/*
 * Writes to one name that reach Kubetrail in other batches than their order, or through other
 * ingest workers (each with its own state cache). Every event is the real falco ConfigMap create
 * (`create_configmap.json`, RequestResponse) or delete (`delete_configmap.json`, answered with a
 * Status naming the deleted uid), changed as the later writes of that ConfigMap would be.
 */

const options = TEST_CONVERT_OPTIONS;

type Event = Record<string, any>;
const UID_1 = "ded3abb9-d920-11e8-a2e6-080027728ac4"; // the recorded one
const UID_2 = "0e5d1c3a-d921-11e8-a2e6-080027728ac4";

const at = (second: number) => `2018-10-26T13:13:${String(second).padStart(2, "0")}.000000Z`;
const done = (second: number) => `2018-10-26T13:13:${String(second).padStart(2, "0")}.005000Z`;

/** The ConfigMap as a write of `verb` left it: `value` in its data, at resourceVersion `rv` of uid `uid`. */
function configMapWrite(auditId: string, second: number, fields: { verb: "create" | "update"; uid: string; rv: string; value: string; level?: string; owner?: boolean }): Event {
  const event = structuredClone(loadFalcoTraceEvent("create_configmap.json")) as Event;
  event.auditID = auditId;
  event.verb = fields.verb;
  event.level = fields.level ?? "RequestResponse";
  event.requestReceivedTimestamp = at(second);
  event.stageTimestamp = done(second);
  if (fields.verb === "update") {
    event.requestURI = "/api/v1/namespaces/default/configmaps/my-config";
    event.responseStatus = { code: 200, metadata: {} };
  }
  const body = event.responseObject;
  body.metadata.uid = fields.uid;
  body.data = { "ui.properties": fields.value };
  if (fields.owner) body.metadata.ownerReferences = [{ apiVersion: "apps/v1", kind: "Deployment", name: "ui", uid: "5f1c0000-d920-11e8-a2e6-080027728ac4", controller: true }];
  event.requestObject = structuredClone(body);
  // A request carries the version it was made on (none for a create); only the response tells the new one.
  if (fields.verb === "create") delete event.requestObject.metadata.resourceVersion;
  else event.requestObject.metadata.resourceVersion = String(Number(fields.rv) - 1);
  body.metadata.resourceVersion = fields.rv;
  if (event.level !== "RequestResponse") delete event.responseObject;
  delete event.objectRef.uid;
  return event;
}

function configMapDelete(auditId: string, second: number, uid: string, level = "RequestResponse"): Event {
  const event = structuredClone(loadFalcoTraceEvent("delete_configmap.json")) as Event;
  event.auditID = auditId;
  event.level = level;
  event.requestReceivedTimestamp = at(second);
  event.stageTimestamp = done(second);
  event.responseObject.details.uid = uid;
  if (level === "Metadata") {
    delete event.responseObject;
    delete event.requestObject;
  }
  return event;
}

describe.each(STORE_KINDS)("writes to one name across batches and workers, on %s", (kind) => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await openTestDatabase(kind);
  });
  afterAll(() => test.dispose());

  const ingestor = () => createAuditIngestor(test.db, options);
  async function store(target: AuditIngestor, cluster: string, ...batches: Event[][]) {
    for (const batch of batches) expect(await target.ingest(cluster, batch)).toMatchObject({ accepted: batch.length, rejected: [] });
  }
  const objectsOf = async (cluster: string) =>
    (
      await test.db.query<{ id: number; uid: string | null; first_seen: Date; deleted_at: Date | null }>(
        `SELECT o.id, o.uid, o.first_seen, o.deleted_at FROM objects o JOIN clusters c ON c.id = o.cluster_id
          WHERE c.name = $1 AND o.resource = 'configmaps' ORDER BY o.first_seen, o.id`,
        [cluster],
      )
    ).rows.map((o) => ({ uid: o.uid, firstSeen: o.first_seen.toISOString(), deletedAt: o.deleted_at?.toISOString() ?? null, id: Number(o.id) }));
  const entriesOf = async (cluster: string) =>
    (
      await test.db.query<{ audit_id: string; object_id: number; diff: DiffEntry[] | null; details: Record<string, unknown> }>(
        `SELECT h.audit_id, h.object_id, h.diff, h.details FROM history_entries h JOIN clusters c ON c.id = h.cluster_id WHERE c.name = $1`,
        [cluster],
      )
    ).rows.reduce((map, row) => map.set(row.audit_id, { ...row, object_id: Number(row.object_id) }), new Map<string, { object_id: number; diff: DiffEntry[] | null; details: Record<string, unknown> }>());

  it("gives a delete that arrives after its name was taken again to the object it deleted, by the uid its Status names", async () => {
    const cluster = "late-delete";
    await store(ingestor(), cluster, [configMapWrite("create-1", 0, { verb: "create", uid: UID_1, rv: "100", value: "a" })], [configMapWrite("create-2", 11, { verb: "create", uid: UID_2, rv: "120", value: "b" })], [configMapDelete("delete-1", 10, UID_1)]);
    const objects = await objectsOf(cluster);
    expect(objects.map(({ id: _id, ...o }) => o)).toEqual([
      { uid: UID_1, firstSeen: "2018-10-26T13:13:00.000Z", deletedAt: "2018-10-26T13:13:10.005Z" },
      { uid: UID_2, firstSeen: "2018-10-26T13:13:11.000Z", deletedAt: null },
    ]);
    expect((await entriesOf(cluster)).get("delete-1")!.object_id).toBe(objects[0]!.id);
  });

  it("does not let a delete that names no uid (Metadata level) end a later object of its name", async () => {
    const cluster = "late-delete-metadata";
    await store(ingestor(), cluster, [configMapWrite("create-1", 0, { verb: "create", uid: UID_1, rv: "100", value: "a" })], [configMapWrite("create-2", 11, { verb: "create", uid: UID_2, rv: "120", value: "b" })], [configMapDelete("delete-1", 10, UID_1, "Metadata")]);
    const objects = await objectsOf(cluster);
    expect(objects.find((o) => o.uid === UID_2)).toMatchObject({ firstSeen: "2018-10-26T13:13:11.000Z", deletedAt: null });
  });

  it("diffs against what another worker stored after a Request-level write, not against a cached body of the same version", async () => {
    const steps = [
      configMapWrite("create", 0, { verb: "create", uid: UID_1, rv: "100", value: "1" }),
      // Logged at Request level: its body is the request, which names the version it was made on (100).
      configMapWrite("request-level", 5, { verb: "update", uid: UID_1, rv: "101", value: "2", level: "Request" }),
      configMapWrite("after", 10, { verb: "update", uid: UID_1, rv: "102", value: "3" }),
    ];
    const one = ingestor();
    await store(one, "one-worker", [steps[0]!], [steps[1]!], [steps[2]!]);
    // Two workers, each with its own state cache: the first stores the create, the second the
    // Request-level update, the first the update after it.
    const [first, second] = [ingestor(), ingestor()];
    await store(first, "two-workers", [steps[0]!]);
    await store(second, "two-workers", [steps[1]!]);
    await store(first, "two-workers", [steps[2]!]);
    const diff = (await entriesOf("two-workers")).get("after")!.diff;
    expect(diff).toEqual([{ path: 'data["ui.properties"]', old: "2", new: "3" }]);
    expect(diff).toEqual((await entriesOf("one-worker")).get("after")!.diff);
  });

  it("keeps a create logged without a version from replacing the newer body that arrived first", async () => {
    const create = configMapWrite("create", 0, { verb: "create", uid: UID_1, rv: "100", value: "1", level: "Request" });
    const update = configMapWrite("update", 5, { verb: "update", uid: UID_1, rv: "101", value: "2" });
    const later = configMapWrite("later", 10, { verb: "update", uid: UID_1, rv: "102", value: "3" });
    await store(ingestor(), "in-order", [create], [update], [later]);
    await store(ingestor(), "create-late", [update], [create], [later]);
    expect((await entriesOf("create-late")).get("later")!.diff).toEqual([{ path: 'data["ui.properties"]', old: "2", new: "3" }]);
    expect((await entriesOf("create-late")).get("later")!.diff).toEqual((await entriesOf("in-order")).get("later")!.diff);
  });

  it("opens no relation again for a late write to an object since deleted", async () => {
    const cluster = "late-relation";
    const owned = (auditId: string, second: number, verb: "create" | "update", rv: string, value: string) => configMapWrite(auditId, second, { verb, uid: UID_1, rv, value, owner: true });
    await store(ingestor(), cluster, [owned("create", 0, "create", "100", "1")], [owned("update", 6, "update", "102", "3")], [configMapDelete("delete", 10, UID_1)], [owned("late", 5, "update", "101", "2")]);
    const open = await test.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM relations r JOIN clusters c ON c.id = r.cluster_id WHERE c.name = $1 AND r.valid_to IS NULL`,
      [cluster],
    );
    expect(open.rows[0]!.n).toBe(0);
    const ended = await test.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM relations r JOIN clusters c ON c.id = r.cluster_id WHERE c.name = $1`, [cluster]);
    expect(ended.rows[0]!.n).toBe(1);
  });
});

/**
 * Two batches stored at once, by two workers: one creates a Pod (naming its ReplicaSet) and
 * updates the Deployment; the other creates the ReplicaSet (naming the Deployment). Each writes
 * an object the other's relations name. From the rollout of the real OpenShift Deployment
 * (server/query/trace/rolloutTree.fixture.ts), each round in a cluster of its own.
 */
describe("batches that write each other's relation targets, stored at once on postgres", () => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await openTestDatabase("postgres");
  });
  afterAll(() => test.dispose());

  it("never deadlock: every batch is stored the first time", async () => {
    const events = rolloutTreeEvents();
    const find = (verb: string, resource: string, name: string) =>
      events.find((e) => e.verb === verb && e.objectRef.resource === resource && (e.objectRef.name ?? e.responseObject?.metadata?.name) === name && !e.objectRef.subresource)!;
    const podCreate = find("create", "pods", NEW_PODS[0]!);
    const replicaSetCreate = find("create", "replicasets", RS_NEW);
    const deploymentUpdate = rolloutScenario().find((step) => step.label === "image change")!.event;
    const [first, second] = [createAuditIngestor(test.db, options), createAuditIngestor(test.db, options)];
    for (let round = 0; round < 10; round++) {
      const cluster = `rollout-${round}`;
      const answers = await Promise.allSettled([first.ingest(cluster, [podCreate, deploymentUpdate]), second.ingest(cluster, [replicaSetCreate])]);
      expect(answers.map((a) => (a.status === "fulfilled" ? a.value.accepted : String(a.reason))), `round ${round}`).toEqual([2, 1]);
    }
  });
});
