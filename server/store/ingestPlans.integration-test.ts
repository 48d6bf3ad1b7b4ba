import { afterEach, describe, expect, it } from "vitest";
import { STORE_KINDS, openTestDatabase, type TestDatabase } from "../testing/databases";
import {
  CREATES_BEFORE_ROWS_SQL,
  EARLIER_INCARNATIONS_SQL,
  ENTRIES_FROM_CREATES_SQL,
  INGEST_PLANNER_SETTINGS,
  LATEST_BY_NAME_SQL,
  MERGE_PLACEHOLDERS_SQL,
  MOVE_HISTORY_SQL,
  OBJECTS_BY_UID_SQL,
  PLACEHOLDERS_UNDER_OTHER_GROUPS_SQL,
  REEND_RELATIONS_SQL,
  ROWS_LEFT_BY_LATE_CREATES_SQL,
  ROWS_NAMED_ELSEWHERE_SQL,
  STATES_BY_ID_SQL,
  RECORD_RECEIPTS_AMONG_UNTIMED_SQL,
  UIDLESS_ROWS_SQL,
} from "./auditWriter";
import { OPEN_RELATIONS_SQL, TARGETS_BY_NAME_SQL, TARGETS_BY_UID_SQL } from "./relationWriter";
import { STATE_WRITTEN_SINCE_SQL } from "./lateWriteHistory";
import { LIVE_WATCHED_OBJECTS_SQL } from "./liveWatchedObjects";
import { CLOSE_OPEN_ENTRIES_SQL, SESSIONS_STORED_SQL } from "./sessionEntries";
import { int4Array, int8Array, textArray, timestamptzArray } from "./arrayParam";
import type { Sql } from "./database";

/**
 * Ingest reads rows by a batch's array of keys. On a table that grew since its last ANALYZE (or
 * was never analysed: autovacuum off, as on our benchmark machines) the planner guesses that
 * `key = ANY(240 keys)` matches most of the table, and may scan all of it, testing every row
 * against every key, on every batch. Seen in bench:cpu with 200-event batches: 309 sequential
 * scans of a 10,000-row relations table in one round, and 23% of Postgres's CPU. 10,000 rows
 * and 240 keys are such a case (with 30,000 rows the planner chose the index again).
 */
const ROWS = 10_000;
const BATCH_KEYS = Array.from({ length: 240 }, (_, i) => 1_000 + i * 7);

async function planOf(sql: Sql, text: string, params: unknown[]): Promise<string> {
  return (await sql.query<{ "QUERY PLAN": string }>(`EXPLAIN ${text}`, params)).rows.map((r) => r["QUERY PLAN"]).join("\n");
}

describe.each(STORE_KINDS)("ingest's key lookups on %s", (kind) => {
  let test: TestDatabase;
  afterEach(() => test.dispose());

  it("probe indexes on tables that grew past their statistics, under the ingest transaction's planner settings", async () => {
    test = await openTestDatabase(kind);
    for (const table of ["objects", "object_states", "relations"]) await test.db.query(`ALTER TABLE ${table} SET (autovacuum_enabled = false)`);
    await test.db.query(`INSERT INTO objects (id, cluster_id, api_group, api_version, resource, kind, namespace, name, uid, first_seen, last_seen)
      SELECT g, 1, '', 'v1', 'pods', 'Pod', 'default', 'pod-' || g, 'uid-' || g, now(), now() FROM generate_series(1, ${ROWS + 2_000}) g`);
    await test.db.query(`INSERT INTO object_states (object_id, state, resource_version) SELECT g, '{"kind":"Pod"}', g::text FROM generate_series(1, ${ROWS}) g`);
    // A Pod's claim of its owner (the claimant is the child), as the relation writer stores it.
    await test.db.query(`INSERT INTO relations (cluster_id, from_object_id, to_object_id, kind, claimed_by_id, valid_from)
      SELECT 1, g, g + 1, 'controller-owner', g + 1, now() FROM generate_series(1, ${ROWS - 1}) g`);

    const ids = int8Array(BATCH_KEYS);
    const uids = textArray(BATCH_KEYS.map((id) => `uid-${id}`));
    await test.db.transaction(async (tx) => {
      // Without the settings, the data above does tempt PostgreSQL 15's planner (the server these
      // tests run against), so the assertions below can fail. PGlite's newer planner picks the
      // index here by itself.
      if (kind === "postgres") expect(await planOf(tx, OPEN_RELATIONS_SQL, [ids])).toMatch(/Seq Scan on relations/);

      for (const [name, value] of INGEST_PLANNER_SETTINGS) await tx.query(`SELECT set_config($1, $2, true)`, [name, value]);
      const plans = {
        openRelations: await planOf(tx, OPEN_RELATIONS_SQL, [ids]),
        statesById: await planOf(tx, STATES_BY_ID_SQL, [ids]),
        objectsByUid: await planOf(tx, OBJECTS_BY_UID_SQL, [1, uids, textArray(BATCH_KEYS.map(() => "default"))]),
        targetsByUid: await planOf(tx, TARGETS_BY_UID_SQL, [int4Array(BATCH_KEYS.map(() => 1)), uids, textArray(BATCH_KEYS.map(() => "default"))]),
        rowsNamedElsewhere: await planOf(tx, ROWS_NAMED_ELSEWHERE_SQL, [ids]),
        mergePlaceholders: await planOf(tx, MERGE_PLACEHOLDERS_SQL, [ids, int8Array(BATCH_KEYS.map((id) => id + 1)), int8Array(BATCH_KEYS.map((id) => id + 1))]),
        uidlessRows: await planOf(tx, UIDLESS_ROWS_SQL, [ids, timestamptzArray(BATCH_KEYS.map(() => new Date())), timestamptzArray(BATCH_KEYS.map(() => new Date()))]),
        stateWrittenSince: await planOf(tx, STATE_WRITTEN_SINCE_SQL, [ids, timestamptzArray(BATCH_KEYS.map(() => new Date()))]),
        moveHistory: await planOf(tx, MOVE_HISTORY_SQL, [
          ids,
          int8Array(BATCH_KEYS.map((id) => id + 1)),
          timestamptzArray(BATCH_KEYS.map(() => null)),
          timestamptzArray(BATCH_KEYS.map(() => null)),
          int8Array(BATCH_KEYS.map((id) => id + 1)),
          textArray(BATCH_KEYS.map(() => null)),
          textArray(BATCH_KEYS.map(() => null)),
        ]),
        // Part of each row's history (an earlier object's row, from the create on), the rows holding no uid.
        moveHistoryInPart: await planOf(tx, MOVE_HISTORY_SQL, [
          ids,
          int8Array(BATCH_KEYS.map((id) => id + 1)),
          timestamptzArray(BATCH_KEYS.map(() => new Date())),
          timestamptzArray(BATCH_KEYS.map(() => null)),
          int8Array(BATCH_KEYS.map(() => null)),
          textArray(BATCH_KEYS.map(() => null)),
          textArray(BATCH_KEYS.map(() => null)),
        ]),
        placeholdersUnderOtherGroups: await planOf(tx, PLACEHOLDERS_UNDER_OTHER_GROUPS_SQL, [
          1,
          textArray(BATCH_KEYS.map(() => "")),
          textArray(BATCH_KEYS.map(() => "pods")),
          textArray(BATCH_KEYS.map(() => "default")),
          textArray(BATCH_KEYS.map((id) => `pod-${id}`)),
        ]),
        createsBeforeRows: await planOf(tx, CREATES_BEFORE_ROWS_SQL, [
          1,
          textArray(BATCH_KEYS.map(() => "")),
          textArray(BATCH_KEYS.map(() => "pods")),
          textArray(BATCH_KEYS.map(() => "default")),
          textArray(BATCH_KEYS.map((id) => `pod-${id}`)),
          timestamptzArray(BATCH_KEYS.map(() => new Date())),
        ]),
        rowsLeftByLateCreates: await planOf(tx, ROWS_LEFT_BY_LATE_CREATES_SQL, [
          1,
          textArray(BATCH_KEYS.map(() => "")),
          textArray(BATCH_KEYS.map(() => "pods")),
          textArray(BATCH_KEYS.map(() => "default")),
          textArray(BATCH_KEYS.map((id) => `pod-${id}`)),
          timestamptzArray(BATCH_KEYS.map(() => new Date())),
        ]),
        entriesFromCreates: await planOf(tx, ENTRIES_FROM_CREATES_SQL, [ids, timestamptzArray(BATCH_KEYS.map(() => new Date()))]),
        reendRelations: await planOf(tx, REEND_RELATIONS_SQL, [ids, timestamptzArray(BATCH_KEYS.map(() => new Date())), timestamptzArray(BATCH_KEYS.map(() => new Date()))]),
        earlierIncarnations: await planOf(tx, EARLIER_INCARNATIONS_SQL, [
          1,
          textArray(BATCH_KEYS.map(() => "")),
          textArray(BATCH_KEYS.map(() => "pods")),
          textArray(BATCH_KEYS.map(() => "default")),
          textArray(BATCH_KEYS.map((id) => `pod-${id}`)),
          timestamptzArray(BATCH_KEYS.map(() => new Date())),
          ids,
        ]),
      };
      // A session's stages find its entry by auditID and start (sessionEntries.ts): a few keys, as a batch holds few sessions.
      const sessionIds = textArray(["ca1ed9f4-7bf4-4c85-81a8-1b11253d1ba6", "14933b4e-7b09-4964-af09-b7987367e1ba"]);
      const sessionPlans = {
        sessionsStored: await planOf(tx, SESSIONS_STORED_SQL, [1, sessionIds, timestamptzArray([new Date(), new Date()])]),
        closeOpenEntries: await planOf(tx, CLOSE_OPEN_ENTRIES_SQL, [
          1,
          sessionIds,
          timestamptzArray([new Date(), new Date()]),
          int4Array([101, 101]),
          textArray(["a create exec", "a create attach"]),
          textArray(["ResponseComplete", "ResponseComplete"]),
          textArray(["{}", "{}"]),
          timestamptzArray([new Date(), new Date()]),
        ]),
      };
      for (const plan of Object.values(sessionPlans)) expect(plan).toContain("history_audit_id_idx");
      Object.assign(plans, sessionPlans);
      for (const plan of Object.values(plans)) {
        expect(plan).not.toMatch(/Seq Scan/);
        expect(plan).toMatch(/Index Scan|Index Only Scan|Bitmap Index Scan/);
      }
      expect(plans.openRelations).toMatch(/relations_claimed_by_idx/);
      expect(plans.earlierIncarnations).toMatch(/objects_identity_idx/);
      expect(plans.createsBeforeRows).toMatch(/objects_identity_idx/);
      expect(plans.createsBeforeRows).toMatch(/history_object_time_idx/);
      expect(plans.rowsLeftByLateCreates).toMatch(/objects_identity_idx/);
      expect(plans.rowsLeftByLateCreates).toMatch(/history_object_time_idx/);
      expect(plans.entriesFromCreates).toMatch(/history_object_time_idx/);
      expect(plans.reendRelations).toMatch(/relations_claimed_by_idx/);
      expect(plans.placeholdersUnderOtherGroups).toMatch(/objects_identity_idx/);
      expect(plans.mergePlaceholders).toMatch(/relations_from_idx[\s\S]*relations_to_idx|relations_to_idx[\s\S]*relations_from_idx/);
      expect(plans.uidlessRows).toMatch(/history_object_time_idx/);
      // Both columns as the condition: only an object's entries after the time are read, not its whole history.
      expect(plans.stateWrittenSince).toMatch(/history_object_time_idx[\s\S]*Index Cond: \(\(object_id = t\.id\) AND \(start_time > t\.since\)\)/);
      for (const index of ["history_object_time_idx", "relations_from_idx", "relations_to_idx", "relations_claimed_by_idx"]) expect(plans.moveHistory).toContain(index);
      // The uids each side's watch entries observed are read by the partial index of watch entries, not from every entry.
      expect(plans.moveHistoryInPart).toContain("history_watch_object_time_idx");
      // The aliases that named a merged row are found by the row they name, in both merges.
      for (const plan of [plans.moveHistory, plans.mergePlaceholders]) expect(plan).toContain("object_aliases_object_idx");
      // Both columns of the uid index as the condition, not the cluster's every object read to test each uid.
      expect(plans.objectsByUid).toMatch(/Index Scan using objects_uid_idx on objects x[\s\S]*Index Cond: \(\(cluster_id = \S+\) AND \(uid = k\.u\)\)/);
      expect(plans.targetsByUid).toMatch(/Index Scan using objects_uid_idx on objects x[\s\S]*Index Cond: \(\(cluster_id = k\.c\) AND \(uid = k\.u\)\)/);
    });
  });

  it("finds objects by name through the identity index on a large table never analysed, not through the kinds index", async () => {
    // The store a new database (or one whose autovacuum is off) is before its first ANALYZE:
    // every condition guessed equally selective. bench:ingest's overload phase met this at 23,000
    // objects: the name lookups read every object of a resource through objects_kinds_idx (group,
    // resource), 1.3 s a batch (docs/benchmarks.md, "Runs, 2026-12-07 15:30–16:30").
    test = await openTestDatabase(kind);
    await test.db.query(`ALTER TABLE objects SET (autovacuum_enabled = false)`);
    await test.db.query(`INSERT INTO objects (id, cluster_id, api_group, api_version, resource, kind, namespace, name, uid, first_seen, last_seen)
      SELECT g, 1, CASE WHEN g % 3 = 0 THEN 'apps' ELSE '' END, 'v1', CASE WHEN g % 3 = 0 THEN 'replicasets' ELSE 'pods' END, NULL,
             'ns-' || (g % 20), 'o-' || g, 'uid-' || g, now(), now() FROM generate_series(1, ${ROWS * 4}) g`);
    const names = (length: number) => BATCH_KEYS.slice(0, length).map((id) => `o-${id}`);
    const byName = (length = BATCH_KEYS.length) => [
      1,
      textArray(names(length).map(() => "")),
      textArray(names(length).map(() => "pods")),
      textArray(names(length).map(() => "ns-1")),
      textArray(names(length)),
    ];
    const times = timestamptzArray(BATCH_KEYS.map(() => new Date()));
    await test.db.transaction(async (tx) => {
      for (const [name, value] of INGEST_PLANNER_SETTINGS) await tx.query(`SELECT set_config($1, $2, true)`, [name, value]);
      const plans = {
        latestByName: await planOf(tx, LATEST_BY_NAME_SQL, byName()),
        earlierIncarnations: await planOf(tx, EARLIER_INCARNATIONS_SQL, [...byName(), times, int8Array(BATCH_KEYS)]),
        placeholdersUnderOtherGroups: await planOf(tx, PLACEHOLDERS_UNDER_OTHER_GROUPS_SQL, byName()),
        createsBeforeRows: await planOf(tx, CREATES_BEFORE_ROWS_SQL, [...byName(), times]),
        rowsLeftByLateCreates: await planOf(tx, ROWS_LEFT_BY_LATE_CREATES_SQL, [...byName(), times]),
        targetsByName: await planOf(tx, TARGETS_BY_NAME_SQL, [int4Array(BATCH_KEYS.map(() => 1)), ...byName().slice(1)]),
      };
      for (const plan of Object.values(plans)) {
        expect(plan).toMatch(/Index Scan (Backward )?using objects_identity_idx on objects x[^\n]*\n[^\n]*Index Cond: \(\(cluster_id = \S+\) AND \(resource = k\.r\) AND \(namespace = k\.ns\) AND \(name = k\.n\)[^\n]*\)\n/);
        expect(plan).not.toContain("objects_kinds_idx");
      }
    });
  });

  it("reads a watched resource's live objects by index and their watched states by key, on an analysed store of a cluster that ran for a while", async () => {
    test = await openTestDatabase(kind);
    // Two clusters audited in full, a few resources watched. Of every 20 objects: 8 Pods (7 of
    // them deleted: Pods come and go, their rows stay for the retention period), 2 ReplicaSets (1
    // deleted), a Deployment, and 9 objects of other resources only audit tells of. Watched states
    // for the watched resources' rows, deleted or not.
    await test.db.query(`INSERT INTO clusters (id, name) VALUES (1, 'prod'), (2, 'staging')`);
    await test.db.query(`INSERT INTO objects (id, cluster_id, api_group, api_version, resource, kind, namespace, name, uid, first_seen, last_seen, deleted_at)
      SELECT g, 1 + (g / 20) % 2, CASE WHEN r IN ('replicasets', 'deployments') THEN 'apps' WHEN r = 'leases' THEN 'coordination.k8s.io' WHEN r = 'endpointslices' THEN 'discovery.k8s.io' ELSE '' END,
             'v1', r, 'X', 'ns-' || (g % 50), 'o-' || g, 'uid-' || g, now(), now(),
             CASE WHEN r = 'pods' AND g % 8 <> 0 THEN now() WHEN r = 'replicasets' AND g % 2 = 0 THEN now() END
        FROM (SELECT g, (ARRAY['pods', 'pods', 'pods', 'pods', 'pods', 'pods', 'pods', 'pods', 'replicasets', 'replicasets', 'deployments',
                               'configmaps', 'configmaps', 'configmaps', 'secrets', 'secrets', 'leases', 'endpointslices', 'endpointslices', 'serviceaccounts'])[g % 20 + 1] AS r
                FROM generate_series(1, ${ROWS * 4}) g) x`);
    await test.db.query(`INSERT INTO watched_states (object_id, state, resource_version) SELECT id, '{"kind":"X"}', id::text FROM objects WHERE resource IN ('pods', 'replicasets', 'deployments')`);
    await test.db.query(`ANALYZE`);

    await test.db.transaction(async (tx) => {
      // Left to itself, the planner hashes all of watched_states (every watched object of every cluster).
      if (kind === "postgres") expect(await planOf(tx, LIVE_WATCHED_OBJECTS_SQL, ["prod", "pods", ""])).toMatch(/Seq Scan on watched_states/);
      for (const [name, value] of INGEST_PLANNER_SETTINGS) await tx.query(`SELECT set_config($1, $2, true)`, [name, value]);
      for (const [resource, group] of [["pods", ""], ["deployments", "apps"]]) {
        const plan = await planOf(tx, LIVE_WATCHED_OBJECTS_SQL, ["prod", resource, group]);
        expect(plan).not.toMatch(/Seq Scan/);
        // The resource's rows found by an index on it (the kinds index, or the identity index by cluster and resource), not the whole table read.
        expect(plan).toMatch(/(Index Scan using|Bitmap Index Scan on) objects_(kinds|identity)_idx[^\n]*\n[^\n]*Index Cond: [^\n]*resource = '[a-z]+'::text/);
        expect(plan).toMatch(/Index Scan using watched_states_pkey on watched_states w[\s\S]*Index Cond: \(object_id = o\.id\)/);
      }
    });
  });
  it("probe an index by the whole key for each receipt among receipts stored without their request's time, with or without the ingest settings", async () => {
    test = await openTestDatabase(kind);
    // What the migration 20261216120000 leaves on a database that held receipts: all of them
    // untimed, and none of them in the statistics of the new column (nor of its partial index).
    await test.db.query(`ALTER TABLE audit_receipts SET (autovacuum_enabled = false)`);
    await test.db.query(`INSERT INTO clusters (id, name) VALUES (1, 'prod')`);
    await test.db.query(`INSERT INTO audit_receipts (cluster_id, audit_id, stage) SELECT 1, 'audit-' || g, 'ResponseComplete' FROM generate_series(1, ${ROWS}) g`);
    const params = [
      1,
      textArray(BATCH_KEYS.map((id) => `new-${id}`)),
      textArray(BATCH_KEYS.map(() => "ResponseComplete")),
      textArray(BATCH_KEYS.map((id) => new Date(Date.UTC(2026, 11, 16, 12, 0, 0, id)).toISOString())),
    ];
    await test.db.transaction(async (tx) => {
      // Read as a join, the guard read every untimed receipt of the cluster for each batch (a hash
      // of them all; under the ingest settings, all of them again for each key).
      const plans = [await planOf(tx, RECORD_RECEIPTS_AMONG_UNTIMED_SQL, params)];
      for (const [name, value] of INGEST_PLANNER_SETTINGS) await tx.query(`SELECT set_config($1, $2, true)`, [name, value]);
      plans.push(await planOf(tx, RECORD_RECEIPTS_AMONG_UNTIMED_SQL, params));
      for (const plan of plans) {
        expect(plan).not.toMatch(/Anti Join|Seq Scan on audit_receipts/);
        // By the primary key or the partial index of untimed receipts, as long as the probe is by every column of the key: with
        // the partial index on cluster_id alone, the planner took it and filtered all of the cluster's untimed receipts for each key.
        expect(plan).toMatch(/Index (Only )?Scan using audit_receipts_(pkey|untimed_idx) on audit_receipts u[^\n]*\n[^\n]*Index Cond: \(\(cluster_id = (\$1|1)\) AND \(audit_id = k\.a\) AND \(stage = k\.s\)/);
      }
    });
  });
});
