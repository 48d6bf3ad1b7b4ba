import { afterEach, describe, expect, it } from "vitest";
import { STORE_KINDS, openTestDatabase, type TestDatabase } from "../testing/databases";
import { createAuditIngestor } from "../ingest/audit/ingest";
import { DEFAULT_SKIP_RESOURCES, DEFAULT_SKIP_USER_AGENT_SUBSTRINGS } from "../ingest/audit/defaults";
import { DEFAULT_SENSITIVE_RULES, hmacFingerprint } from "../model/redact/redact";
import { rolloutScenario } from "../testing/scenarios/rollout";
import { falcoEvents } from "../testing/fixtures";
import { loadHkermaEvents } from "../testing/hkermaCsv";

const options = {
  skipResources: DEFAULT_SKIP_RESOURCES,
  skipUserAgentSubstrings: DEFAULT_SKIP_USER_AGENT_SUBSTRINGS,
  sensitive: DEFAULT_SENSITIVE_RULES,
  fingerprint: hmacFingerprint("test-key-0123456789"),
};

describe.each(STORE_KINDS)("object states on %s", (kind) => {
  let test: TestDatabase;
  afterEach(() => test.dispose());

  it("diffs against what the database holds when another writer changed the state since", async () => {
    test = await openTestDatabase(kind);
    const steps = rolloutScenario();
    const step = (label: string) => steps.find((s) => s.label === label)!.event;
    const ingestor = createAuditIngestor(test.db, options);
    await ingestor.ingest("c", [step("create")]);

    // Another replica (with its own cache) records the scale-up meanwhile: replicas 3 -> 5, resourceVersion 22003.
    const otherReplica = createAuditIngestor(test.db, options);
    await otherReplica.ingest("c", [step("status generation 1"), step("scale up")]);

    // This replica's cache still holds the create's state; the next write must not diff against it.
    await ingestor.ingest("c", [step("status generation 2")]);
    const diff = (
      await test.db.query<{ diff: Array<{ path: string }> }>(
        `SELECT diff FROM history_entries WHERE title LIKE '%deployment-controller update status' ORDER BY start_time DESC LIMIT 1`,
      )
    ).rows[0]!.diff;
    expect(diff.map((d) => d.path).sort()).toEqual(["status.observedGeneration", "status.replicas", "status.updatedReplicas"]);
    expect(diff.some((d) => d.path === "spec.replicas")).toBe(false);
  });

  it("keeps each object's latest body in object_states", async () => {
    test = await openTestDatabase(kind);
    const ingestor = createAuditIngestor(test.db, options);
    const steps = rolloutScenario();
    await ingestor.ingest("c", steps.slice(0, 3).map((s) => s.event));
    const states = await test.db.query<{ resource_version: string; replicas: number }>(
      `SELECT resource_version, (state::jsonb->'spec'->>'replicas')::int AS replicas FROM object_states`,
    );
    expect(states.rows).toEqual([{ resource_version: "22003", replicas: 5 }]);
  });

  it("keeps the state without managedFields, which diffs never compare, and the create's snapshot with them", async () => {
    test = await openTestDatabase(kind);
    const ingestor = createAuditIngestor(test.db, options);
    const steps = rolloutScenario();
    // The recorded objects come without managedFields; a current apiserver returns them on every
    // body. Added here to the real Deployment's responses as the apiserver writes them.
    const managedFields = [
      { manager: "cluster-openshift-apiserver-operator", operation: "Update", apiVersion: "apps/v1", time: "2021-09-13T14:53:39Z", fieldsType: "FieldsV1", fieldsV1: { "f:spec": { "f:replicas": {}, "f:template": { "f:spec": { "f:containers": {} } } } } },
      { manager: "kube-controller-manager", operation: "Update", apiVersion: "apps/v1", time: "2021-09-13T14:53:40Z", fieldsType: "FieldsV1", fieldsV1: { "f:status": { "f:replicas": {}, "f:observedGeneration": {} } }, subresource: "status" },
    ];
    for (const step of steps.slice(0, 3)) step.event.responseObject.metadata.managedFields = managedFields;
    await ingestor.ingest("c", steps.slice(0, 3).map((s) => s.event));
    const state = await test.db.query<{ has: boolean; replicas: number }>(
      `SELECT (state::jsonb->'metadata') ? 'managedFields' AS has, (state::jsonb->'spec'->>'replicas')::int AS replicas FROM object_states`,
    );
    expect(state.rows).toEqual([{ has: false, replicas: 5 }]);
    const snapshot = await test.db.query<{ has: boolean }>(`SELECT (snapshot::jsonb->'metadata') ? 'managedFields' AS has FROM history_entries WHERE verb = 'create'`);
    expect(snapshot.rows).toEqual([{ has: true }]);
  });

  it("puts requests that arrive before the object's create on the same object, and keeps the newest state", async () => {
    test = await openTestDatabase(kind);
    const ingestor = createAuditIngestor(test.db, options);
    const steps = rolloutScenario();
    const step = (label: string) => steps.find((s) => s.label === label)!.event;
    // Concurrent batches: the scale-up (resourceVersion 22003) is stored before the create (22001).
    await ingestor.ingest("c", [step("status generation 1"), step("scale up")]);
    await ingestor.ingest("c", [step("create")]);
    const objects = await test.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM objects WHERE name = 'apiserver'`);
    expect(objects.rows[0]!.n).toBe(1);
    const state = await test.db.query<{ rv: string }>(`SELECT resource_version AS rv FROM object_states`);
    expect(state.rows).toEqual([{ rv: "22003" }]);
    const create = await test.db.query<{ snapshot: { spec: { replicas: number } } }>(`SELECT snapshot FROM history_entries WHERE verb = 'create'`);
    expect(create.rows[0]!.snapshot.spec.replicas).toBe(3);
    // The next write in order diffs against the newest state.
    await ingestor.ingest("c", [step("status generation 2")]);
    const diff = await test.db.query<{ diff: Array<{ path: string }> }>(`SELECT diff FROM history_entries ORDER BY start_time DESC LIMIT 1`);
    expect(diff.rows[0]!.diff.map((d) => d.path)).toContain("status.observedGeneration");
    expect(diff.rows[0]!.diff.map((d) => d.path)).not.toContain("spec.replicas");
  });

  it("marks an object deleted when the update that removes its last finalizer completes a pending delete", async () => {
    test = await openTestDatabase(kind);
    const ingestor = createAuditIngestor(test.db, options);
    const steps = rolloutScenario();
    const step = (label: string) => structuredClone(steps.find((s) => s.label === label)!.event);
    // Derived from the scenario's scale-down update (the whole Deployment in request and response):
    // a foreground delete leaves the Deployment with a finalizer; the garbage collector's update
    // that removes it, once the ReplicaSets are gone, is the end of the Deployment.
    const withDeletion = (auditID: string, finalizers: string[] | undefined, resourceVersion: string) => {
      const event = step("scale down");
      event.auditID = auditID;
      const body = event.responseObject;
      body.metadata.deletionTimestamp = "2021-09-13T15:20:00Z";
      body.metadata.deletionGracePeriodSeconds = 0;
      body.metadata.resourceVersion = resourceVersion;
      if (finalizers) body.metadata.finalizers = finalizers;
      else delete body.metadata.finalizers;
      event.requestObject = body;
      return event;
    };
    const pending = withDeletion("5f0c7e3a-0000-4000-8000-0000000000a1", ["foregroundDeletion"], "23001");
    pending.verb = "delete";
    const released = withDeletion("5f0c7e3a-0000-4000-8000-0000000000a2", undefined, "23002");
    released.user = { username: "system:serviceaccount:kube-system:generic-garbage-collector", groups: ["system:serviceaccounts"] };
    await ingestor.ingest("c", [step("create"), pending]);
    const before = await test.db.query<{ deleted: boolean }>(`SELECT deleted_at IS NOT NULL AS deleted FROM objects WHERE name = 'apiserver'`);
    expect(before.rows).toEqual([{ deleted: false }]);

    await ingestor.ingest("c", [released]);
    const after = await test.db.query<{ deleted_at: Date | null }>(`SELECT deleted_at FROM objects WHERE name = 'apiserver'`);
    expect(after.rows).toHaveLength(1);
    expect(after.rows[0]!.deleted_at?.toISOString()).toBe(new Date(released.stageTimestamp).toISOString());
    const last = await test.db.query<{ snapshot: { metadata: { resourceVersion: string } } | null }>(
      `SELECT snapshot FROM history_entries WHERE audit_id = '5f0c7e3a-0000-4000-8000-0000000000a2'`,
    );
    expect(last.rows[0]!.snapshot?.metadata.resourceVersion).toBe("23002");
  });

  it("adopts a uid-less row for a create that arrives after it", async () => {
    test = await openTestDatabase(kind);
    const ingestor = createAuditIngestor(test.db, options);
    const steps = rolloutScenario();
    const status = structuredClone(steps.find((s) => s.label === "status generation 1")!.event);
    // At Metadata level nothing tells the object's uid: the first row has none.
    status.level = "Metadata";
    delete status.requestObject;
    delete status.responseObject;
    await ingestor.ingest("c", [status]);
    await ingestor.ingest("c", [steps.find((s) => s.label === "create")!.event]);
    const objects = await test.db.query<{ uid: string | null; deleted: boolean; entries: number }>(
      `SELECT uid, deleted_at IS NOT NULL AS deleted, (SELECT count(*)::int FROM history_entries h WHERE h.object_id = o.id) AS entries FROM objects o`,
    );
    expect(objects.rows).toEqual([{ uid: "fbf76809-33a5-4017-a1f5-8be34cd2b2fd", deleted: false, entries: 2 }]);
  });
});

/**
 * A batch's statements go out back to back (planWrites, storeWrites, the relation writer): a
 * failure in any of them must still fail the whole batch, leave nothing behind, and let the
 * apiserver's retry store it all once, with the same diffs.
 */
describe.each(STORE_KINDS)("a batch that fails in one of its statements on %s", (kind) => {
  let test: TestDatabase;
  afterEach(() => test.dispose());

  const TABLES = ["audit_receipts", "objects", "object_states", "history_entries", "relations", "request_counts"] as const;

  /** The rollout's first three writes, a Pod with an owner (a relation), and 20 real reads. */
  function mixedBatch(): unknown[] {
    const rollout = rolloutScenario().slice(0, 3).map((s) => s.event);
    const reads = loadHkermaEvents()
      .filter((e) => ["get", "list"].includes((e as { verb: string }).verb))
      .slice(0, 20);
    return [...rollout, ...falcoEvents("create_nginx_pod_privileged.json"), ...reads];
  }

  async function rowCounts(): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const table of TABLES) counts[table] = (await test.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n;
    return counts;
  }

  it("stores nothing of it, whichever statement fails, and its retry stores it once", async () => {
    test = await openTestDatabase(kind);
    const ingestor = createAuditIngestor(test.db, options);
    for (const table of TABLES) {
      // Every row this batch would add to `table` now breaks a constraint: that statement fails.
      await test.db.query(`ALTER TABLE ${table} ADD CONSTRAINT refuse_all CHECK (false) NOT VALID`);
      await expect(ingestor.ingest("c", mixedBatch()), table).rejects.toThrow(/refuse_all/);
      await test.db.query(`ALTER TABLE ${table} DROP CONSTRAINT refuse_all`);
      expect(await rowCounts(), `after a failure in ${table}`).toEqual(Object.fromEntries(TABLES.map((t) => [t, 0])));
    }

    const summary = await ingestor.ingest("c", mixedBatch());
    expect(summary).toMatchObject({ received: 24, accepted: 24, history: 4, rejected: [] });
    expect(summary.reads + summary.skipped).toBe(20); // a read of a lease is noise, skipped
    expect(summary.reads).toBeGreaterThan(0);
    const stored = await rowCounts();
    expect(stored).toMatchObject({ audit_receipts: 24, history_entries: 4, object_states: 2, relations: 1 });
    expect(stored.request_counts).toBeGreaterThan(0);
    const scaleUp = await test.db.query<{ diff: Array<{ path: string; old: unknown; new: unknown }> }>(
      `SELECT diff FROM history_entries WHERE verb = 'patch' AND subresource = ''`,
    );
    expect(scaleUp.rows[0]!.diff).toContainEqual({ path: "spec.replicas", old: 3, new: 5 });

    // And once more: every event is a duplicate now.
    expect(await ingestor.ingest("c", mixedBatch())).toMatchObject({ accepted: 0, duplicates: 24 });
    expect(await rowCounts()).toEqual(stored);
  });
});

describe("relations from batches stored at the same time (Postgres: PGlite has one connection)", () => {
  let test: TestDatabase;
  afterEach(() => test.dispose());

  it("gives an owner that concurrent batches all name one placeholder, and every Pod its relation to it", async () => {
    test = await openTestDatabase("postgres");
    // Derived from the real recorded Pod create: eight Pods of the same ReplicaSet (never seen
    // itself), each with its own name, uid and auditID, sent by eight replicas at once.
    const pods = Array.from({ length: 8 }, (_, i) => {
      const [event] = falcoEvents("create_nginx_pod_privileged.json");
      const suffix = `-${i}`;
      event!.auditID = `${event!.auditID.slice(0, -2)}${String(i).padStart(2, "0")}`;
      event!.objectRef.name = `${event!.responseObject.metadata.name}${suffix}`;
      for (const body of [event!.requestObject, event!.responseObject]) {
        if (!body) continue;
        body.metadata.name = `${body.metadata.name ?? event!.responseObject.metadata.name}${suffix}`;
        if (body.metadata.uid) body.metadata.uid = `${body.metadata.uid.slice(0, -2)}${String(i).padStart(2, "0")}`;
      }
      return event!;
    });
    const replicas = pods.map(() => createAuditIngestor(test.db, options));
    const summaries = await Promise.all(pods.map((pod, i) => replicas[i]!.ingest("c", [pod])));
    expect(summaries.map((s) => s.history)).toEqual(pods.map(() => 1));

    const owners = await test.db.query<{ id: number; uid: string }>(`SELECT id, uid FROM objects WHERE resource = 'replicasets'`);
    expect(owners.rows).toHaveLength(1);
    expect(owners.rows[0]!.uid).toBe(pods[0]!.responseObject.metadata.ownerReferences[0].uid);
    const relations = await test.db.query<{ n: number; parents: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT from_object_id)::int AS parents FROM relations WHERE kind = 'controller-owner'`,
    );
    expect(relations.rows[0]).toEqual({ n: 8, parents: 1 });
  });
});
