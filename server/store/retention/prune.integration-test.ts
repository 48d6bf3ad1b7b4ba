import { afterEach, describe, expect, it } from "vitest";
import { STORE_KINDS } from "../../testing/databases";
import { startTestApp, type TestApp } from "../../testing/appHarness";
import { falcoEvents } from "../../testing/fixtures";
import { cascadeEventList, openshiftCascade } from "../../testing/scenarios/openshiftCascade";
import { eventList, rolloutScenario } from "../../testing/scenarios/rollout";
import { advisoryLockIdOf, objectKeyOf } from "../objectKey";
import { declaredReferences } from "../schemaParity";
import { applyRelationClaims } from "../relationWriter";
import { pruneOlderThan } from "./prune";
import { createObservedHistoryIngestor } from "../../ingest/sources/observedHistoryIngestor";
import { observeKubernetesEvent } from "../../ingest/events/observeEvent";
import { recordedEvents } from "../../testing/apiServer/testEvents";
import { watchedCascade } from "../../testing/scenarios/watchedCascadeEntries";

const count = async (app: TestApp, table: string) =>
  (await app.context.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n;

/** Rows whose parent row is gone, per relation schema.prisma declares: the database has no foreign keys to prevent them. */
async function orphans(app: TestApp): Promise<string[]> {
  const found: string[] = [];
  for (const ref of declaredReferences()) {
    const match = ref.columns.map((column, i) => `p.${ref.refColumns[i]} = t.${column}`).join(" AND ");
    const n = await count(app, `${ref.table} t WHERE NOT EXISTS (SELECT 1 FROM ${ref.refTable} p WHERE ${match})`);
    if (n > 0) found.push(`${n} ${ref.table}(${ref.columns.join(", ")}) -> ${ref.refTable}`);
  }
  return found;
}

describe.each(STORE_KINDS)("retention on %s", (kind) => {
  let app: TestApp;
  afterEach(() => app.close());

  it("keeps what was stored within the retention however old its events, so an imported log is not pruned at once", async () => {
    app = await startTestApp(kind);
    // Falco traces were recorded in 2018-2020, the rollout scenario on 2021-09-13: an old log imported today.
    const old = [...falcoEvents("create_configmap.json"), ...falcoEvents("create_service.json")];
    await app.postAudit(eventList(old));
    await app.postAudit(eventList([...rolloutScenario().map((s) => s.event), ...falcoEvents("create_nginx_pod_unsensitive_mount.json")]));
    const stored = { history: await count(app, "history_entries"), relations: await count(app, "relations"), reads: await count(app, "request_counts") };
    expect(stored.reads).toBeGreaterThan(0);

    const result = await pruneOlderThan(app.context.db, new Date(Date.now() - 14 * 86_400_000));
    expect(result).toEqual({ historyEntries: 0, receipts: 0, requestCounts: 0, relations: 0, objects: 0, objectStates: 0, watchedStates: 0, objectAliases: 0 });
    expect({ history: await count(app, "history_entries"), relations: await count(app, "relations"), reads: await count(app, "request_counts") }).toEqual(stored);
  });

  it("prunes history older than the cutoff, once stored for longer, and the objects left without history, keeping newer ones", async () => {
    app = await startTestApp(kind);
    const old = [...falcoEvents("create_configmap.json"), ...falcoEvents("create_service.json")];
    await app.postAudit(eventList(old));
    await app.postAudit(eventList(rolloutScenario().map((s) => s.event)));
    const before = await count(app, "history_entries");
    // As if stored in 2020, before the cutoff: the rollout's events (2021) are still newer than it.
    for (const table of ["history_entries", "relations", "request_counts"]) await app.context.db.query(`UPDATE ${table} SET stored_at = '2020-06-01T00:00:00Z'`);

    const result = await pruneOlderThan(app.context.db, new Date("2021-01-01T00:00:00Z"));
    expect(result.historyEntries).toBe(2);
    expect(result.objects).toBe(2);
    expect(await count(app, "history_entries")).toBe(before - 2);
    const names = await app.context.db.query<{ name: string }>(`SELECT name FROM objects ORDER BY name`);
    expect(names.rows.map((r) => r.name)).toEqual(["apiserver"]);
    // Receipts age by when they were received (just now), so a retry of these batches is still recognised.
    expect(result.receipts).toBe(0);
    const retry = await (await app.postAudit(eventList(old))).json();
    expect(retry).toMatchObject({ accepted: 0, duplicates: 2 });
  });

  it("prunes everything, in batches, when everything is older than the cutoff", async () => {
    app = await startTestApp(kind);
    const template = falcoEvents("create_configmap.json")[0]!;
    const events = Array.from({ length: 1200 }, (_, i) => {
      const e = structuredClone(template);
      e.auditID = `9a0e0000-0000-4000-8000-${String(i).padStart(12, "0")}`;
      e.objectRef.name = e.responseObject.metadata.name = `config-${i}`;
      e.responseObject.metadata.uid = `9a0e0000-0000-4000-8000-${String(i).padStart(12, "0")}`;
      return e;
    });
    for (let i = 0; i < events.length; i += 400) await app.postAudit(eventList(events.slice(i, i + 400)));
    const result = await pruneOlderThan(app.context.db, new Date(Date.now() + 86_400_000));
    expect(result).toMatchObject({ historyEntries: 1200, objects: 1200, receipts: 1200 });
    for (const table of ["history_entries", "objects", "object_states", "audit_receipts", "request_counts"]) expect(await count(app, table)).toBe(0);
  });

  it("prunes a receipt stored before the cutoff and keeps a newer one of another request sharing its auditID", async () => {
    app = await startTestApp(kind);
    // falco's recorded create, and a later request sent with its Audit-ID (reusedAuditIds.integration-test.ts).
    const create = falcoEvents("create_configmap.json");
    const reuse = { ...structuredClone(create[0]!), requestReceivedTimestamp: "2018-10-26T14:00:00.000000Z", stageTimestamp: "2018-10-26T14:00:00.010000Z" };
    await app.postAudit(eventList(create));
    await app.context.db.query(`UPDATE audit_receipts SET received_at = '2020-06-01T00:00:00Z'`);
    await app.postAudit(eventList([reuse]));
    expect(await count(app, "audit_receipts")).toBe(2);

    expect(await pruneOlderThan(app.context.db, new Date("2021-01-01T00:00:00Z"))).toMatchObject({ receipts: 1 });
    // The later request's retry is still a duplicate.
    expect(await (await app.postAudit(eventList([reuse]))).json()).toMatchObject({ accepted: 0, duplicates: 1 });
  });

  it("prunes Kubernetes Events' entries and receipts with the rest, then the objects only they named; an Event stored again is new", async () => {
    app = await startTestApp(kind);
    // Real must-gather Events of 2021: old history, stored now.
    const entries = recordedEvents("openshift-console").slice(0, 30).map((event) => {
      const observed = observeKubernetesEvent(event);
      if (!observed.ok) throw new Error(observed.problem);
      return observed.entry;
    });
    const ingestor = createObservedHistoryIngestor(app.context.db);
    expect(await ingestor.ingest("default", entries)).toMatchObject({ stored: 30 });
    expect(await pruneOlderThan(app.context.db, new Date(Date.now() - 14 * 86_400_000))).toMatchObject({ historyEntries: 0, receipts: 0, objects: 0 });

    const result = await pruneOlderThan(app.context.db, new Date(Date.now() + 86_400_000));
    expect(result).toMatchObject({ historyEntries: 30, receipts: 30 });
    expect(result.objects).toBeGreaterThan(0);
    for (const table of ["history_entries", "objects", "observation_receipts"]) expect(await count(app, table)).toBe(0);
    expect(await ingestor.ingest("default", entries)).toMatchObject({ stored: 30 });
  });

  it("prunes watched history and receipts with the rest, then the objects only watches named, with their watched states", async () => {
    app = await startTestApp(kind);
    const entries = watchedCascade();
    expect(await app.context.observedHistoryIngestor.ingest("default", entries)).toMatchObject({ stored: entries.length, rejected: [] });
    const states = await count(app, "watched_states");
    expect(states).toBeGreaterThan(0);
    const result = await pruneOlderThan(app.context.db, new Date(Date.now() + 86_400_000));
    expect(result).toMatchObject({ historyEntries: entries.length, receipts: entries.length });
    for (const table of ["history_entries", "observation_receipts"]) expect(await count(app, table)).toBe(0);
    // The Pods, deleted, ended their relations and went; the Deployment and ReplicaSets, whose
    // deletes the watch saw no body of, are still in open relations, and keep their states.
    expect(result.watchedStates).toBeGreaterThan(0);
    expect(await count(app, "watched_states")).toBe(states - result.watchedStates);
    expect(await count(app, "watched_states")).toBeGreaterThan(0);
    expect(await orphans(app)).toEqual([]);
  });

  it("leaves no row referring to a missing object or cluster: a pruned object's state goes with it", async () => {
    app = await startTestApp(kind);
    // The rollout and the quarantine of the OpenShift scenario: some relations ended (old Pods,
    // scaled-down ReplicaSets), some still open (the Deployment, its current Pods, their Nodes).
    const steps = openshiftCascade().filter((step) => step.phase !== "teardown");
    expect((await app.postAudit(cascadeEventList(steps))).status).toBe(200);
    const states = await count(app, "object_states");
    expect(await orphans(app)).toEqual([]);

    const result = await pruneOlderThan(app.context.db, new Date(Date.now() + 86_400_000));
    expect(result.relations).toBeGreaterThan(0);
    expect(result.objects).toBeGreaterThan(0);
    expect(result.objectStates).toBeGreaterThan(0);
    expect(await count(app, "object_states")).toBe(states - result.objectStates);
    // Objects in an open relation stay, with their states.
    expect(await count(app, "relations")).toBeGreaterThan(0);
    expect(await count(app, "object_states")).toBeGreaterThan(0);
    expect(await orphans(app)).toEqual([]);
  });
});

describe("retention next to ingest on postgres", () => {
  let app: TestApp;
  afterEach(() => app.close());

  it("leaves an object alone while an ingest batch holds its name, and prunes it on the next run", async () => {
    app = await startTestApp("postgres");
    const db = app.context.db;
    await app.postAudit(eventList(falcoEvents("create_configmap.json")));
    const object = (
      await db.query<{ cluster_id: number; api_group: string; resource: string; namespace: string; name: string }>(
        `SELECT cluster_id, api_group, resource, namespace, name FROM objects`,
      )
    ).rows[0]!;
    const lockId = advisoryLockIdOf(
      objectKeyOf(object.cluster_id, { apiGroup: object.api_group, resource: object.resource, namespace: object.namespace, name: object.name }),
    );
    const future = new Date(Date.now() + 86_400_000);

    // A batch that has read the object and not yet committed holds the lock auditWriter takes.
    let release!: () => void;
    let locked!: () => void;
    const lockHeld = new Promise<void>((resolve) => (locked = resolve));
    const batch = db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock($1)`, [lockId]);
      locked();
      await new Promise<void>((resolve) => (release = resolve));
    });
    await lockHeld;
    const during = await pruneOlderThan(db, future);
    release();
    await batch;
    expect(during).toMatchObject({ historyEntries: 1, objects: 0, objectStates: 0 });
    expect(await count(app, "objects")).toBe(1);

    expect(await pruneOlderThan(db, future)).toMatchObject({ historyEntries: 0, objects: 1, objectStates: 1 });
    expect(await orphans(app)).toEqual([]);
  });

  it("leaves an object alone while a batch links a new relation to it, so the relation never names a pruned object", async () => {
    app = await startTestApp("postgres");
    const db = app.context.db;
    // Two real ConfigMaps (falco's create_configmap.json, and the same event renamed): the first
    // will be the target of a relation the second's batch states.
    const [created] = falcoEvents("create_configmap.json") as Array<Record<string, any>>;
    const claimantEvent = structuredClone(created!);
    claimantEvent.auditID = "7d6f2c1e-0000-4000-8000-000000000001";
    claimantEvent.objectRef.name = "claimant";
    claimantEvent.responseObject.metadata.name = "claimant";
    claimantEvent.responseObject.metadata.uid = "7d6f2c1e-0000-4000-8000-0000000000aa";
    await app.postAudit(eventList([created!, claimantEvent]));
    const rows = (await db.query<{ id: number; name: string; cluster_id: number; namespace: string }>(`SELECT id, name, cluster_id, namespace FROM objects`)).rows;
    const target = rows.find((r) => r.name !== "claimant")!;
    const claimant = rows.find((r) => r.name === "claimant")!;
    const future = new Date(Date.now() + 86_400_000);

    let release!: () => void;
    let linked!: () => void;
    const relationStated = new Promise<void>((resolve) => (linked = resolve));
    const batch = db.transaction(async (tx) => {
      // As in ingest: the batch writing the claimant holds the claimant's name (auditWriter), then states its relations.
      const claimantLock = advisoryLockIdOf(objectKeyOf(claimant.cluster_id, { apiGroup: "", resource: "configmaps", namespace: claimant.namespace, name: "claimant" }));
      await tx.query(`SELECT pg_advisory_xact_lock($1)`, [claimantLock]);
      await applyRelationClaims(tx, claimant.cluster_id, [
        {
          objectId: claimant.id,
          identity: { apiGroup: "", apiVersion: "v1", resource: "configmaps", kind: "ConfigMap", namespace: claimant.namespace, name: "claimant", uid: null },
          at: new Date(),
          claims: [{ kind: "owner", role: "parent", other: { apiGroup: "", resource: "configmaps", namespace: target.namespace, name: target.name } }],
        },
      ]);
      linked();
      await new Promise<void>((resolve) => (release = resolve));
    });
    await relationStated;
    // Everything is older than the cutoff, and the relation is not committed yet: only the locks
    // of the open batch keep the pruner from the claimant and from the object it names.
    const during = await pruneOlderThan(db, future);
    release();
    await batch;
    expect(during.objects).toBe(0);
    expect((await db.query<{ name: string }>(`SELECT name FROM objects ORDER BY name`)).rows.map((r) => r.name)).toEqual(["claimant", target.name].sort());
    expect(await count(app, "relations")).toBe(1);
    expect(await orphans(app)).toEqual([]);
  });
});
