import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importAuditFile } from "../auditFile/importAuditFile";
import { STORE_KINDS, openTestDatabase, type TestDatabase } from "../../testing/databases";
import { loadFalcoTraceEvent } from "../../testing/fixtures";
import { createAuditIngestor, type AuditIngestor } from "./ingest";
import type { DiffEntry } from "./types";
import { CONTROLLERS, KCM_AGENT, NEW_PODS, RS_NEW, RS_OLD, createRequest, rolloutTreeEvents, stored, write } from "../../query/trace/rolloutTree.fixture";
import { realApiserverPod, realApiserverReplicaSets, type EditableObject } from "../../testing/fixtures";
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

  it("gives a delete that names no uid (Metadata level) and arrives after its name was taken again to the object alive when it ran", async () => {
    const cluster = "late-delete-metadata";
    await store(ingestor(), cluster, [configMapWrite("create-1", 0, { verb: "create", uid: UID_1, rv: "100", value: "a" })], [configMapWrite("create-2", 11, { verb: "create", uid: UID_2, rv: "120", value: "b" })], [configMapDelete("delete-1", 10, UID_1, "Metadata")]);
    const objects = await objectsOf(cluster);
    // The first ends when its delete did (the second's create had only told that it was gone by then); the second goes on.
    expect(objects.map(({ id: _id, ...o }) => o)).toEqual([
      { uid: UID_1, firstSeen: "2018-10-26T13:13:00.000Z", deletedAt: "2018-10-26T13:13:10.005Z" },
      { uid: UID_2, firstSeen: "2018-10-26T13:13:11.000Z", deletedAt: null },
    ]);
    const entry = (await entriesOf(cluster)).get("delete-1")!;
    expect(entry.object_id).toBe(objects[0]!.id);
    expect(entry.details.resourceVersionBefore).toBe("100");
    // A delete of a name never seen before it: kept on the only object there is, which it does not end.
    const alone = "late-delete-metadata-alone";
    await store(ingestor(), alone, [configMapWrite("create-2", 11, { verb: "create", uid: UID_2, rv: "120", value: "b" })], [configMapDelete("delete-1", 10, UID_1, "Metadata")]);
    const only = await objectsOf(alone);
    expect(only.map(({ id: _id, ...o }) => o)).toEqual([{ uid: UID_2, firstSeen: "2018-10-26T13:13:11.000Z", deletedAt: null }]);
    expect((await entriesOf(alone)).get("delete-1")!.object_id).toBe(only[0]!.id);
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

/**
 * Two batches stored at once, each updating a ReplicaSet's status and adopting an orphan Pod into
 * the other's ReplicaSet, as the replicaset controller does: each locks the ReplicaSet it writes,
 * then the one its adoption names, which the other batch holds. No lock order rules that cycle
 * out (an update's new relations are found only once its object is locked and loaded), so
 * Postgres breaks it by failing one transaction, and the ingestor stores that batch again. From
 * the real ReplicaSets and Pod of the OpenShift rollout (server/testing/fixtures.ts).
 */
describe("batches whose updates link to objects the other writes, stored at once on postgres", () => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await openTestDatabase("postgres");
  });
  afterAll(() => test.dispose());

  const replicaSets = new Map((realApiserverReplicaSets() as EditableObject[]).map((rs) => [rs.metadata.name as string, rs]));
  const controller = { user: CONTROLLERS.replicaset, userAgent: KCM_AGENT("replicaset-controller") };

  function orphanPod(name: string, uid: string): EditableObject {
    const pod = structuredClone(realApiserverPod()) as EditableObject;
    pod.metadata.name = name;
    pod.metadata.uid = uid;
    delete pod.metadata.generateName;
    delete pod.metadata.ownerReferences;
    return pod;
  }
  const orphans = { a: orphanPod("orphan-a", "6a0e2f55-0000-4000-8000-00000000000a"), b: orphanPod("orphan-b", "6a0e2f55-0000-4000-8000-00000000000b") };

  const setup = [
    ...[RS_OLD, RS_NEW].map((name) => {
      const rs = replicaSets.get(name)!;
      return write("2021-09-13T15:10:00Z", { ...controller, user: CONTROLLERS.deployment, userAgent: KCM_AGENT("deployment-controller"), verb: "create", resource: "replicasets", apiGroup: "apps", requestObject: createRequest(rs, false), responseObject: stored(rs), code: 201 });
    }),
    ...Object.values(orphans).map((pod) => write("2021-09-13T15:10:01Z", { ...controller, verb: "create", resource: "pods", apiGroup: "", requestObject: createRequest(pod, false), responseObject: stored(pod), code: 201 })),
  ];
  const statusUpdate = (name: string) => {
    const rs = stored({ ...replicaSets.get(name)!, status: { replicas: 1, observedGeneration: 1 } });
    return write("2021-09-13T15:10:05Z", { ...controller, verb: "update", resource: "replicasets", apiGroup: "apps", name, subresource: "status", requestObject: rs, responseObject: rs, code: 200 });
  };
  const adoption = (pod: EditableObject, owner: string) => {
    const ownerReferences = [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: owner, uid: replicaSets.get(owner)!.metadata.uid, controller: true, blockOwnerDeletion: true }];
    return write("2021-09-13T15:10:05Z", { ...controller, verb: "patch", resource: "pods", apiGroup: "", name: pod.metadata.name, requestObject: { metadata: { ownerReferences } }, responseObject: stored({ ...pod, metadata: { ...pod.metadata, ownerReferences } }), code: 200 });
  };
  const batchA = [statusUpdate(RS_NEW), adoption(orphans.a, RS_OLD)];
  const batchB = [statusUpdate(RS_OLD), adoption(orphans.b, RS_NEW)];

  it("stores both, the one Postgres failed for the deadlock again", async () => {
    const [first, second] = [createAuditIngestor(test.db, options), createAuditIngestor(test.db, options)];
    for (let round = 0; round < 5; round++) {
      const cluster = `adoption-${round}`;
      await store(first, cluster, setup);
      // As the webhook hands a body over: a function that reads it (again, if need be).
      const answers = await Promise.allSettled([first.ingest(cluster, () => structuredClone(batchA)), second.ingest(cluster, () => structuredClone(batchB))]);
      expect(answers.map((a) => (a.status === "fulfilled" ? a.value.accepted : String(a.reason))), `round ${round}`).toEqual([2, 2]);
      const owners = await test.db.query<{ pod: string; owner: string }>(
        `SELECT p.name AS pod, o.name AS owner FROM relations r JOIN objects p ON p.id = r.to_object_id JOIN objects o ON o.id = r.from_object_id
           JOIN clusters c ON c.id = r.cluster_id
          WHERE c.name = $1 AND p.resource = 'pods' AND r.kind = 'controller-owner' AND r.valid_to IS NULL ORDER BY 1`,
        [cluster],
      );
      expect(owners.rows, `round ${round}`).toEqual([
        { pod: "orphan-a", owner: RS_OLD },
        { pod: "orphan-b", owner: RS_NEW },
      ]);
    }
  });

  it("stores both when they are imports of two log files, the one Postgres failed again", async () => {
    const [first, second] = [createAuditIngestor(test.db, options), createAuditIngestor(test.db, options)];
    const logOf = (batch: Event[]) => Readable.from([batch.map((event) => JSON.stringify(event)).join("\n") + "\n"]);
    for (let round = 0; round < 5; round++) {
      const cluster = `adoption-import-${round}`;
      await store(first, cluster, setup);
      const imports = await Promise.allSettled([
        importAuditFile({ input: logOf(batchA), cluster, batchSize: 500, ingestor: first }),
        importAuditFile({ input: logOf(batchB), cluster, batchSize: 500, ingestor: second }),
      ]);
      expect(imports.map((i) => (i.status === "fulfilled" ? i.value.summary.accepted : String(i.reason))), `round ${round}`).toEqual([2, 2]);
    }
  });

  async function store(target: AuditIngestor, cluster: string, batch: Event[]) {
    expect(await target.ingest(cluster, structuredClone(batch))).toMatchObject({ accepted: batch.length, rejected: [] });
  }
});
