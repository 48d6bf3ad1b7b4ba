import { GROUP_FILTER } from "./nameLookup";
import { prepared, type Sql, type Transaction } from "./database";
import { CopyTextBuilder, type CopyText, type CopyValue } from "./copyText";
import { int4Array, int8Array, textArray, timestamptzArray } from "./arrayParam";
import { advisoryLockIdOf, lockIdsExclusive, lockNamesShared, objectKeyOf, uidLockIdOf } from "./objectKey";
import type { ObjectIdPool } from "./objectIdPool";
import type { StateCache } from "./stateCache";
import { withoutNulEscapes } from "./nulEscapes";
import { afterUntoldChange, isOlderThanState, toldVersion } from "./stateVersion";
import { WRITTEN_ENTRY, hasWrittenHistory } from "./writtenHistory";
import { watchedUidOf } from "./watchedUid";
import { computeChange, createsObject, type ChangeOptions } from "../ingest/audit/change";
import { predatesEffects } from "../ingest/audit/subresourceEffect";
import { kindForResource, otherGroupsServing } from "../k8s/resources";
import { toDisplay } from "../model/redact/redact";
import { isDecimal, type ObjectVersion } from "../ingest/audit/lateWrites";
import { placeAmongStoredVersions, rediffHistory, stateWrittenSince, type RediffedEntry } from "./lateWriteHistory";
import type { AuditRead, AuditWrite, JsonObject, JsonValue, ObjectChange, ObjectIdentity } from "../ingest/audit/types";
import { nameRelationsGuess, newerGroupNameToLock } from "../model/links/references";
import type { RelationClaim } from "../model/links/types";

/**
 * Writes one batch of converted audit events in the caller's transaction with a handful
 * of bulk statements, whatever the batch size: receipts for dedup, objects, their states,
 * history entries, read counts. New objects and history go in with COPY; updates and states
 * as VALUES lists of bind parameters. Nothing is escaped but COPY's few characters.
 */

export interface ReceiptKey {
  auditId: string;
  stage: string;
  /** requestReceivedTimestamp as written (AuditWrite.requestReceived). */
  requestReceived: string;
}

/** Which of a batch's events were new: the rest were accepted before (a retried batch, a re-imported file). */
export interface RecordedReceipts {
  /** How many were new. */
  count: number;
  isNew(key: ReceiptKey): boolean;
}

/** The receipts of `keys`, numbered from 1 in their order. */
const RECEIPT_KEYS_CTE = `keys AS (
    SELECT a, s, r::timestamptz AS r, i FROM unnest($2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS t(a, s, r, i))`;

/**
 * Inserts the receipts of a batch; answers how many were new and, only when some were there
 * before, which (their numbers in `keys`). Two keys that Postgres reads as one instant (they differ
 * below the microsecond) count once. `guard` is a condition on a key `k` that keeps it out.
 */
const recordReceiptsSql = (guard: string) => `WITH ${RECEIPT_KEYS_CTE},
  inserted AS (
    INSERT INTO audit_receipts (cluster_id, audit_id, stage, request_received_at)
    SELECT $1, a, s, r FROM keys k WHERE ${guard}
    ON CONFLICT DO NOTHING
    RETURNING audit_id, stage, request_received_at),
  counted AS (SELECT count(*)::int AS inserted FROM inserted)
  SELECT inserted,
         CASE WHEN inserted < cardinality($2::text[]) THEN
           (SELECT array_agg(first) FROM (SELECT min(k.i) AS first FROM keys k
              JOIN inserted n ON n.audit_id = k.a AND n.stage = k.s AND n.request_received_at = k.r
             GROUP BY k.a, k.s, k.r) AS fresh)
         END AS fresh
    FROM counted`;

export const RECORD_RECEIPTS_SQL = recordReceiptsSql("true");

/**
 * How much later than an untimed receipt was stored the request it records may say it was received:
 * the apiserver's clock against the database's. Beyond it, an event is no retry of that receipt's.
 */
export const UNTIMED_RECEIPT_CLOCK_SKEW = "1 hour";

/**
 * As RECORD_RECEIPTS_SQL, where receipts stored before their request time was kept may be left
 * (request_received_at -infinity): an event of the same auditID and stage is taken for the one
 * they record, as it was when they were stored, if it was received before that receipt was
 * (received_at, give or take UNTIMED_RECEIPT_CLOCK_SKEW). A request sent since with the Audit-ID of
 * one such a receipt records is new, then, whether or not retention ever prunes them (it may be off).
 *
 * One probe of an index by the whole key per event (audit_receipts_untimed_idx holds it too):
 * OFFSET 0 keeps the planner from turning the NOT EXISTS into an anti join, which (the new column
 * having no statistics after the migration, so the untimed receipts seemed few) read every untimed
 * receipt of the cluster for each batch, and under INGEST_PLANNER_SETTINGS all of them again for
 * each key (ingestPlans.integration-test.ts).
 */
export const RECORD_RECEIPTS_AMONG_UNTIMED_SQL = recordReceiptsSql(`NOT EXISTS (SELECT 1 FROM audit_receipts u
      WHERE u.cluster_id = $1 AND u.audit_id = k.a AND u.stage = k.s AND u.request_received_at = '-infinity'
        AND k.r <= u.received_at + interval '${UNTIMED_RECEIPT_CLOCK_SKEW}' OFFSET 0)`);

/**
 * Records receipts (`keys` must be distinct). Usually every event of a batch is new: then one
 * row with the count comes back, not a row per receipt, and only when some were there before
 * are the new ones listed. `amongUntimed`: whether the cluster may have receipts stored before
 * their request time was kept (UntimedReceipts).
 */
export async function recordReceipts(sql: Sql, clusterId: number, keys: readonly ReceiptKey[], amongUntimed = false): Promise<RecordedReceipts> {
  if (keys.length === 0) return { count: 0, isNew: () => false };
  const result = await sql.query<{ inserted: number; fresh: Array<number | string> | null }>(
    amongUntimed ? prepared("kt_record_receipts_among_untimed", RECORD_RECEIPTS_AMONG_UNTIMED_SQL) : prepared("kt_record_receipts", RECORD_RECEIPTS_SQL),
    [clusterId, textArray(keys.map((k) => k.auditId)), textArray(keys.map((k) => k.stage)), textArray(keys.map((k) => k.requestReceived))],
  );
  const { inserted, fresh } = result.rows[0]!;
  if (inserted === keys.length) return { count: inserted, isNew: () => true };
  const freshIds = new Set((fresh ?? []).map((number) => receiptId(keys[Number(number) - 1]!)));
  return { count: freshIds.size, isNew: (key) => freshIds.has(receiptId(key)) };
}

/** A receipt's key as one string: the same for a retry of the same event, and for no other. */
export function receiptId(key: ReceiptKey): string {
  return `${key.auditId}\u0000${key.stage}\u0000${key.requestReceived}`;
}

/** What we know of an object row while a batch is being applied. */
interface ObjectRow {
  id: number;
  isNew: boolean;
  identity: ObjectIdentity;
  uid: string | null;
  /**
   * The start of the earliest write stored on the row that gave its uid; null when none did (a
   * placeholder holding a claim's uid, a row stored before this was kept). Tells a create giving
   * no uid whether the row's uid was given after it began (mayHaveTakenUidOf).
   */
  uidGivenAt: Date | null;
  kind: string | null;
  firstSeen: Date;
  lastSeen: Date;
  deletedAt: Date | null;
  /** The last known body; loaded lazily (see loadStates). */
  state: JsonObject | null;
  /** Version of the stored state (null: no state stored, or it had none): its resourceVersion, or `<rv>+<n>` after untold changes (stateVersion.ts). */
  resourceVersion: string | null;
  hasStoredState: boolean;
  rowDirty: boolean;
  stateDirty: boolean;
  /** Its group, version, resource, namespace or name changed: a placeholder that became the object its uid names. */
  identityDirty: boolean;
}

interface LoadedObject {
  id: number;
  uid: string | null;
  uid_given_at: Date | null;
  kind: string | null;
  api_group: string;
  api_version: string;
  resource: string;
  namespace: string;
  name: string;
  first_seen: Date;
  last_seen: Date;
  deleted_at: Date | null;
  has_state: boolean;
  resource_version: string | null;
}

/** Both drivers give timestamptz as a fresh Date: used as it is (a Date's copy costs more under Next, which wraps Date). */
const dateOf = (value: Date | string): Date => (value instanceof Date ? value : new Date(value));

function rowOf(loaded: LoadedObject): ObjectRow {
  return {
    id: Number(loaded.id),
    isNew: false,
    identity: {
      apiGroup: loaded.api_group,
      apiVersion: loaded.api_version,
      resource: loaded.resource,
      kind: loaded.kind,
      namespace: loaded.namespace,
      name: loaded.name,
      uid: loaded.uid,
    },
    uid: loaded.uid,
    uidGivenAt: loaded.uid_given_at ? dateOf(loaded.uid_given_at) : null,
    kind: loaded.kind,
    firstSeen: dateOf(loaded.first_seen),
    lastSeen: dateOf(loaded.last_seen),
    deletedAt: loaded.deleted_at ? dateOf(loaded.deleted_at) : null,
    state: null,
    resourceVersion: loaded.resource_version,
    hasStoredState: loaded.has_state,
    rowDirty: false,
    stateDirty: false,
    identityDirty: false,
  };
}

// Narrow on purpose: the state body is fetched separately, and only when the cache lacks it.
const OBJECT_COLUMNS = `o.id, o.uid, o.uid_given_at, o.kind, o.api_group, o.api_version, o.resource, o.namespace, o.name,
  o.first_seen, o.last_seen, o.deleted_at, (s.object_id IS NOT NULL) AS has_state, s.resource_version`;

/** The latest incarnation of each name, keyed by objectKeyOf. */
/** Each name's latest incarnation, with its state's version (exported for the plan test, ingestPlans.integration-test.ts). */
export const LATEST_BY_NAME_SQL = `SELECT k.i, ${OBJECT_COLUMNS}
       FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS k(g, r, ns, n, i)
       CROSS JOIN LATERAL (
         SELECT x.* FROM objects x
          WHERE x.cluster_id = $1 AND x.resource = k.r AND x.namespace = k.ns AND x.name = k.n AND ${GROUP_FILTER}
          ORDER BY x.first_seen DESC, x.id DESC LIMIT 1) o
       LEFT JOIN object_states s ON s.object_id = o.id`;

async function loadLatestByName(sql: Sql, clusterId: number, objects: ObjectIdentity[]): Promise<Map<string, ObjectRow>> {
  const result = await sql.query<LoadedObject & { i: number }>(
    // One index probe per name (LATERAL … LIMIT 1 on objects_identity_idx): a join would let a
    // planner with stale statistics hash the cluster's every object, on each batch.
    prepared("kt_latest_by_name", LATEST_BY_NAME_SQL),
    [clusterId, textArray(objects.map((o) => o.apiGroup)), textArray(objects.map((o) => o.resource)), textArray(objects.map((o) => o.namespace)), textArray(objects.map((o) => o.name))],
  );
  const byKey = new Map<string, ObjectRow>();
  for (const row of result.rows) byKey.set(objectKeyOf(clusterId, objects[Number(row.i) - 1]!), rowOf(row));
  return byKey;
}

/**
 * Statements that read rows by an array of keys (exported for the plan test,
 * ingestPlans.integration-test.ts). By uid: one index probe per uid (LATERAL … LIMIT 1), for a
 * write of namespace `ns`, among the rows a write there may belong to (loadByUid): the latest
 * incarnation holding it in that namespace, else (for a cluster-scoped write) a placeholder of
 * another namespace before a row with history there, which the write will not take
 * (settleRowsNamedElsewhere). As `uid = ANY($2)` the planner, with no statistics, took
 * `cluster_id = $1` for 0.5% of the table and read the whole cluster's objects through the
 * identity index to test each against the uids: 12 ms a batch on 12,000 objects, where the
 * probes take 3.
 */
export const OBJECTS_BY_UID_SQL = `SELECT k.i, ${OBJECT_COLUMNS}
       FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS k(u, ns, i)
       CROSS JOIN LATERAL (
         SELECT x.* FROM objects x WHERE x.cluster_id = $1 AND x.uid = k.u AND (x.namespace = k.ns OR k.ns = '')
          ORDER BY x.namespace = k.ns DESC,
                   CASE WHEN x.namespace = k.ns THEN false
                        ELSE ${hasWrittenHistory("x.id")}
                          OR EXISTS (SELECT 1 FROM object_states t WHERE t.object_id = x.id) END,
                   x.first_seen DESC, x.id DESC LIMIT 1) o
       LEFT JOIN object_states s ON s.object_id = o.id`;
export const STATES_BY_ID_SQL = `SELECT object_id, state FROM object_states WHERE object_id = ANY($1::bigint[])`;

/**
 * A write's uid, as the rows it may belong to are looked up by: with its namespace. An object's
 * namespace never changes, so a write belongs to a row of its namespace holding its uid; or to a
 * placeholder, whose scope a relation may have guessed, in its namespace or, for a cluster-scoped
 * write, in any (a cluster-scoped owner named from a namespaced object). Never to a placeholder
 * of another namespace for a namespaced write: Kubernetes lets no object own one of another
 * namespace, so the claim that made that placeholder cannot name this object (relationWriter.ts),
 * and the placeholder holds the uid beside it.
 */
const uidKeyOf = (namespace: string, uid: string) => `${namespace}\u0000${uid}`;

/**
 * Objects by uid (OBJECTS_BY_UID_SQL), for writes that name an older incarnation than the latest,
 * or a placeholder under another name: each with the key (uidKeyOf) it was found for. A row found
 * for two keys, or among `known` already (the latest of a name the batch writes: a placeholder
 * under its guessed name, found by uid for a cluster-scoped write), is one ObjectRow: two would
 * each be changed and stored apart, the one stored last winning.
 */
async function loadByUid(
  sql: Sql,
  clusterId: number,
  keys: ReadonlyArray<{ namespace: string; uid: string }>,
  known: Iterable<ObjectRow>,
): Promise<Array<{ key: string; row: ObjectRow }>> {
  if (keys.length === 0) return [];
  const result = await sql.query<LoadedObject & { i: number }>(prepared("kt_objects_by_uid", OBJECTS_BY_UID_SQL), [
    clusterId,
    textArray(keys.map((k) => k.uid)),
    textArray(keys.map((k) => k.namespace)),
  ]);
  const rows = new Map<number, ObjectRow>();
  for (const row of known) rows.set(row.id, row);
  return result.rows.map((loaded) => {
    const { namespace, uid } = keys[Number(loaded.i) - 1]!;
    const row = rows.get(Number(loaded.id)) ?? rowOf(loaded);
    rows.set(row.id, row);
    return { key: uidKeyOf(namespace, uid), row };
  });
}

/** Fills in the stored states of `rows`, from the cache when it is current, else in one query. */
async function loadStates(sql: Sql, rows: ObjectRow[], cache: StateCache | null): Promise<void> {
  const missing: ObjectRow[] = [];
  for (const row of rows) {
    if (!row.hasStoredState) continue;
    const cached = cache?.get(row.id, row.resourceVersion) ?? null;
    if (cached !== null) row.state = JSON.parse(cached) as JsonObject;
    else missing.push(row);
  }
  if (missing.length === 0) return;
  const result = await sql.query<{ object_id: number; state: string }>(
    prepared("kt_states_by_id", STATES_BY_ID_SQL),
    [missing.map((row) => row.id)],
  );
  const states = new Map(result.rows.map((r) => [Number(r.object_id), JSON.parse(r.state) as JsonObject]));
  for (const row of missing) row.state = states.get(row.id) ?? null;
}

/** A change to an object's body or existence: what linkers read relations from. */
export interface ObjectObservation {
  objectId: number;
  identity: ObjectIdentity;
  /** When the change completed. */
  at: Date;
  /** The object's body after the change (null when unknown). */
  state: JsonObject | null;
  deleted: boolean;
  /** What the linkers state of `state`, when already known (transactionParts.ts ran them on the write's body). */
  claims?: RelationClaim[];
}

/**
 * A batch's writes, resolved and diffed, as rows ready to store: no parsed body is left in it
 * but the observations' (see takeObservations).
 */
export interface WritePlan {
  historyEntries: number;
  objectsCreated: number;
  /**
   * One per write that gave an object a new body or deleted it, in time order: every body,
   * not just each object's last, so that relations held only inside the batch (a Pod created
   * and deleted in one import batch) are kept too. Handed over once: the plan keeps none.
   */
  takeObservations(): ObjectObservation[];
  /** New object rows (ids assigned), rows to update, states as JSON text, history as COPY text. */
  readonly created: readonly ObjectRow[];
  readonly updated: readonly ObjectRow[];
  /** Of `updated`, the placeholders that took the identity of the object their uid names. */
  readonly reidentified: readonly ObjectRow[];
  /** Placeholders merged into another row (`into`), standing for the same object: their relations move there, and they go. */
  readonly merged: ReadonlyArray<{ id: number; into: number }>;
  /**
   * Rows made by writes that gave no uid whose history moves to the row of the object a later
   * write's uid names (uidlessRowEvidence): all of it, the row then going (`since` and `until`
   * null), the entries and relations that began at or after `since`, when the row was an earlier
   * object, or those that began before `until`, when it was a later one. Where only part of it
   * moves, watch entries go by the uid they observed, not by time: the uids the two rows hold
   * (`uid`, `intoUid`; null for none) say which is whose (MOVE_HISTORY_SQL).
   */
  readonly moved: ReadonlyArray<{ id: number; into: number; uid: string | null; intoUid: string | null } & HistoryMove>;
  /**
   * Rows whose deletion, inferred from a later create (`was`), a late create moved to its start
   * (`at`): the relations their bodies stated, ended at `was`, end at `at`.
   */
  readonly reended: ReadonlyArray<{ id: number; was: Date; at: Date }>;
  readonly states: ReadonlyArray<{ row: ObjectRow; text: string }>;
  readonly historyCopyText: CopyText;
  /** Stored entries whose diff changes, since a late write now comes before them (lateWrites.ts). */
  readonly rediffedHistory: readonly RediffedEntry[];
}

/** The objects a batch's writes name: locked for the transaction, and each name's latest incarnation. */
export interface LockedObjects {
  /** objectKeyOf of every object locked. */
  locked: ReadonlySet<string>;
  latestByName: Map<string, ObjectRow>;
}

/**
 * Planner settings for the rest of an ingest transaction (set_config(…, true): they end with it).
 * Every statement that follows the locks touches a few hundred rows by key, and index probes are
 * the right plan at any table size; but without fresh statistics (a table that grew since its
 * last ANALYZE, or was never analysed: autovacuum off) the planner may pick another:
 * - a hash join of a batch against the whole objects table: seen as UPDATE objects taking 16% of
 *   Postgres's time, growing with the table;
 * - a sequential scan testing every row against a batch's key array (`= ANY($1)`), which it
 *   guesses matches most of the table (0.5% per key): seen as 23% of Postgres's CPU in
 *   ExecEvalScalarArrayOp and int8eq on the open-relations lookup (docs/benchmarks.md);
 * - a Memoize node per probe, which took a quarter of the name lookup's time though the keys of
 *   a statement are distinct, so there is nothing to memoize.
 * Turned off, a plan of that kind is only chosen where no index can serve.
 */
export const INGEST_PLANNER_SETTINGS: ReadonlyArray<readonly [string, "off"]> = [
  ["enable_hashjoin", "off"],
  ["enable_mergejoin", "off"],
  ["enable_memoize", "off"],
  ["enable_seqscan", "off"],
];

/**
 * Takes the advisory locks of the objects `identities` name (held until the transaction ends) and
 * loads the latest incarnation of each name. Call it with every write of a batch, before knowing
 * which are duplicates: it can then go out with the receipts instead of after them.
 *
 * `relationTargets`, objects of this cluster that relations the writes open will name, are locked
 * too, in shared mode, as the relation writer locks them later (it then finds them held). In one
 * pass, in one order with the objects written: taken apart, one batch could hold a written
 * object's lock and wait for a target's, which another batch writes, while that batch waits for
 * the first's object as its own target — a deadlock Postgres breaks by failing one of them (a
 * Pod created in one batch names its ReplicaSet, created in another that names the Deployment
 * the first one updates: a rollout).
 */
export async function lockAndLoadObjects(
  sql: Sql,
  clusterId: number,
  identities: readonly ObjectIdentity[],
  relationTargets: ReadonlyArray<Pick<ObjectIdentity, "apiGroup" | "resource" | "namespace" | "name">> = [],
): Promise<LockedObjects> {
  const uniqueObjects = new Map<string, ObjectIdentity>();
  for (const identity of identities) uniqueObjects.set(objectKeyOf(clusterId, identity), identity);
  if (uniqueObjects.size === 0) return { locked: new Set(), latestByName: new Map() };
  const exclusive = new Set([...uniqueObjects.keys()].map(advisoryLockIdOf));
  // A custom resource's name as relations guess it from its kind, where that is not its own, and
  // an object's name under the group that replaced `extensions`, when written through that: a
  // batch naming it there waits for this one, and finds its row (nameRelationsGuess,
  // newerGroupNameToLock).
  for (const identity of uniqueObjects.values()) {
    const guessed = identity.kind === null ? null : nameRelationsGuess(identity);
    if (guessed !== null) exclusive.add(advisoryLockIdOf(objectKeyOf(clusterId, guessed)));
    const newer = newerGroupNameToLock(identity);
    if (newer !== null) exclusive.add(advisoryLockIdOf(objectKeyOf(clusterId, newer)));
  }
  const shared = new Set(relationTargets.map((target) => advisoryLockIdOf(objectKeyOf(clusterId, target))).filter((id) => !exclusive.has(id)));
  const lockIds = [...exclusive, ...shared].sort();
  // The planner settings (INGEST_PLANNER_SETTINGS) go with the locks: one round trip.
  const locking = sql.query(
    prepared("kt_lock_objects", `SELECT ${INGEST_PLANNER_SETTINGS.map(([name, value]) => `set_config('${name}', '${value}', true)`).join(", ")},
            (SELECT count(*) FROM (SELECT CASE WHEN t.exclusive THEN pg_advisory_xact_lock(t.id) ELSE pg_advisory_xact_lock_shared(t.id) END
                                     FROM unnest($1::bigint[], $2::boolean[]) AS t(id, exclusive) ORDER BY t.id) AS locked)`),
    [lockIds, lockIds.map((id) => exclusive.has(id))],
  );
  // Sent without waiting for the locks: a connection runs its statements in order, so the lookup
  // still starts (and takes its snapshot) only once every lock is held. Not waiting saves the
  // wait for this thread between the two, which other batches' work makes the longer part.
  const [, latestByName] = await Promise.all([locking, loadLatestByName(sql, clusterId, [...uniqueObjects.values()])]);
  return { locked: new Set(uniqueObjects.keys()), latestByName };
}

/**
 * Resolves the writes (already deduplicated) to object rows and turns them into rows to store.
 * `objects` must come from lockAndLoadObjects in the same transaction, for these writes or more. Writes to the same object are
 * applied in completion order so each diff is against the state before it.
 *
 * Consumes `writes`: the array is emptied once their rows are built, and the plan keeps no body
 * but the observations', so that a batch waiting on the database holds compact text rather than
 * hundreds of parsed objects (which every young-generation collection would copy).
 *
 * `changeOptions` say what the cluster's kube-apiserver does in a binding or an eviction
 * (its version: server/ingest/audit/apiserverBehaviour.ts). `entriesStored` are writes whose
 * entry is stored already (a session's end, which closed its open entry: sessionEntries.ts):
 * they count for their object as any write does, and add no entry.
 */
export async function planWrites(
  sql: Sql,
  clusterId: number,
  writes: AuditWrite[],
  objects: LockedObjects,
  cache: StateCache | null,
  objectIds: ObjectIdPool,
  changeOptions: ChangeOptions = {},
  entriesStored: ReadonlySet<AuditWrite> = new Set(),
): Promise<WritePlan> {
  if (writes.length === 0) return emptyPlan();

  const latestByName = objects.latestByName;
  for (const w of writes) {
    if (!objects.locked.has(objectKeyOf(clusterId, w.object))) throw new Error(`write ${w.auditId}: its object was not locked (lockAndLoadObjects)`);
  }
  const ordered = writes
    .map((write, index) => ({ write, index }))
    .sort((a, b) => a.write.endTime.getTime() - b.write.endTime.getTime() || a.index - b.index)
    .map(({ write }) => write);
  inResourceVersionOrderPerObject(ordered, clusterId);

  // By uidKeyOf: the write's namespace with its uid.
  const byUid = new Map<string, ObjectRow>();
  for (const row of latestByName.values()) if (row.uid) byUid.set(uidKeyOf(row.identity.namespace, row.uid), row);
  // The object the batch's first write of each uid and namespace names: the name a placeholder holding
  // that uid under another name takes, as it would were each write sent in a batch of its own. A
  // write that gives no uid (at Metadata level a patch) to a name whose latest row holds one writes
  // that row, alone as in a batch: it is a write of that uid, and if first, that row keeps its name
  // (a patch through extensions, then an update through apps).
  const firstOfUid = new Map<string, ObjectIdentity>();
  for (const w of ordered) {
    const uid = w.object.uid ?? (createsObject(w) ? null : (latestByName.get(objectKeyOf(clusterId, w.object))?.uid ?? null));
    const key = uid ? uidKeyOf(w.object.namespace, uid) : null;
    if (key !== null && !firstOfUid.has(key)) firstOfUid.set(key, w.object);
  }
  // Those that no row of a name the batch writes holds: their rows are looked up by uid (a uid only
  // such a row gave is held by it).
  const uidsToLoad = new Map([...firstOfUid].filter(([key]) => !byUid.has(key)));
  // A row that does hold one, under another API group's name than the first write's (a Deployment
  // an old ReplicaSet named through extensions, written through apps and then extensions in one
  // batch), is settled as one found by uid: were it a placeholder, the apps write alone would have
  // made it its object, and the extensions write then found it under that name. Only a row without a
  // body may be one, so a batch writing an object through both groups asks nothing more.
  const heldUnderAnotherGroup = [...firstOfUid].flatMap(([key, named]) => {
    const row = byUid.get(key);
    return row !== undefined && !row.hasStoredState && isSameObjectThroughAnotherGroup(row.identity, named) ? [{ key, row, named }] : [];
  });
  const uidsElsewhere = new Set([...uidsToLoad.keys(), ...heldUnderAnotherGroup.map(({ key }) => key)]);
  const loaded = [...latestByName.values()];
  // A write that gives no uid (Metadata level: a patch, a delete, a create) of a name that holds no
  // object yet, and whose resource another group serves too: its object's placeholder may be
  // under that group's name (an extensions Deployment an old ReplicaSet named), where a write
  // giving the uid would find it by uid.
  const namedWithoutUid = new Map<string, ObjectIdentity>();
  for (const w of writes) {
    if (w.object.uid !== null || otherGroupsServing(w.object.apiGroup, w.object.resource).length === 0) continue;
    const key = objectKeyOf(clusterId, w.object);
    if (!latestByName.has(key)) namedWithoutUid.set(key, w.object);
  }
  // A write that gives a uid to a name whose latest row holds none, made by writes that gave none
  // (Metadata level), and is not its create: that row's history tells whether it is the object
  // the uid names (uidlessRowEvidence). Asked for the first such write of each row only: it gives
  // the row its uid, or finds it another object.
  // So is a create giving the uid that such a row took, judged the same object before the create
  // arrived (mayHaveTakenUidOf).
  // So is a create giving no uid (Metadata level) whose name's latest row took its uid from a write
  // that began after the create did (mayHaveTakenUidOf): a write of the create's object.
  const uidlessRows = new Map<number, AuditWrite>();
  for (const w of ordered) {
    const creates = createsObject(w);
    if (w.object.uid === null && !creates) continue;
    const latest = latestByName.get(objectKeyOf(clusterId, w.object));
    if (latest === undefined || uidlessRows.has(latest.id)) continue;
    if (creates ? mayHaveTakenUidOf(w, latest) : latest.uid === null) uidlessRows.set(latest.id, w);
  }
  // A create giving no uid (Metadata level) whose name's latest row began at or after it: it arrived
  // late, and which of the name's rows is its object, if any, is asked (createsBeforeRows): the
  // first that began from the create on, unless that one holds a create of its own or its body
  // tells a creation after this create ended. In order no create finds such a row.
  const createsBeforeRow = ordered.filter((w) => {
    if (w.object.uid !== null || !createsObject(w)) return false;
    const latest = latestByName.get(objectKeyOf(clusterId, w.object));
    return latest !== undefined && !latest.isNew && latest.firstSeen >= w.startTime;
  });
  // A create whose name's latest row began before it and was last seen from its start on: writes
  // that gave no uid of the create's object, arriving before it, may have reached that row, the
  // object before it (entriesFromCreates). In order a create finds that row last seen before it.
  const lateCreates = new Set(createsBeforeRow);
  const fromCreateAsked = new Map<AuditWrite, ObjectRow>();
  for (const w of ordered) {
    if (!createsObject(w) || lateCreates.has(w)) continue;
    const latest = latestByName.get(objectKeyOf(clusterId, w.object));
    if (latest !== undefined && !latest.isNew && latest.firstSeen < w.startTime && latest.lastSeen >= w.startTime) fromCreateAsked.set(w, latest);
  }
  // A write that tells no kind (a custom resource at Metadata level) locked no name relations
  // guess for its object from its kind (nameRelationsGuess): the uid it brings is locked instead,
  // before it is looked up, as a batch about to make a placeholder holding it locks it
  // (relationWriter.ts). Only for uids no row of the batch's names holds: a write whose row holds
  // its uid locks nothing more.
  const uidLockIds = [...new Set([...uidsToLoad.values()].filter((o) => o.kind === null).map((o) => uidLockIdOf(clusterId, o.uid!)))];
  // Ids for the objects the batch may create (at most one per write; the rest go back), those uid
  // locks, older incarnations by uid, states missing from the cache, which rows that creates may
  // fill in are placeholders, placeholders under another group's name, what rows holding no uid
  // tell of a write giving one, which of a name's rows late creates end on, and which scales that
  // told no version arrived after a later write of their object (scaleIsLate), and what the rows
  // creates find holds from their start on: each a statement only when needed.
  const [ids, , olderIncarnations, , placeholders, underOtherGroups, uidlessEvidence, rowsOfLateCreates, overtakenScales, leftByLateCreates, fromCreates] = await Promise.all([
    objectIds.take(sql, writes.length),
    // Sent before the lookup by uid, which the connection then runs once the locks are held.
    uidLockIds.length > 0 ? lockIdsExclusive(sql, uidLockIds).then(() => undefined) : undefined,
    loadByUid(sql, clusterId, [...uidsToLoad.values()].map((o) => ({ namespace: o.namespace, uid: o.uid! })), loaded),
    loadStates(sql, loaded, cache),
    // Also, for a write whose uid no row of its name holds, whether that name's latest is one: the
    // uid may find a placeholder under another name for the same object (mergesPlaceholder below),
    // by a lookup or among the batch's rows under another group's name.
    placeholdersAmong(
      sql,
      writes
        .filter((w) => createsObject(w) || (uidsElsewhere.size > 0 && w.object.uid !== null && uidsElsewhere.has(uidKeyOf(w.object.namespace, w.object.uid))))
        .map((w) => latestByName.get(objectKeyOf(clusterId, w.object)))
        .filter((row) => row !== undefined),
    ),
    placeholdersUnderOtherGroups(sql, clusterId, namedWithoutUid, loaded),
    uidlessRowEvidence(sql, uidlessRows),
    createsBeforeRows(sql, clusterId, createsBeforeRow, latestByName, loaded),
    untoldScalesOvertaken(sql, clusterId, ordered, latestByName),
    rowsLeftByLateCreates(sql, clusterId, createsBeforeRow, loaded),
    entriesFromCreates(sql, fromCreateAsked),
  ]);
  for (const { key, row } of olderIncarnations) byUid.set(key, row);
  const olderRows = [...new Set(olderIncarnations.map(({ row }) => row))].filter((row) => !loaded.includes(row));
  // A row a late create found that an older incarnation's lookup found too is one row; its body is loaded with theirs.
  for (const late of rowsOfLateCreates.values()) {
    if (loaded.includes(late.row)) continue;
    const same = olderRows.find((older) => older.id === late.row.id);
    if (same) late.row = same;
    else olderRows.push(late.row);
  }
  // So is a row a late create ends (rowsLeftByLateCreates); its body is loaded for the relations it ends.
  for (const left of leftByLateCreates.values()) {
    if (loaded.includes(left.row)) continue;
    const same = olderRows.find((older) => older.id === left.row.id);
    if (same) left.row = same;
    else olderRows.push(left.row);
  }
  // A placeholder both lookups found (a write through apps gives its uid, another none) is one row.
  for (const [key, row] of underOtherGroups) underOtherGroups.set(key, olderRows.find((older) => older.id === row.id) ?? row);
  const foundByUid = [...olderIncarnations.map(({ key, row }) => ({ key, row, named: uidsToLoad.get(key)! })), ...heldUnderAnotherGroup];
  const [, stillPlaceholders] = await Promise.all([
    loadStates(sql, olderRows, cache),
    settleRowsNamedElsewhere(sql, clusterId, [...foundByUid, ...[...underOtherGroups].map(([key, row]) => ({ key: null, row, named: namedWithoutUid.get(key)! }))], objects.locked, byUid),
  ]);
  loaded.push(...olderRows);
  const misplaced = new Set(foundByUid.map(({ row }) => row).filter((row) => stillPlaceholders.has(row)));
  for (const [key, row] of underOtherGroups) if (!stillPlaceholders.has(row)) underOtherGroups.delete(key);
  // A placeholder this batch makes the object its uid names is no longer the latest of the name
  // it had, whichever of the batch's writes comes first: a write to that name (another object,
  // whose create would otherwise end it) finds the incarnations of that name without it.
  for (const [key, row] of latestByName) if (misplaced.has(row)) latestByName.delete(key);
  let idsUsed = 0;

  const touched = new Set<ObjectRow>();
  const observed: Array<{ row: ObjectRow; at: Date; state: JsonObject | null; deleted: boolean; claims?: RelationClaim[] }> = [];
  const historyRows = new CopyTextBuilder();
  // Late writes that may yet get their diff, by object: placed once every write is resolved.
  const lateByRow = new Map<ObjectRow, LateGroup>();
  // Deletes that name no uid and ended before the object of their name began: of an earlier incarnation.
  const earlierDeletes: EarlierDelete[] = [];
  // Placeholders merged into the row of the object they stood for (mergesPlaceholder): no later
  // write of the batch may take one, as its row is deleted.
  const merged: Array<{ row: ObjectRow; into: ObjectRow }> = [];
  const mergedAway = new Set<ObjectRow>();
  // Rows made by writes that gave no uid, whose history moves to the row of the object a write's
  // uid names (all of it: `since` null), and the rows the whole of it went to.
  const moved: Array<{ row: ObjectRow; into: ObjectRow } & HistoryMove> = [];
  const absorbedInto = new Map<ObjectRow, ObjectRow>();
  // The batch's writes that gave no uid to rows holding none, and its writes to the rows asked
  // about (uidlessRows): history those rows have that the stored one does not tell yet (uidlessRowIs).
  const uidlessEntries = new Map<ObjectRow, UidlessEntry[]>();
  // Rows the batch made for an earlier object than its name's latest, ended where the later one
  // began (a late create, a write of an object gone before the later one's create): the batch's
  // writes of that name that began before then, and are not creates, are that object's, as they
  // would be in batches of their own, where they would find it among the name's rows.
  const endedBeforeLatest = new Map<string, ObjectRow>();
  // Rows whose deletion, inferred from a later create, a late create moved to its own start: the
  // relations their bodies stated, ended there, end here instead (storeWrites).
  const reended: Array<{ row: ObjectRow; was: Date; at: Date }> = [];

  for (const write of ordered) {
    const key = objectKeyOf(clusterId, write.object);
    const earlierRow = endedBeforeLatest.get(key);
    const latest =
      earlierRow !== undefined && !createsObject(write) && earlierRow.deletedAt !== null && write.startTime < earlierRow.deletedAt && (write.object.uid === null || earlierRow.uid === null || earlierRow.uid === write.object.uid)
        ? earlierRow
        : (latestByName.get(key) ?? null);
    // The row holding the write's uid in its namespace (uidKeyOf), unless a write before this one
    // took it into another: a placeholder found for a cluster-scoped write is also the latest of
    // its old name, which a namespaced twin writes (an edited log). Whichever comes first takes
    // it, as in two batches; the other is another object, not more history of that one.
    const sameUid = write.object.uid ? (byUid.get(uidKeyOf(write.object.namespace, write.object.uid)) ?? null) : null;
    const ownUid = sameUid !== null && (sameUid.identity.namespace === write.object.namespace || misplaced.has(sameUid)) ? sameUid : null;
    // Two placeholders of this object: one under its name that no uid names (a parent-link's, a
    // Pod's Node), one holding its uid under another name (an owner a Pod's ownerReference put in
    // its namespace). Had the object been written between the two claims, the second would have
    // found it: so the write takes the one holding the uid, which claims giving the uid find, and
    // the other is merged into it, its relations moved there.
    const mergesPlaceholder = ownUid !== null && misplaced.has(ownUid) && latest !== null && latest !== ownUid && latest.uid === null && placeholders.has(latest.id) && !touched.has(latest);
    // A row only a relation named so far (a Pod's ephemeral volume claim, an Ingress's Service
    // applied after it) is the object its name's create makes: its relations stay with it.
    const fillsPlaceholder = !mergesPlaceholder && latest !== null && createsObject(write) && placeholders.has(latest.id) && !touched.has(latest);
    // A write that gives no uid takes its object's placeholder under another group's name while no
    // row of its own name is there, as a write giving the uid would; unless a write before it
    // took that placeholder (it is then an object, found by neither) or merged it into the object
    // it stood for (whose row then has history, and is gone), or it is a create made after the
    // placeholder's uid was named (that uid is an earlier object's, resolveTarget).
    const underOtherGroup = latest === null && write.object.uid === null ? (underOtherGroups.get(key) ?? null) : null;
    const takesPlaceholderOfOtherGroup =
      underOtherGroup !== null &&
      !touched.has(underOtherGroup) &&
      !mergedAway.has(underOtherGroup) &&
      (!createsObject(write) || underOtherGroup.uid === null || underOtherGroup.firstSeen >= write.startTime);
    // The latest row of the write's name holds no uid but has history (writes that gave none made
    // it), and this write gives one: whether that row is the object the uid names (uidlessRowIs).
    // Where another row holds the uid (a placeholder under another name, the same object under
    // another API group), the write goes there, and the row of its name, when the same object, is
    // merged into it: had the write come first, that row would have taken the uid, and the claim
    // or the write through the other group found it by uid.
    const uidless = !mergesPlaceholder && write.object.uid !== null && latest !== null && latest.uid === null && !mergedAway.has(latest) ? latest : null;
    const judged = uidless === null ? null : uidlessRowIs(write, uidless, ownUid, uidlessEvidence.get(uidless.id), uidlessEntries.get(uidless) ?? []);
    const uidlessVerdict = judged?.is ?? null;
    const absorbs = uidlessVerdict === "same" && ownUid !== null && ownUid !== latest && objectKeyOf(clusterId, ownUid.identity) !== key;
    // A create giving the uid that the latest row of its name took from a write of this object
    // after it, though that row's history tells an earlier object (earlierThanCreate): the create
    // gets a row of its own, and that row's entries since it began move there.
    // So does a create giving no uid, whose object's write gave that row the uid after it began.
    const retaken =
      uidless === null && !mergesPlaceholder && latest !== null && (ownUid === latest || (write.object.uid === null && latest.uid !== null))
        ? earlierThanCreate(write, latest, uidlessEvidence.get(latest.id), uidlessEntries.get(latest) ?? [])
        : null;
    // A create giving no uid that arrived after writes of its name that began later
    // (createsBeforeRows): the row it was asked about is its object, or a later one.
    const askedLate = rowsOfLateCreates.get(write);
    const createdLate = askedLate !== undefined && latest === askedLate.latest && !fillsPlaceholder && !mergedAway.has(askedLate.row) ? askedLate : null;
    const laterObject = createdLate === null ? null : laterObjectAt(createdLate, write);
    const target = fillsPlaceholder
      ? latest
      : takesPlaceholderOfOtherGroup
        ? underOtherGroup
        : retaken !== null
          ? "new"
          : createdLate !== null
            ? (laterObject!.at === null ? createdLate.row : "new")
            : resolveTarget(write, latest, ownUid, uidlessVerdict === null ? null : uidlessVerdict === "same");

    // A late create found the name free when it began: the row of its name that began before it,
    // not deleted, was an earlier object, which it ends there, as it would have in order. One that
    // a later create ended (its delete not seen) ends here too: it was gone by this create.
    const left = createdLate === null ? undefined : leftByLateCreates.get(write);
    const leftRow = left !== undefined && !mergedAway.has(left.row) ? left.row : null;
    if (leftRow !== null && leftRow.deletedAt === null) endIncarnation(leftRow, write, touched, observed);
    else if (leftRow !== null && left!.inferredDeletedAt !== null && leftRow.deletedAt!.getTime() === left!.inferredDeletedAt.getTime() && leftRow.deletedAt! > write.startTime) {
      reended.push({ row: leftRow, was: leftRow.deletedAt!, at: write.startTime });
      leftRow.deletedAt = write.startTime;
      leftRow.rowDirty = true;
      touched.add(leftRow);
    }

    let row: ObjectRow;
    if (target === "new") {
      if (latest && !latest.deletedAt && createsObject(write) && retaken === null && createdLate === null) endIncarnation(latest, write, touched, observed);
      row = {
        id: ids[idsUsed++]!,
        isNew: true,
        identity: write.object,
        uid: write.object.uid,
        uidGivenAt: write.object.uid ? write.startTime : null,
        kind: write.object.kind,
        firstSeen: write.startTime,
        lastSeen: write.endTime,
        deletedAt: null,
        state: null,
        resourceVersion: null,
        hasStoredState: false,
        rowDirty: true,
        stateDirty: false,
        identityDirty: false,
      };
      latestByName.set(key, row);
      if (row.uid) byUid.set(uidKeyOf(write.object.namespace, row.uid), row);
    } else {
      row = target;
    }
    touched.add(row);
    // What reached the row the create found its name's latest (or, arriving late, would have in
    // order) from its start on was its object's: writes that gave no uid, stored before it.
    const fromCreate = fromCreates.get(write);
    if (target === "new" && fromCreate !== undefined && fromCreate.row === latest && retaken === null && createdLate === null && !mergedAway.has(latest)) {
      moveEntriesFromCreate(latest, row, write.startTime, null, fromCreate.entries, moved, touched);
    } else if (leftRow !== null) {
      moveEntriesFromCreate(leftRow, row, write.startTime, laterObject?.at ?? null, left!.entries, moved, touched);
    }
    if (absorbs && uidless !== null) {
      // The row of the write's name is this object: its history and relations move to the row
      // holding the uid, and it goes (storeWrites). Its body, when it has one and that row none,
      // is the one this write is diffed against.
      if (uidless.firstSeen < row.firstSeen) row.firstSeen = uidless.firstSeen;
      if (uidless.lastSeen > row.lastSeen) row.lastSeen = uidless.lastSeen;
      if (uidless.deletedAt && (!row.deletedAt || uidless.deletedAt > row.deletedAt)) row.deletedAt = uidless.deletedAt;
      if (!row.kind && uidless.kind) row.kind = uidless.kind;
      if (row.state === null && !row.hasStoredState && uidless.state !== null) {
        row.state = uidless.state;
        row.resourceVersion = uidless.resourceVersion;
        row.stateDirty = true;
      }
      row.rowDirty = true;
      moved.push({ row: uidless, into: row, since: null, until: null });
      mergedAway.add(uidless);
      absorbedInto.set(uidless, row);
      if (latestByName.get(key) === uidless) latestByName.set(key, row);
    } else if (uidless !== null && judged !== null && judged.is === "earlier" && judged.since !== null) {
      endEarlierObject(uidless, row, judged, moved, touched, observed);
      if (latestByName.get(key) === uidless) latestByName.set(key, row);
    } else if (retaken !== null && latest !== null) {
      // The uid it took was this object's, given since the create began, with the entries that move.
      endEarlierObject(latest, row, retaken, moved, touched, observed);
      if (row.uid === null) {
        // A create giving no uid: the uid is the one that row was given since.
        row.uid = latest.uid;
        row.uidGivenAt = latest.uidGivenAt;
        byUid.set(uidKeyOf(write.object.namespace, row.uid!), row);
      }
      latest.uid = null;
      latest.uidGivenAt = null;
    } else if (createdLate !== null && laterObject!.at !== null && row.isNew) {
      // Its object was gone when the later one was created; what that one's row holds from
      // before (writes that gave no uid, of this object) moves here, and the latest stays.
      row.deletedAt = laterObject!.at;
      const judgedLater = { is: "later" as const, created: null, endedAt: null, since: null, lastCreate: laterObject!.at, lastEndBeforeCreate: laterObject!.lastEndBefore, lastEndBeforeSince: null, firstStartSince: null };
      startLaterObject(createdLate.row, row, judgedLater, moved, touched);
      latestByName.set(key, createdLate.latest);
      endedBeforeLatest.set(key, row);
    } else if (uidless !== null && judged !== null && judged.is === "later" && row.isNew) {
      // This write's object was gone when the later one's create found its name free, and the
      // later one stays the latest of the name.
      row.deletedAt ??= judged.lastCreate;
      startLaterObject(uidless, row, judged, moved, touched);
      latestByName.set(key, uidless);
    }
    // The placeholder a relation made for this uid under another name (a guessed scope, an old
    // API group) is this object: it takes the write's identity, and relations keep naming it.
    // It is then the latest object of its new name, as a new row would be: the batch's writes to
    // that name that name no uid go to it, and its create ends the one before.
    const reidentifies = misplaced.delete(row) || takesPlaceholderOfOtherGroup;
    if (reidentifies) {
      const named = objectKeyOf(clusterId, row.identity);
      if (latestByName.get(named) === row) latestByName.delete(named);
      // What the write does not say (a Metadata-level write's objectRef may lack a version) is
      // kept, where the placeholder's own group tells it.
      const apiVersion = write.object.apiVersion || (write.object.apiGroup === row.identity.apiGroup ? row.identity.apiVersion : "");
      row.identity = { ...write.object, apiVersion, uid: row.uid };
      if (write.object.kind) row.kind = write.object.kind;
      row.identityDirty = true;
      if (mergesPlaceholder) {
        // The object was named since the earlier of the two (a create sets its start below).
        if (latest.firstSeen < row.firstSeen) row.firstSeen = latest.firstSeen;
        if (latest.lastSeen > row.lastSeen) row.lastSeen = latest.lastSeen;
        merged.push({ row: latest, into: row });
        mergedAway.add(latest);
      } else if (latest && latest !== row && !latest.deletedAt && !mergedAway.has(latest) && createsObject(write)) endIncarnation(latest, write, touched, observed);
      latestByName.set(key, row);
    }

    // A write older than the state we hold (it arrived late) can't be diffed against it, and must
    // not replace it. So is a create that reaches an object whose body later writes already told
    // (resolveTarget gives it that object), whether or not its own body tells a resourceVersion.
    // (An object known only as a relation's target has no body yet: its create gives the first.)
    const lateCreate = createsObject(write) && target !== "new" && write.startTime <= row.firstSeen && row.state !== null;
    let late = lateCreate || isOlderThanState(versionAfter(write), row.resourceVersion) || predatesUntoldChanges(write, row) || scaleIsLate(write, row, overtakenScales);
    let change = computeChange(late ? { state: null, resourceVersion: null } : { state: row.state, resourceVersion: toldVersion(row.resourceVersion) }, write, changeOptions);
    // A write whose change is made of the state held (AuditWrite.effect: an eviction, a scale at
    // Request level tell no version) that ended before anything known of its object happened is
    // older than that state, which may even be a later object's of its name (such a write names
    // no uid): it changes nothing. One that removed its object ended an earlier one (below).
    if (!late && write.effect !== undefined && !change.deleted && target !== "new" && write.endTime < row.firstSeen) {
      late = true;
      change = computeChange({ state: null, resourceVersion: null }, write, changeOptions);
    }
    // A delete completed before anything known of this object happened was of an earlier
    // incarnation of its name, which a write that names no uid cannot tell apart (Metadata level):
    // it is recorded here, but does not end this one.
    const deletesEarlier = change.deleted && !row.isNew && write.endTime < row.firstSeen;
    if (deletesEarlier) {
      // Recorded on the incarnation it ended, once that is looked up (after this loop); the
      // newer object's body is not that one's, so it shows neither in a diff nor as a snapshot.
      earlierDeletes.push({ write, newer: row, change: computeChange({ state: null, resourceVersion: null }, write, changeOptions) });
      continue;
    }
    if ((!row.uid && !write.object.uid) || uidlessRows.has(row.id)) {
      const entries = uidlessEntries.get(row) ?? [];
      entries.push({ start: write.startTime, end: write.endTime, ok: !write.failed && !write.dryRun, creates: createsObject(write) });
      uidlessEntries.set(row, entries);
    }
    if (!row.uid && write.object.uid) {
      row.uid = write.object.uid;
      row.uidGivenAt = write.startTime;
      byUid.set(uidKeyOf(write.object.namespace, row.uid), row);
    } else if (row.uid !== null && row.uid === write.object.uid && row.uidGivenAt !== null && write.startTime < row.uidGivenAt) {
      // An earlier write giving it arrived late. (A row whose uid no write gave keeps null: unknown.)
      row.uidGivenAt = write.startTime;
    }
    if (!row.kind && write.object.kind) row.kind = write.object.kind;
    // An object begins at its create, also when a relation named it before.
    if ((write.startTime < row.firstSeen || fillsPlaceholder || (reidentifies && createsObject(write))) && !deletesEarlier) row.firstSeen = write.startTime;
    if (write.endTime > row.lastSeen) row.lastSeen = write.endTime;
    row.rowDirty = true;
    // The version of the state the diff starts from: `<told>+<n>` after untold changes
    // (stateVersion.ts), not `<told>`, which placing late writes would take for that state.
    const rvBefore = row.resourceVersion;
    if (change.nextState && !late) {
      row.state = withoutManagedFields(change.nextState);
      // Only a response tells the version a body is: a Request-level write's body is the request,
      // which carries the version it was made on. Stored under that one, it would be taken (by a
      // state cache of another worker or process) for the body the previous write left there.
      // A change made of the state held (a binding: change.ts) tells none either, but the version
      // it was made on is known, and stays the one that orders writes (stateVersion.ts).
      const told = write.details.resourceVersionAfter;
      row.resourceVersion = told !== undefined ? told : write.effect !== undefined ? afterUntoldChange(row.resourceVersion) : null;
      row.stateDirty = true;
    }
    if (change.deleted && !deletesEarlier) row.deletedAt = write.endTime;
    // A late write changes no relation (docs/relations.md): what the object states now was said
    // by the newer writes already stored.
    if ((change.nextState || change.deleted) && !late && !deletesEarlier) {
      observed.push({ row, at: write.endTime, state: row.state, deleted: change.deleted, claims: change.nextState ? write.claims : undefined });
      // A body of an object whose later delete is stored already (batches arrive out of order; a
      // delete answered with a Status left no body to call this one late): what it states ends there.
      if (!change.deleted && row.deletedAt && row.deletedAt > write.endTime) observed.push({ row, at: row.deletedAt, state: null, deleted: true });
    }

    const details: JsonObject = { ...(write.details as unknown as JsonObject), level: write.level, stage: write.stage };
    // A late write did not happen on top of the version held: say which newer one was known
    // rather than call that its version before.
    if (late) {
      if (rvBefore) details.arrivedAfterResourceVersion = rvBefore;
    } else if (rvBefore) details.resourceVersionBefore = rvBefore;
    // Placed among the versions since, when the version held is one (a body whose resourceVersion
    // a response told).
    if (late && row.state !== null && rvBefore !== null && isDecimal(rvBefore) && isPlaceable(write, change)) {
      let group = lateByRow.get(row);
      if (!group) lateByRow.set(row, (group = { newest: { resourceVersion: rvBefore, state: row.state }, writes: [] }));
      group.writes.push({ write, body: write.effect?.kind === "scale" ? null : change.nextState!, details });
      continue;
    }
    if (entriesStored.has(write)) continue;
    const detailsText = detailsJson(details, write.patch, change.diff !== null);
    historyRows.addRow(historyCopyRow(row.id, clusterId, write, detailsText, change.diff, change.snapshot ? toDisplay(change.snapshot) : null, change.noop));
  }
  if (earlierDeletes.length > 0) {
    const ended = await endEarlierIncarnations(sql, clusterId, earlierDeletes, [...loaded, ...touched], historyRows);
    for (const { row, newlyDeleted } of ended) {
      touched.add(row);
      if (newlyDeleted) observed.push({ row, at: row.deletedAt!, state: null, deleted: true });
    }
  }
  const rediffedHistory = await addLateWrites(sql, clusterId, lateByRow, historyRows, changeOptions);
  lateByRow.clear();
  objectIds.giveBack(ids.slice(idsUsed));
  const historyEntries = ordered.length;
  writes.length = 0;
  ordered.length = 0;

  const rows = [...touched];
  const states = rows.filter((row) => row.stateDirty && row.state).map((row) => ({ row, text: JSON.stringify(row.state) }));
  // The parsed states are done with; the observations keep what the linkers will read.
  for (const row of loaded) row.state = null;
  for (const row of rows) row.state = null;
  // A body of a row merged into another (written earlier in the batch) states the relations of the row it went to.
  let observations: ObjectObservation[] | null = observed.map(({ row: written, at, state, deleted, claims }) => {
    const row = absorbedInto.get(written) ?? written;
    return { objectId: row.id, identity: { ...row.identity, uid: row.uid, kind: row.kind }, at, state, deleted, claims };
  });
  observed.length = 0;
  // A row the batch made and merged into another is still inserted (its history rows name it) and then moved.
  const created = rows.filter((row) => row.isNew);
  return {
    historyEntries,
    objectsCreated: created.filter((row) => !absorbedInto.has(row)).length,
    takeObservations() {
      const taken = observations ?? [];
      observations = null;
      return taken;
    },
    created,
    updated: rows.filter((row) => !row.isNew && row.rowDirty),
    reidentified: rows.filter((row) => row.identityDirty),
    merged: merged.map(({ row, into }) => ({ id: row.id, into: into.id })),
    moved: moved.map(({ row, into, since, until }) => ({ id: row.id, into: into.id, since, until, uid: row.uid, intoUid: into.uid })),
    reended: reended.map(({ row, was, at }) => ({ id: row.id, was, at })),
    states,
    historyCopyText: historyRows.take(),
    rediffedHistory,
  };
}

/**
 * Ends `previous`, the latest object of a name that `create` made a new object of: a successful
 * create means the name was free, so the previous incarnation is gone even though we never saw
 * its delete.
 */
function endIncarnation(previous: ObjectRow, create: AuditWrite, touched: Set<ObjectRow>, observed: Array<{ row: ObjectRow; at: Date; state: JsonObject | null; deleted: boolean }>): void {
  previous.deletedAt = create.startTime;
  previous.rowDirty = true;
  touched.add(previous);
  observed.push({ row: previous, at: create.startTime, state: previous.state, deleted: true });
}

/** A delete that names no uid (Metadata level), ended before `newer`, the latest object of its name, began. */
interface EarlierDelete {
  write: AuditWrite;
  newer: ObjectRow;
  change: ReturnType<typeof computeChange>;
}

/**
 * The incarnation of each delete's name that began last at or before the delete, other than
 * the newer one: one index probe per delete (objects_identity_idx).
 */
export const EARLIER_INCARNATIONS_SQL = `SELECT k.i, ${OBJECT_COLUMNS}
       FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::bigint[]) WITH ORDINALITY AS k(g, r, ns, n, t, newer, i)
       CROSS JOIN LATERAL (
         SELECT x.* FROM objects x
          WHERE x.cluster_id = $1 AND x.resource = k.r AND x.namespace = k.ns AND x.name = k.n AND ${GROUP_FILTER}
            AND x.first_seen <= k.t AND x.id <> k.newer
          ORDER BY x.first_seen DESC, x.id DESC LIMIT 1) o
       LEFT JOIN object_states s ON s.object_id = o.id`;

/**
 * Records each delete on the earlier incarnation of its name that it ended, and ends that one
 * there (its end was only guessed from the next create, which found the name free); on the
 * newer object, as before, when no earlier one is known. Returns the rows it changed, and
 * whether each was not known to be deleted before.
 */
async function endEarlierIncarnations(
  sql: Sql,
  clusterId: number,
  deletes: EarlierDelete[],
  known: Iterable<ObjectRow>,
  historyRows: CopyTextBuilder,
): Promise<Array<{ row: ObjectRow; newlyDeleted: boolean }>> {
  const result = await sql.query<LoadedObject & { i: number }>(prepared("kt_earlier_incarnations", EARLIER_INCARNATIONS_SQL), [
    clusterId,
    textArray(deletes.map((d) => d.write.object.apiGroup)),
    textArray(deletes.map((d) => d.write.object.resource)),
    textArray(deletes.map((d) => d.write.object.namespace)),
    textArray(deletes.map((d) => d.write.object.name)),
    timestamptzArray(deletes.map((d) => d.write.startTime)),
    int8Array(deletes.map((d) => d.newer.id)),
  ]);
  // The batch may hold a row already (an incarnation loaded by uid): changes go to that one.
  const rowsById = new Map<number, ObjectRow>();
  for (const row of known) rowsById.set(row.id, row);
  const earlier = new Map<number, ObjectRow>();
  for (const loaded of result.rows) {
    const row = rowsById.get(Number(loaded.id)) ?? rowOf(loaded);
    rowsById.set(row.id, row);
    earlier.set(Number(loaded.i) - 1, row);
  }
  const changed = new Map<ObjectRow, boolean>();
  deletes.forEach(({ write, newer, change }, index) => {
    const row = earlier.get(index) ?? newer;
    if (row !== newer) {
      const newlyDeleted = row.deletedAt === null;
      if (row.deletedAt === null || write.endTime < row.deletedAt) row.deletedAt = write.endTime;
      if (write.endTime > row.lastSeen) row.lastSeen = write.endTime;
      row.rowDirty = true;
      changed.set(row, (changed.get(row) ?? false) || newlyDeleted);
    }
    const details: JsonObject = { ...(write.details as unknown as JsonObject), level: write.level, stage: write.stage };
    if (row !== newer && row.resourceVersion) details.resourceVersionBefore = row.resourceVersion;
    const detailsText = detailsJson(details, write.patch, change.diff !== null);
    historyRows.addRow(historyCopyRow(row.id, clusterId, write, detailsText, change.diff, change.snapshot ? toDisplay(change.snapshot) : null, change.noop));
  });
  return [...changed].map(([row, newlyDeleted]) => ({ row, newlyDeleted }));
}

function emptyPlan(): WritePlan {
  return { historyEntries: 0, objectsCreated: 0, takeObservations: () => [], created: [], updated: [], reidentified: [], merged: [], moved: [], reended: [], states: [], historyCopyText: [], rediffedHistory: [] };
}

/**
 * Adds the history rows of the batch's late writes, each diffed against the version it was made
 * on where that could be found (else without a diff); returns the stored entries to rediff.
 */
async function addLateWrites(sql: Sql, clusterId: number, lateByRow: ReadonlyMap<ObjectRow, LateGroup>, historyRows: CopyTextBuilder, changeOptions: ChangeOptions): Promise<RediffedEntry[]> {
  const groups = [...lateByRow];
  // Every object's entries are asked for at once: the connection runs the reads back to back.
  const placedGroups = await Promise.all(
    groups.map(([row, group]) =>
      placeAmongStoredVersions(
        sql,
        row.id,
        group.newest,
        group.writes.map(({ write, body }) => ({
          resourceVersion: versionAfter(write)!,
          // A Scale's answer is not the object: its state is made of the version it was made on.
          body: body ?? ((made: JsonObject) => computeChange({ state: made, resourceVersion: null }, write, changeOptions).nextState),
          creates: createsObject(write),
          startTime: write.startTime,
        })),
      ),
    ),
  );
  const rediffed: RediffedEntry[] = [];
  for (const [g, [row, group]] of groups.entries()) {
    const placed = placedGroups[g]!;
    rediffed.push(...placed.rediffed);
    group.writes.forEach(({ write, details }, i) => {
      const placement = placed.placements[i]!;
      const base = placement.placed ? placement.base : null;
      // Unplaced, or placed before every version known: diffed against nothing.
      const change = computeChange({ state: base?.state ?? null, resourceVersion: base?.resourceVersion ?? null }, write, changeOptions);
      if (placement.placed) {
        // It is where it would have been had it arrived in order, and a later late write may be
        // placed against it: only an unplaced one keeps the mark that leaves it out of the versions.
        delete details.arrivedAfterResourceVersion;
        if (base) details.resourceVersionBefore = base.resourceVersion;
      }
      const detailsText = detailsJson(details, write.patch, change.diff !== null);
      historyRows.addRow(historyCopyRow(row.id, clusterId, write, detailsText, change.diff, change.snapshot ? toDisplay(change.snapshot) : null, change.noop));
    });
  }
  return rediffed;
}

/** An object's late writes in one batch, and the version it held when they arrived. */
interface LateGroup {
  newest: ObjectVersion;
  /** `body` is the object as the write left it; null for a Scale, whose state is made of the version it goes on. */
  writes: Array<{ write: AuditWrite; body: JsonObject | null; details: JsonObject }>;
}

/**
 * Writes that can be placed among the versions (lateWrites.ts): updates, patches and creates
 * whose body is the object as they left it, the response (RequestResponse), with an etcd
 * resourceVersion; and Scale writes whose answer tells their object's version, whose state is
 * made of the version they are placed on, as it would have been of the one held had they arrived
 * in order (change.ts).
 */
function isPlaceable(write: AuditWrite, change: ObjectChange): boolean {
  if (write.level !== "RequestResponse" || (write.verb !== "update" && write.verb !== "patch" && write.verb !== "create")) return false;
  if (write.effect?.kind === "scale") return write.effect.resourceVersion !== null && isDecimal(write.effect.resourceVersion);
  if (change.nextState === null || change.deleted) return false;
  const rv = stringAt(change.nextState, "metadata", "resourceVersion");
  return rv !== null && isDecimal(rv);
}

/**
 * Writes to one object in the order of their resourceVersions, in the places the batch's time
 * order gave that object's writes: a request can complete (its stageTimestamp) after a later
 * one to the same object, and in resourceVersion order no write of a batch is late to another.
 * Writes without an etcd resourceVersion in a response stay where they are.
 */
function inResourceVersionOrderPerObject(writes: AuditWrite[], clusterId: number): void {
  let positions: Map<string, number[]> | null = null;
  for (let i = 0; i < writes.length; i++) {
    if (responseVersion(writes[i]!) === null) continue;
    const key = objectKeyOf(clusterId, writes[i]!.object);
    positions ??= new Map();
    const list = positions.get(key);
    if (list) list.push(i);
    else positions.set(key, [i]);
  }
  if (positions === null) return;
  for (const indices of positions.values()) {
    if (indices.length < 2) continue;
    // Of two writes with one version (a no-op update repeats the version it read), the one that
    // made it started first: the other could only read the version once it existed.
    const sorted = indices
      .map((i) => writes[i]!)
      .sort((a, b) => compareVersions(responseVersion(a)!, responseVersion(b)!) || a.startTime.getTime() - b.startTime.getTime());
    indices.forEach((index, k) => (writes[index] = sorted[k]!));
  }
}

/** The resourceVersion a write's response gave its object, when it is an etcd one. */
function responseVersion(write: AuditWrite): string | null {
  if (write.level !== "RequestResponse" || write.failed) return null;
  const rv = versionAfter(write);
  return rv !== null && isDecimal(rv) ? rv : null;
}

/**
 * Whether a write's response shows its object as it was before the changes that told no version
 * (a binding: stateVersion.ts) in the state held: made before them, it arrived late, though its
 * resourceVersion is newer than the one they were made of (the scheduler's status patch of a
 * Pod it could not place yet, arriving after the Pod's binding).
 */
function predatesUntoldChanges(write: AuditWrite, row: ObjectRow): boolean {
  if (row.state === null || toldVersion(row.resourceVersion) === row.resourceVersion) return false;
  if (write.bodyAfter === null || write.details.resourceVersionAfter === undefined) return false;
  return predatesEffects(write.bodyAfter, row.state);
}

/**
 * Whether a scale (change.ts makes its state of the one held, its generation one more where the
 * replicas change) was made before the state held: that state has its replicas already, or a
 * later write's that changed them again. Applied to it, the scale would set replicas the object
 * no longer had and a generation it never reached, and every later write of the object, its
 * generation lower, would be taken for one made before the scale (predatesEffects) and kept
 * without a diff until the next change of its spec.
 * It was made before when the version its request names (an HPA's update: it was made on that
 * one) is older than the state's. That also holds of a scale answered with the version it made
 * (RequestResponse), whose version alone is newer than a state made of the one it was made on by
 * a change that told none (`<madeOn>+<n>`: a Request-level scale, made after it, as the apiserver
 * would have refused it on that one's version). A scale that told no version it made (Request
 * level) was made before also when a stored write of its object that made the state held
 * then began after it ended (`overtaken`: from earlier batches; a write of its own batch that
 * comes before it did not, as the batch's writes go by their end, or by version among ones that
 * ended before). A scale that names no version, made while the write that made the state held
 * ran (it and a change of the replicas within milliseconds), is still applied. A binding or an eviction needs no such test:
 * on a later state it changes nothing (a bound Pod keeps its node, one being deleted stays so).
 */
function scaleIsLate(write: AuditWrite, row: ObjectRow, overtaken: ReadonlyMap<AuditWrite, number>): boolean {
  const effect = write.effect;
  if (effect?.kind !== "scale") return false;
  if (effect.madeOn !== undefined && isOlderThanState(effect.madeOn, row.resourceVersion)) return true;
  return effect.resourceVersion === null && overtaken.get(write) === row.id;
}

/**
 * The scales among `writes` that told no version (scaleIsLate) for which a stored write
 * that made the state of the latest object of their name began after they ended
 * (stateWrittenSince), with that object's id. Asked only where a stored write of that object ended after the scale did (its last_seen):
 * none began after it otherwise, and a scale arriving in order asks nothing.
 */
async function untoldScalesOvertaken(sql: Sql, clusterId: number, writes: readonly AuditWrite[], latestByName: ReadonlyMap<string, ObjectRow>): Promise<Map<AuditWrite, number>> {
  const asked: Array<{ write: AuditWrite; objectId: number; since: Date }> = [];
  for (const write of writes) {
    if (write.effect?.kind !== "scale" || write.effect.resourceVersion !== null) continue;
    const row = latestByName.get(objectKeyOf(clusterId, write.object));
    if (row !== undefined && !row.isNew && row.lastSeen > write.endTime) asked.push({ write, objectId: row.id, since: write.endTime });
  }
  const overtaken = new Map<AuditWrite, number>();
  if (asked.length === 0) return overtaken;
  const written = await stateWrittenSince(sql, asked);
  asked.forEach(({ write, objectId }, i) => {
    if (written[i]) overtaken.set(write, objectId);
  });
  return overtaken;
}

/**
 * The resourceVersion a write's body says its object has after it: the body's, or for a Scale
 * (which is not the object's body) the Scale's, which is its object's. Null when neither tells.
 */
function versionAfter(write: AuditWrite): string | null {
  if (write.bodyAfter !== null) return stringAt(write.bodyAfter, "metadata", "resourceVersion");
  return write.effect?.kind === "scale" ? write.effect.resourceVersion : null;
}

function compareVersions(a: string, b: string): number {
  // Decimal strings without leading zeros compare by length first (etcd writes none).
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * Stores a plan in the transaction that made it (its advisory locks are still held). Every
 * statement is sent before this returns, without waiting for the one before (they don't depend
 * on each other): statements the caller sends next run after them, on the same connection.
 */
export function storeWrites(sql: Transaction, clusterId: number, plan: WritePlan, cache: StateCache | null): Promise<void> {
  const aliasTo = mergedRowTargets(plan);
  const statements = [
    insertObjects(sql, clusterId, plan.created),
    updateObjects(sql, plan.updated),
    reidentifyObjects(sql, plan.reidentified),
    mergePlaceholders(sql, plan.merged, aliasTo),
    upsertStates(sql, plan.states),
    rediffHistory(sql, plan.rediffedHistory),
  ];
  if (plan.historyCopyText.length > 0) statements.push(sql.copyFrom("history_entries", HISTORY_COPY_COLUMNS, plan.historyCopyText).then(() => undefined));
  // After the history: the batch's own entries on a row that goes move with the rest.
  statements.push(moveHistory(sql, plan.moved, aliasTo));
  statements.push(reendRelations(sql, plan.reended));
  return Promise.all(statements).then(() => {
    for (const { row, text } of plan.states) cache?.set(row.id, row.resourceVersion, text);
  });
}

/**
 * The body as kept for the next diff: without metadata.managedFields, which diffs never compare
 * (DEFAULT_IGNORED_PATHS) and which is often a third or more of a body on a current apiserver.
 * Every write stores the state, so that is a third less to send, store and cache. Snapshots
 * (create, delete) still show it. A shallow copy: the body itself is not changed. (Were diffs
 * ever configured to compare managedFields, the state would have to keep it.)
 */
export function withoutManagedFields(body: JsonObject): JsonObject {
  const metadata = body.metadata;
  if (typeof metadata !== "object" || metadata === null || Array.isArray(metadata) || !("managedFields" in metadata)) return body;
  const { managedFields: _omitted, ...rest } = metadata;
  return { ...body, metadata: rest };
}

/**
 * A patch document larger than this is not kept when the diff already shows what it did: the
 * kubelet's status patches, the most common write in a cluster, run to kilobytes each.
 */
const MAX_PATCH_BYTES_WITH_DIFF = 1024;

/**
 * The history entry's details as JSON text, with the patch the client sent: always when it is
 * all we know of the change, else when small (else only its size, `patchBytes`). The patch is
 * turned into text once, to measure it, and that text is put in as the last key. A NUL the
 * client sent is stored as U+FFFD (nulEscapes.ts), so that Postgres can look inside.
 */
export function detailsJson(details: JsonObject, patch: JsonValue | null, hasDiff: boolean): string {
  return withoutNulEscapes(detailsJsonWithPatch(details, patch, hasDiff));
}

function detailsJsonWithPatch(details: JsonObject, patch: JsonValue | null, hasDiff: boolean): string {
  const text = JSON.stringify(toDisplay(details));
  if (patch === null) return text;
  const patchText = JSON.stringify(toDisplay(patch));
  const kept = !hasDiff || patchText.length <= MAX_PATCH_BYTES_WITH_DIFF;
  if (Object.hasOwn(details, "patch") || Object.hasOwn(details, "patchBytes")) {
    // Not so from the converter; were it, the key is replaced where it stands, as assignment does.
    return JSON.stringify(toDisplay({ ...details, ...(kept ? { patch } : { patchBytes: patchText.length }) }));
  }
  const member = kept ? `"patch":${patchText}` : `"patchBytes":${patchText.length}`;
  // `details` is a plain object, so its text ends with "}"; "{}" takes no comma.
  return text === "{}" ? `{${member}}` : `${text.slice(0, -1)},${member}}`;
}

/**
 * The ids of `rows` that are placeholders: rows made for the targets of relations (relationWriter.ts),
 * with no uid, no body and no history its writes made yet (Kubernetes Events' entries don't count:
 * writtenHistory.ts). Only rows without a uid or a stored state are asked about.
 */
async function placeholdersAmong(sql: Sql, rows: ObjectRow[]): Promise<Set<number>> {
  const candidates = [...new Set(rows.filter((row) => !row.isNew && !row.uid && !row.deletedAt && !row.hasStoredState).map((row) => row.id))];
  if (candidates.length === 0) return new Set();
  const result = await sql.query<{ id: number }>(
    prepared("kt_placeholders_among", `SELECT k.id FROM unnest($1::bigint[]) AS k(id)
      WHERE NOT ${hasWrittenHistory("k.id")}`),
    [int8Array(candidates)],
  );
  return new Set(result.rows.map((row) => Number(row.id)));
}

/**
 * For each name a write that gives no uid names (`named`, by objectKeyOf), the latest row of that
 * object under another group serving its resource (otherGroupsServing), when it is a placeholder:
 * alive, without history or body, and of the write's kind where it tells one. Rows among `known`
 * (the latest of names the batch writes) are those rows. Read without their names' locks:
 * settleRowsNamedElsewhere locks them and reads them again.
 */
async function placeholdersUnderOtherGroups(sql: Sql, clusterId: number, named: ReadonlyMap<string, ObjectIdentity>, known: Iterable<ObjectRow>): Promise<Map<string, ObjectRow>> {
  const found = new Map<string, ObjectRow>();
  if (named.size === 0) return found;
  const probes = [...named].flatMap(([key, object]) => otherGroupsServing(object.apiGroup, object.resource).map((apiGroup) => ({ key, object: { ...object, apiGroup } })));
  const result = await sql.query<LoadedObject & { i: number }>(prepared("kt_placeholders_under_other_groups", PLACEHOLDERS_UNDER_OTHER_GROUPS_SQL), [
    clusterId,
    textArray(probes.map((p) => p.object.apiGroup)),
    textArray(probes.map((p) => p.object.resource)),
    textArray(probes.map((p) => p.object.namespace)),
    textArray(probes.map((p) => p.object.name)),
  ]);
  const rows = new Map<number, ObjectRow>();
  for (const row of known) rows.set(row.id, row);
  for (const loaded of result.rows) {
    const { key, object } = probes[Number(loaded.i) - 1]!;
    if (loaded.kind !== null && loaded.kind !== kindForResource(object.apiGroup, object.resource)) continue;
    const row = rows.get(Number(loaded.id)) ?? rowOf(loaded);
    rows.set(row.id, row);
    const before = found.get(key);
    if (before === undefined || row.firstSeen > before.firstSeen) found.set(key, row);
  }
  return found;
}

/** The latest incarnation of each name, when it is a placeholder (placeholdersUnderOtherGroups; exported for the plan test). */
export const PLACEHOLDERS_UNDER_OTHER_GROUPS_SQL = `SELECT k.i, ${OBJECT_COLUMNS}
       FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS k(g, r, ns, n, i)
       CROSS JOIN LATERAL (
         SELECT x.* FROM objects x
          WHERE x.cluster_id = $1 AND x.resource = k.r AND x.namespace = k.ns AND x.name = k.n AND ${GROUP_FILTER}
          ORDER BY x.first_seen DESC, x.id DESC LIMIT 1) o
       LEFT JOIN object_states s ON s.object_id = o.id
      WHERE o.deleted_at IS NULL AND s.object_id IS NULL
        AND NOT ${hasWrittenHistory("o.id")}`;

/**
 * Rows a batch found by uid under another name than the writes naming that uid (`named`, the
 * batch's first write of the uid in its namespace, whose uidKeyOf is `key`), checked again once
 * their names are locked: returns the placeholders among them, which those writes make the object
 * they name, and takes out of `byUid` the rows those writes do not belong to. A row of a name the
 * batch writes comes here only when found under another group's name than the first write's. So
 * do placeholders found under another group's name for writes that give no uid (`key` null):
 * they are only locked and checked again.
 *
 * A relation names its object as its claimant's body tells it, and that may be wrong where the
 * uid is not: an ownerReference does not say its owner's scope, so an owner of a kind we don't
 * know is put in its dependent's namespace (references.ts), though it may be cluster-scoped; an
 * old body names its owner through an old API group (extensions). A placeholder, a row only
 * relations made (no history, no state), then holds the uid under a name no write will use.
 *
 * A row with history of its own is an object we saw written under its name. An object's namespace
 * never changes in Kubernetes, so one in another namespace than the write is another object,
 * whatever its uid (two clusters' logs sent under one cluster name, an edited log): its history
 * stays where it was written, and the write goes to the rows of its own name; so does one under
 * another name (a name never changes either). One in the same namespace, of the same resource and
 * name, under another group is the same object served by two API groups (extensions and apps
 * Deployments), which has always been kept as one.
 *
 * The names are locked as relations' targets are (shared): the pruner deletes a row only under
 * its name's lock, with no history and no relation left, and the lock this batch holds is the
 * write's name, not the row's. Read again behind the locks, a row deleted meanwhile is gone and
 * one written meanwhile has history.
 */
async function settleRowsNamedElsewhere(
  sql: Sql,
  clusterId: number,
  found: ReadonlyArray<{ key: string | null; row: ObjectRow; named: ObjectIdentity }>,
  locked: ReadonlySet<string>,
  byUid: Map<string, ObjectRow>,
): Promise<Set<ObjectRow>> {
  const misplaced = new Set<ObjectRow>();
  const elsewhere = found.filter(({ row, named }) => objectKeyOf(clusterId, named) !== objectKeyOf(clusterId, row.identity));
  if (elsewhere.length === 0) return misplaced;
  const lockIds = [...new Set(elsewhere.map(({ row }) => objectKeyOf(clusterId, row.identity)).filter((key) => !locked.has(key)))].map(advisoryLockIdOf);
  const [, current] = await Promise.all([
    lockIds.length > 0 ? lockNamesShared(sql, lockIds) : null,
    sql.query<Omit<LoadedObject, "first_seen" | "last_seen" | "deleted_at" | "has_state" | "resource_version" | "uid"> & { has_history: boolean }>(
      prepared("kt_rows_named_elsewhere", ROWS_NAMED_ELSEWHERE_SQL),
      [int8Array([...new Set(elsewhere.map(({ row }) => row.id))])],
    ),
  ]);
  const byId = new Map(current.rows.map((row) => [Number(row.id), row]));
  // A row of another namespace than its write's was loaded for a cluster-scoped write, which may
  // take a placeholder of any (loadByUid). One still without history was moved by no write since.
  for (const { key, row, named } of elsewhere) {
    const now = byId.get(row.id);
    if (now !== undefined) {
      row.identity = { apiGroup: now.api_group, apiVersion: now.api_version, resource: now.resource, kind: now.kind, namespace: now.namespace, name: now.name, uid: row.uid };
      if (!now.has_history) {
        misplaced.add(row);
        continue;
      }
      // The same object through another API group: the same namespace, resource and name.
      if (now.namespace === named.namespace && now.resource === named.resource && now.name === named.name) continue;
    }
    if (key !== null && byUid.get(key) === row) byUid.delete(key);
  }
  return misplaced;
}

/**
 * What the stored history of a row holding no uid (made by writes that gave none: Metadata level)
 * tells of the object of a write that gives one (`write`, not a create), by that object's creation
 * time where the write's response tells it (creationTimeOf): see uidlessRowIs.
 */
interface UidlessEvidence {
  write: AuditWrite;
  /** When the write's object was created, to the second; null when its response does not tell. */
  created: Date | null;
  /** From when the row's entries may be the write's object's (sinceOf); null with `created`. */
  since: Date | null;
  hasHistory: boolean;
  /**
   * An entry of the row that did not fail, and was no dry run, ended before `created`: the name
   * held another object then. (A dry run changed nothing, and a dry-run create tells the name was
   * free: `kubectl apply --dry-run=server` before the create.)
   */
  endedBeforeCreation: boolean;
  /** The start of the row's last create that succeeded; null when it has none. */
  lastCreate: Date | null;
  /** Of the row's entries that began before `lastCreate`, the last end. */
  lastEndBeforeCreate: Date | null;
  /** Of the row's entries that began before `since`, the last end. */
  lastEndBeforeSince: Date | null;
  /** Of those that began at or after it, the first start. */
  firstStartSince: Date | null;
}

/**
 * An entry (`h`) that was no dry run (details.dryRun, convert.ts), read from the details' text:
 * Postgres's JSON operators parse the whole value, and refuse some text JSON.stringify writes (a
 * lone surrogate's escape, or `\u0000`), which would fail every batch asking about such a row. A
 * nested `"dryRun":true` (a patch document's field) counts too: that entry is then no evidence.
 */
const NO_DRY_RUN = `h.details::text NOT LIKE '%"dryRun":true%'`;

/**
 * What the history of each row (by id) says of the write giving a uid to it (uidlessRows in
 * planWrites): one index probe of history_object_time_idx per question, asked only of rows of a
 * name whose latest row holds no uid, which an ordinary write's does (exported for the plan test).
 */
export const UIDLESS_ROWS_SQL = `SELECT k.i,
         ${hasWrittenHistory("k.id")} AS has_history,
         EXISTS (SELECT 1 FROM history_entries h
                  WHERE h.object_id = k.id AND ${WRITTEN_ENTRY} AND h.start_time < k.created AND h.end_time < k.created
                    AND (h.status_code IS NULL OR h.status_code < 300) AND ${NO_DRY_RUN}) AS ended_before_creation,
         c.last_create,
         (SELECT max(h.end_time) FROM history_entries h WHERE h.object_id = k.id AND h.start_time < c.last_create) AS last_end_before_create,
         (SELECT max(h.end_time) FROM history_entries h WHERE h.object_id = k.id AND h.start_time < k.since) AS last_end_before_since,
         (SELECT min(h.start_time) FROM history_entries h WHERE h.object_id = k.id AND h.start_time >= k.since) AS first_start_since
    FROM unnest($1::bigint[], $2::timestamptz[], $3::timestamptz[]) WITH ORDINALITY AS k(id, created, since, i)
    CROSS JOIN LATERAL (
      SELECT max(h.start_time) AS last_create FROM history_entries h
       WHERE h.object_id = k.id AND ${WRITTEN_ENTRY} AND h.subresource = '' AND (h.verb = 'create' OR (h.verb = 'patch' AND h.status_code = 201))
         AND (h.status_code IS NULL OR h.status_code < 300) AND ${NO_DRY_RUN}) c`;

async function uidlessRowEvidence(sql: Sql, rows: ReadonlyMap<number, AuditWrite>): Promise<Map<number, UidlessEvidence>> {
  const found = new Map<number, UidlessEvidence>();
  if (rows.size === 0) return found;
  const asked = [...rows].map(([id, write]) => {
    // A create giving no uid (mayHaveTakenUidOf) asks what ended before it began: the name was free then.
    const created = write.object.uid === null ? write.startTime : creationTimeOf(write);
    return { id, write, created, since: sinceOf(write, created) };
  });
  const result = await sql.query<{
    i: number;
    has_history: boolean;
    ended_before_creation: boolean;
    last_create: Date | null;
    last_end_before_create: Date | null;
    last_end_before_since: Date | null;
    first_start_since: Date | null;
  }>(
    prepared("kt_uidless_rows", UIDLESS_ROWS_SQL),
    [int8Array(asked.map((a) => a.id)), timestamptzArray(asked.map((a) => a.created)), timestamptzArray(asked.map((a) => a.since))],
  );
  const orNull = (value: Date | string | null) => (value === null ? null : dateOf(value));
  for (const row of result.rows) {
    const { id, write, created, since } = asked[Number(row.i) - 1]!;
    found.set(id, {
      write,
      created,
      since,
      hasHistory: row.has_history,
      endedBeforeCreation: row.ended_before_creation,
      lastCreate: orNull(row.last_create),
      lastEndBeforeCreate: orNull(row.last_end_before_create),
      lastEndBeforeSince: orNull(row.last_end_before_since),
      firstStartSince: orNull(row.first_start_since),
    });
  }
  return found;
}

/**
 * For creates giving no uid whose name's latest row began at or after them (planWrites), the
 * first row of the name that began from the create on: its first create that succeeded (and was
 * no dry run), the creation its body tells (text), and the last end of its entries that began
 * before each. One probe of objects_identity_idx per create, and of history_object_time_idx per
 * question; asked only of a create arriving after writes of its name that began later (exported
 * for the plan test). The body is text, and not all text JSON.stringify writes is JSON Postgres
 * takes (a lone surrogate's escape): its creation is read as the first `"creationTimestamp":"…"`
 * (metadata's, which comes before spec and status; the pass checks it against the parsed body)
 * and compared as text, in the apiserver's format. Nothing here is cast: no body fails the batch.
 */
export const CREATES_BEFORE_ROWS_SQL = `SELECT k.i, ${OBJECT_COLUMNS}, c.first_create,
         (SELECT max(h.end_time) FROM history_entries h WHERE h.object_id = o.id AND h.start_time < c.first_create) AS last_end_before_create,
         b.created AS body_created,
         (SELECT max(h.end_time) FROM history_entries h
           WHERE h.object_id = o.id AND to_char(h.start_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') < b.created) AS last_end_before_body_created
    FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[]) WITH ORDINALITY AS k(g, r, ns, n, t, i)
    CROSS JOIN LATERAL (
      SELECT x.* FROM objects x
       WHERE x.cluster_id = $1 AND x.resource = k.r AND x.namespace = k.ns AND x.name = k.n AND ${GROUP_FILTER} AND x.first_seen >= k.t
       ORDER BY x.first_seen, x.id LIMIT 1) o
    LEFT JOIN object_states s ON s.object_id = o.id
    CROSS JOIN LATERAL (SELECT substring(s.state from '"creationTimestamp":"([^"]*)"') AS created) b
    CROSS JOIN LATERAL (
      SELECT min(h.start_time) AS first_create FROM history_entries h
       WHERE h.object_id = o.id AND ${WRITTEN_ENTRY} AND h.subresource = '' AND (h.verb = 'create' OR (h.verb = 'patch' AND h.status_code = 201))
         AND (h.status_code IS NULL OR h.status_code < 300) AND ${NO_DRY_RUN}) c`;

/** What createsBeforeRows found for a create giving no uid that arrived after its name's latest row began. */
interface LateCreate {
  /** The name's latest row when asked: the answer holds while the batch has not replaced it. */
  latest: ObjectRow;
  /** The first row of the name that began from the create on. */
  row: ObjectRow;
  /** The start of that row's first create that succeeded, and the last end of its entries that began before. */
  firstCreate: Date | null;
  lastEndBeforeCreate: Date | null;
  /** The creation its body's text tells (CREATES_BEFORE_ROWS_SQL), and the last end of its entries that began before that second. */
  bodyCreated: string | null;
  lastEndBeforeBodyCreated: Date | null;
}

/**
 * When the row a late create found (createsBeforeRows) was created, where it is a later object than
 * the create's: its own create's start, or the creation its body tells when after the create ended
 * (read from the parsed body, `row.state`, as loaded for the pass); with the last end of its entries
 * that began before then. `at` null: the row is the create's object (it began after the create,
 * and tells of no create or creation of its own).
 */
function laterObjectAt(late: LateCreate, create: AuditWrite): { at: Date | null; lastEndBefore: Date | null } {
  if (late.firstCreate !== null) return { at: late.firstCreate, lastEndBefore: late.lastEndBeforeCreate };
  const text = late.row.state === null ? null : stringAt(late.row.state, "metadata", "creationTimestamp");
  const created = creationTimeIn(text);
  if (created === null || created <= create.endTime) return { at: null, lastEndBefore: null };
  // The entries before it are known where the text the statement compared is the body's, in the apiserver's format.
  const compared = text === late.bodyCreated && CREATION_TIMESTAMP_FORMAT.test(text!);
  return { at: created, lastEndBefore: compared ? late.lastEndBeforeBodyCreated : null };
}

/**
 * Which row each create giving no uid belongs to, when its name's latest row began at or after it
 * (CREATES_BEFORE_ROWS_SQL): the first row of the name that began from the create on, or a row of
 * its own before that one, which holds a create of its own or was created after this create
 * ended. As in order: there the create made the row, and what came after went to it, until the
 * next create. Rows among `known` are those rows.
 */
async function createsBeforeRows(
  sql: Sql,
  clusterId: number,
  creates: readonly AuditWrite[],
  latestByName: ReadonlyMap<string, ObjectRow>,
  known: Iterable<ObjectRow>,
): Promise<Map<AuditWrite, LateCreate>> {
  const found = new Map<AuditWrite, LateCreate>();
  if (creates.length === 0) return found;
  const result = await sql.query<
    LoadedObject & { i: number; first_create: Date | null; last_end_before_create: Date | null; body_created: string | null; last_end_before_body_created: Date | null }
  >(prepared("kt_creates_before_rows", CREATES_BEFORE_ROWS_SQL), lateCreateParams(clusterId, creates));
  const rows = new Map<number, ObjectRow>();
  for (const row of known) rows.set(row.id, row);
  for (const loaded of result.rows) {
    const write = creates[Number(loaded.i) - 1]!;
    const row = rows.get(Number(loaded.id)) ?? rowOf(loaded);
    rows.set(row.id, row);
    const orNull = (value: Date | string | null) => (value === null ? null : dateOf(value));
    found.set(write, {
      latest: latestByName.get(objectKeyOf(clusterId, write.object))!,
      row,
      firstCreate: orNull(loaded.first_create),
      lastEndBeforeCreate: orNull(loaded.last_end_before_create),
      bodyCreated: loaded.body_created,
      lastEndBeforeBodyCreated: orNull(loaded.last_end_before_body_created),
    });
  }
  return found;
}

/**
 * Of a row's entries, those that began from `since` on and the others: the first start and last
 * end of the first, the last end of the others. Where a create arrives
 * after writes that gave no uid reached the row of the object before it (the name's latest then),
 * the entries that began from the create on are the create's object's (entriesFromCreate).
 */
const ENTRIES_FROM_COLUMNS = (id: string, since: string, version: string) => `
         (SELECT min(h.start_time) FROM history_entries h WHERE h.object_id = ${id} AND h.start_time >= ${since}) AS first_start_since,
         (SELECT max(h.end_time) FROM history_entries h WHERE h.object_id = ${id} AND h.start_time >= ${since}) AS last_end_since,
         (SELECT max(h.end_time) FROM history_entries h WHERE h.object_id = ${id} AND h.start_time < ${since}) AS last_end_before,
         (SELECT bool_or(strpos(h.details::text, '"resourceVersionAfter":"' || ${version} || '"') > 0) FROM history_entries h
           WHERE ${version} IS NOT NULL AND h.object_id = ${id} AND h.start_time >= ${since} AND ${WRITTEN_ENTRY}) IS TRUE AS body_made_since`;

/**
 * For the same creates as CREATES_BEFORE_ROWS_SQL, the row of the name that began last before the
 * create, when it is not deleted or was deleted after the create began: in order the create would
 * have found it the name's latest and ended it there (endIncarnation), the name being free when
 * the create began. Whether an entry of its own ends at its deletion (`deletion_seen`): where none
 * does, the deletion was inferred, from a later create that ended it (its delete not seen), and
 * moves to this create's start. With what its entries that began from the create on tell
 * (ENTRIES_FROM_COLUMNS): writes that gave no uid, of the create's object.
 * One probe of objects_identity_idx per create, and of history_object_time_idx per question,
 * asked only of creates arriving after later writes of their name (exported for the plan test).
 */
export const ROWS_LEFT_BY_LATE_CREATES_SQL = `SELECT k.i, ${OBJECT_COLUMNS}, ${ENTRIES_FROM_COLUMNS("o.id", "k.t", "s.resource_version")},
         (SELECT max(h.end_time) FROM history_entries h WHERE h.object_id = o.id AND h.end_time = o.deleted_at) IS NOT NULL AS deletion_seen
    FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[]) WITH ORDINALITY AS k(g, r, ns, n, t, i)
    CROSS JOIN LATERAL (
      SELECT x.* FROM objects x
       WHERE x.cluster_id = $1 AND x.resource = k.r AND x.namespace = k.ns AND x.name = k.n AND ${GROUP_FILTER} AND x.first_seen < k.t
       ORDER BY x.first_seen DESC, x.id DESC LIMIT 1) o
    LEFT JOIN object_states s ON s.object_id = o.id
   WHERE o.deleted_at IS NULL OR o.deleted_at > k.t`;

/** What a row's entries that began from a create on tell (ENTRIES_FROM_COLUMNS). */
interface EntriesFromCreate {
  firstStartSince: Date | null;
  lastEndSince: Date | null;
  lastEndBefore: Date | null;
  /**
   * Whether one of them, a write of the row's (WRITTEN_ENTRY), made the body the row holds (its
   * details tell that body's version after). Not a watch's entry of that version: the watch saw
   * the version after the write that made it, by Kubetrail's clock, so its twin of a write made
   * before the create (a Pod's final delete, seen gone after the next Pod's create began) begins
   * after it; and the row's body is its writes' alone.
   */
  bodyMadeSince: boolean;
}

interface EntriesFromColumns {
  first_start_since: Date | null;
  last_end_since: Date | null;
  last_end_before: Date | null;
  body_made_since: boolean;
}

function entriesFromCreateOf(loaded: EntriesFromColumns): EntriesFromCreate {
  const orNull = (value: Date | string | null) => (value === null ? null : dateOf(value));
  return {
    firstStartSince: orNull(loaded.first_start_since),
    lastEndSince: orNull(loaded.last_end_since),
    lastEndBefore: orNull(loaded.last_end_before),
    bodyMadeSince: loaded.body_made_since === true,
  };
}

/** The row a late create ends (ROWS_LEFT_BY_LATE_CREATES_SQL), its deletion as stored when it was inferred, and its entries from the create on. */
interface LeftByLateCreate {
  row: ObjectRow;
  inferredDeletedAt: Date | null;
  entries: EntriesFromCreate;
}

/** The parameters of the late creates' lookups (CREATES_BEFORE_ROWS_SQL, ROWS_LEFT_BY_LATE_CREATES_SQL): each create's name and start, by position. */
function lateCreateParams(clusterId: number, creates: readonly AuditWrite[]): unknown[] {
  return [
    clusterId,
    textArray(creates.map((w) => w.object.apiGroup)),
    textArray(creates.map((w) => w.object.resource)),
    textArray(creates.map((w) => w.object.namespace)),
    textArray(creates.map((w) => w.object.name)),
    timestamptzArray(creates.map((w) => w.startTime)),
  ];
}

/** The row each late create (createsBeforeRows) ends, if any (ROWS_LEFT_BY_LATE_CREATES_SQL); rows among `known` are those rows. */
async function rowsLeftByLateCreates(sql: Sql, clusterId: number, creates: readonly AuditWrite[], known: Iterable<ObjectRow>): Promise<Map<AuditWrite, LeftByLateCreate>> {
  const found = new Map<AuditWrite, LeftByLateCreate>();
  if (creates.length === 0) return found;
  const result = await sql.query<LoadedObject & EntriesFromColumns & { i: number; deletion_seen: boolean }>(prepared("kt_rows_left_by_late_creates", ROWS_LEFT_BY_LATE_CREATES_SQL), lateCreateParams(clusterId, creates));
  const rows = new Map<number, ObjectRow>();
  for (const row of known) rows.set(row.id, row);
  for (const loaded of result.rows) {
    const row = rows.get(Number(loaded.id)) ?? rowOf(loaded);
    rows.set(row.id, row);
    found.set(creates[Number(loaded.i) - 1]!, { row, inferredDeletedAt: loaded.deleted_at && !loaded.deletion_seen ? dateOf(loaded.deleted_at) : null, entries: entriesFromCreateOf(loaded) });
  }
  return found;
}

/**
 * For creates whose name's latest row began before them and was last seen from their start on
 * (entriesFromCreateAsked), what that row's entries that began from the create on tell
 * (ENTRIES_FROM_COLUMNS): one probe of history_object_time_idx per question, asked only of a
 * create arriving after a write that reached that row from its start on (exported for the plan
 * test). In order, a create finds its name's latest row last seen before it.
 */
export const ENTRIES_FROM_CREATES_SQL = `SELECT k.i, ${ENTRIES_FROM_COLUMNS("k.id", "k.t", "s.resource_version")}
    FROM unnest($1::bigint[], $2::timestamptz[]) WITH ORDINALITY AS k(id, t, i)
    LEFT JOIN object_states s ON s.object_id = k.id`;

async function entriesFromCreates(sql: Sql, asked: ReadonlyMap<AuditWrite, ObjectRow>): Promise<Map<AuditWrite, { row: ObjectRow; entries: EntriesFromCreate }>> {
  const found = new Map<AuditWrite, { row: ObjectRow; entries: EntriesFromCreate }>();
  if (asked.size === 0) return found;
  const questions = [...asked];
  const result = await sql.query<EntriesFromColumns & { i: number }>(prepared("kt_entries_from_creates", ENTRIES_FROM_CREATES_SQL), [
    int8Array(questions.map(([, row]) => row.id)),
    timestamptzArray(questions.map(([write]) => write.startTime)),
  ]);
  for (const loaded of result.rows) {
    const [write, row] = questions[Number(loaded.i) - 1]!;
    found.set(write, { row, entries: entriesFromCreateOf(loaded) });
  }
  return found;
}

/**
 * Whether the body `earlier` holds is its own object's, not made by writes of a later object that
 * reached its row from `since` on (writes that gave no uid, before that object's create arrived):
 * it has none, or its creation (whole seconds) is before the second `since` falls in, and no change
 * that told no version (a Request-level scale, a binding: stateVersion.ts) was made of it since
 * the one a response told, which may have been such a write's. A body of the later object would
 * tell its creation, from `since` on.
 */
function bodyIsOwnObjectsBefore(earlier: ObjectRow, since: Date): boolean {
  if (earlier.state === null) return !earlier.hasStoredState && !earlier.stateDirty;
  if (earlier.resourceVersion !== null && toldVersion(earlier.resourceVersion) !== earlier.resourceVersion) return false;
  const created = creationTimeIn(stringAt(earlier.state, "metadata", "creationTimestamp"));
  return created !== null && created.getTime() + 1000 <= since.getTime();
}

/**
 * Moves to `row`, the row of a create that began at `since`, the entries of `earlier` (the row
 * the create found its name's latest, or would have in order) that began from then on (before
 * `until`, where the create's object was gone by then), with the relations naming it that began
 * then (storeWrites: MOVE_HISTORY_SQL): writes that gave no uid of the create's object, stored
 * before its create arrived. A delete among them moves too. Unless `earlier`'s body may have been
 * made by them (bodyIsOwnObjectsBefore), as for endEarlierObject, or its body, its own, was (one
 * of them tells that body's version: an earlier object's write stamped after the create by
 * another apiserver's clock).
 */
function moveEntriesFromCreate(
  earlier: ObjectRow,
  row: ObjectRow,
  since: Date,
  until: Date | null,
  entries: EntriesFromCreate,
  moved: Array<{ row: ObjectRow; into: ObjectRow } & HistoryMove>,
  touched: Set<ObjectRow>,
): void {
  if (entries.firstStartSince === null || earlier === row || !bodyIsOwnObjectsBefore(earlier, since)) return;
  // That body, the earlier object's, was made by one of them: an earlier object's write (its
  // delete, answered with the Pod it removed) began after the create by the apiservers' clocks,
  // which in HA are not one clock. What began from then on is not all the create's object's.
  if (entries.bodyMadeSince) return;
  if (entries.lastEndSince !== null && entries.lastEndSince > row.lastSeen) row.lastSeen = entries.lastEndSince;
  // A delete among them (it ended after every entry left) was the create's object's.
  const deletedAt = earlier.deletedAt;
  if (deletedAt !== null && deletedAt > since && (entries.lastEndBefore === null || deletedAt > entries.lastEndBefore)) {
    if (row.deletedAt === null || deletedAt < row.deletedAt) row.deletedAt = deletedAt;
    earlier.deletedAt = since;
  }
  earlier.lastSeen = entries.lastEndBefore ?? earlier.firstSeen;
  earlier.rowDirty = true;
  row.rowDirty = true;
  touched.add(earlier);
  moved.push({ row: earlier, into: row, since, until });
}

/** The earliest and latest creation times a body may tell that timestamptz takes, a second to spare. */
const CREATION_TIME_RANGE = [Date.parse("0001-01-01T00:00:00Z"), Date.parse("9999-12-31T23:59:58Z")] as const;

/**
 * When the write's object was created, as its response tells (metadata.creationTimestamp, whole
 * seconds): only a response that is the object of the write's uid (a request's body says what the
 * client sent). Null when none tells, or the time is not one Postgres stores.
 */
function creationTimeOf(write: AuditWrite): Date | null {
  const body = write.bodyAfter;
  if (body === null || write.level !== "RequestResponse" || write.details.resourceVersionAfter === undefined) return null;
  if (write.object.uid === null || stringAt(body, "metadata", "uid") !== write.object.uid) return null;
  return creationTimeIn(stringAt(body, "metadata", "creationTimestamp"));
}

/** A body's metadata.creationTimestamp as a time, when it is one in the form the apiserver writes, and one Postgres stores. */
function creationTimeIn(text: string | null): Date | null {
  if (text === null) return null;
  const time = Date.parse(text);
  return Number.isFinite(time) && time >= CREATION_TIME_RANGE[0] && time <= CREATION_TIME_RANGE[1] ? new Date(time) : null;
}

/** metadata.creationTimestamp as the apiserver writes it (RFC 3339, UTC, whole seconds): where CREATES_BEFORE_ROWS_SQL's comparison as text holds. */
const CREATION_TIMESTAMP_FORMAT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/**
 * From when a row's entries may be the object's of a write created at `created`: the second after
 * that (to the second is all a body tells), or, for a create, the moment it began (the name was
 * free then). Null when `created` is.
 */
function sinceOf(write: AuditWrite, created: Date | null): Date | null {
  if (created === null) return null;
  return createsObject(write) ? write.startTime : new Date(created.getTime() + 1000);
}

/**
 * Whether `latest`, the latest row of a create's name, may hold the uid of the create's object
 * though it began before the create, with no body: the row of an earlier object, made by writes
 * that gave no uid, may have taken it from a write of the create's object that told no creation
 * time (uidlessRowIs: the same object, deleted or not) before the create arrived. Its history is
 * asked (earlierThanCreate). A create giving the uid asks when the row holds it (only a create
 * arriving late can find that); one giving none (Metadata level) when the row's uid was given by
 * a write that began at or after the create began (uidGivenAt): in order, every write of the row
 * came before the create.
 */
function mayHaveTakenUidOf(create: AuditWrite, latest: ObjectRow): boolean {
  if (latest.isNew || latest.uid === null || latest.firstSeen >= create.startTime || latest.hasStoredState) return false;
  if (create.object.uid === null) return latest.uidGivenAt !== null && latest.uidGivenAt >= create.startTime;
  return latest.uid === create.object.uid && creationTimeOf(create) !== null;
}

/**
 * A write of the batch to a row asked about: one that gave no uid to a row holding none, or any to
 * a row a create asks about (planWrites).
 */
interface UidlessEntry {
  start: Date;
  end: Date;
  /** It did not fail, and was no dry run (UidlessEvidence.endedBeforeCreation). */
  ok: boolean;
  creates: boolean;
}

/** What uidlessRowIs found a row holding no uid to be, with what its history (stored and the batch's) tells. */
interface UidlessJudgement {
  is: "same" | "earlier" | "later";
  /** When the write's object was created, to the second (creationTimeOf); null when its response does not tell. */
  created: Date | null;
  /** Of an earlier object: when it was gone (the write's object's creation, or its create's start). */
  endedAt: Date | null;
  /** Of an earlier object: from when its entries are the write's object's (sinceOf). */
  since: Date | null;
  lastCreate: Date | null;
  /** Of a later object: the last end of its entries that began before `lastCreate`, where known. */
  lastEndBeforeCreate: Date | null;
  lastEndBeforeSince: Date | null;
  firstStartSince: Date | null;
}

/**
 * Whether `latest`, the latest row of a write's name, holding no uid (writes that gave none made
 * it), is the object the write's uid names, by its stored history (`stored`, asked for this
 * write) and the batch's writes to it before this one (`entries`). The name held one object at a
 * time, so:
 * - "earlier": one of its entries that did not fail (nor was a dry run) ended before the write's
 *   object was created (its response tells when, to the second): the name held another object
 *   then. A create's row is earlier when it began before the create, as resolveTarget takes it.
 * - "later": it holds a create that began after the write's object was known to be there (the
 *   write's end, the second after its creation, the first claim or write of the row holding its
 *   uid, `holder`): that create found the name free.
 * - "same" otherwise, deleted or not: at Metadata level a delete that leaves finalizers counts as
 *   done (change.ts), and the writes that remove them follow.
 * Null where nothing was asked (a row only a relation made, or the batch's second write giving it
 * a uid): the rules before apply.
 */
function uidlessRowIs(write: AuditWrite, latest: ObjectRow, holder: ObjectRow | null, stored: UidlessEvidence | undefined, entries: readonly UidlessEntry[]): UidlessJudgement | null {
  const none = { created: null, endedAt: null, since: null, lastCreate: null, lastEndBeforeCreate: null, lastEndBeforeSince: null, firstStartSince: null };
  if (createsObject(write)) {
    // As resolveTarget takes a create's latest row: the batch's own while not deleted.
    if (latest.isNew) return latest.deletedAt ? null : { is: "same", ...none };
    return { is: latest.firstSeen >= write.startTime ? "same" : "earlier", ...none };
  }
  const asked = latest.isNew ? null : stored !== undefined && stored.write === write ? stored : undefined;
  if (asked === undefined || (!asked?.hasHistory && entries.length === 0)) return null;
  const created = asked !== null ? asked.created : creationTimeOf(write);
  const sinceTime = sinceOf(write, created);
  const since = sinceTime?.getTime() ?? null;
  const lastCreate = latestOf([asked?.lastCreate ?? null, ...entries.filter((e) => e.ok && e.creates).map((e) => e.start)]);
  // The stored entries before it are known where it is the stored one.
  const storedBeforeCreate = lastCreate !== null && asked?.lastCreate?.getTime() === lastCreate.getTime() ? asked.lastEndBeforeCreate : null;
  const judged = {
    created,
    endedAt: created,
    since: sinceTime,
    lastCreate,
    lastEndBeforeCreate: lastCreate === null ? null : latestOf([storedBeforeCreate, ...entries.filter((e) => e.start < lastCreate).map((e) => e.end)]),
    lastEndBeforeSince: since === null ? null : latestOf([asked?.lastEndBeforeSince ?? null, ...entries.filter((e) => e.start.getTime() < since).map((e) => e.end)]),
    firstStartSince: since === null ? null : earliestOf([asked?.firstStartSince ?? null, ...entries.filter((e) => e.start.getTime() >= since).map((e) => e.start)]),
  };
  if (created !== null && (asked?.endedBeforeCreation || entries.some((e) => e.ok && e.end < created))) return { is: "earlier", ...judged };
  let known = write.endTime.getTime();
  if (since !== null) known = Math.min(known, since);
  if (holder !== null) known = Math.min(known, holder.firstSeen.getTime());
  return { is: judged.lastCreate !== null && judged.lastCreate.getTime() > known ? "later" : "same", ...judged };
}

const latestOf = (times: Array<Date | null>) => times.reduce<Date | null>((a, b) => (b !== null && (a === null || b > a) ? b : a), null);
const earliestOf = (times: Array<Date | null>) => times.reduce<Date | null>((a, b) => (b !== null && (a === null || b < a) ? b : a), null);

/**
 * A create giving the uid `latest` holds, or giving none while that row's uid was given after it
 * began (mayHaveTakenUidOf), when that row is an earlier object: one of its entries that did not
 * fail, nor was a dry run, ended before the create's object was created (for a create giving no
 * uid, before it began). Its uid was taken from this object's writes since the create began
 * (nothing before the create can have given it); those entries move to the create's row, which
 * takes the uid, and the row ends at the create, as a row holding no uid would (uidlessRowIs).
 * Null otherwise, or when the create was not asked about: the row is the create's object, or
 * (giving no uid) an earlier one that keeps its uid.
 */
function earlierThanCreate(write: AuditWrite, latest: ObjectRow, stored: UidlessEvidence | undefined, entries: readonly UidlessEntry[]): UidlessJudgement | null {
  if (!createsObject(write) || !mayHaveTakenUidOf(write, latest) || latest.stateDirty) return null;
  if (stored === undefined || stored.write !== write || stored.created === null || stored.since === null) return null;
  const { created, since } = stored;
  if (!stored.endedBeforeCreation && !entries.some((e) => e.ok && e.end < created)) return null;
  return {
    is: "earlier",
    created,
    endedAt: since,
    since,
    lastCreate: null,
    lastEndBeforeCreate: null,
    lastEndBeforeSince: latestOf([stored.lastEndBeforeSince, ...entries.filter((e) => e.start < since).map((e) => e.end)]),
    firstStartSince: earliestOf([stored.firstStartSince, ...entries.filter((e) => e.start >= since).map((e) => e.start)]),
  };
}

/**
 * Ends `earlier`, a row holding no uid that uidlessRowIs found to be an earlier object than the
 * write's (of `row`), or the row whose uid a create retakes (earlierThanCreate): its object was
 * gone when the write's was created (`judged.endedAt`). The entries and relations that began from
 * `judged.since` (the second after that creation, or the create's start) are the write's
 * object's: they move to `row` (storeWrites), unless the earlier row has a body, which they may
 * have made.
 */
function endEarlierObject(
  earlier: ObjectRow,
  row: ObjectRow,
  judged: UidlessJudgement,
  moved: Array<{ row: ObjectRow; into: ObjectRow } & HistoryMove>,
  touched: Set<ObjectRow>,
  observed: Array<{ row: ObjectRow; at: Date; state: JsonObject | null; deleted: boolean }>,
): void {
  const endedAt = judged.endedAt!;
  const since = judged.since!;
  const deletedAt = earlier.deletedAt;
  const moves = !earlier.hasStoredState && !earlier.stateDirty;
  if (deletedAt === null || deletedAt >= since) {
    earlier.deletedAt = endedAt;
    if (deletedAt === null) observed.push({ row: earlier, at: endedAt, state: earlier.state, deleted: true });
    // A delete since then was of the write's object (or of one after it).
    else if (moves && (row.deletedAt === null || deletedAt > row.deletedAt)) row.deletedAt = deletedAt;
  }
  if (moves) {
    if (judged.firstStartSince !== null) {
      if (judged.firstStartSince < row.firstSeen) row.firstSeen = judged.firstStartSince;
      if (earlier.lastSeen > row.lastSeen) row.lastSeen = earlier.lastSeen;
      earlier.lastSeen = judged.lastEndBeforeSince ?? earlier.firstSeen;
    }
    moved.push({ row: earlier, into: row, since, until: null });
  }
  earlier.rowDirty = true;
  touched.add(earlier);
}

/**
 * Starts `later`, a row holding no uid that uidlessRowIs found to be a later object than the
 * write's (of `row`, new), at its create (`judged.lastCreate`): what it holds from before that
 * create (writes that gave no uid, of the name's object then, stored before the write arrived)
 * is not its object's, and moves to `row`, as had the write come first: its entries, the
 * relations naming it that began then, a delete among them.
 */
function startLaterObject(later: ObjectRow, row: ObjectRow, judged: UidlessJudgement, moved: Array<{ row: ObjectRow; into: ObjectRow } & HistoryMove>, touched: Set<ObjectRow>): void {
  const created = judged.lastCreate!;
  if (later.firstSeen >= created) return;
  if (later.firstSeen < row.firstSeen) row.firstSeen = later.firstSeen;
  if (judged.lastEndBeforeCreate !== null && judged.lastEndBeforeCreate > row.lastSeen) row.lastSeen = judged.lastEndBeforeCreate;
  if (later.deletedAt !== null && later.deletedAt < created) {
    if (row.deletedAt === null || later.deletedAt < row.deletedAt) row.deletedAt = later.deletedAt;
    later.deletedAt = null;
  }
  later.firstSeen = created;
  later.rowDirty = true;
  touched.add(later);
  moved.push({ row: later, into: row, since: null, until: created });
}

/**
 * Whether `a` and `b` name one object through two API groups: the same namespace, resource and
 * name (extensions and apps served the same Deployments), as settleRowsNamedElsewhere takes them.
 */
function isSameObjectThroughAnotherGroup(a: ObjectIdentity, b: ObjectIdentity): boolean {
  return a.apiGroup !== b.apiGroup && a.namespace === b.namespace && a.resource === b.resource && a.name === b.name;
}

/** Rows by id as they are now, and whether each has history or a body (settleRowsNamedElsewhere). */
export const ROWS_NAMED_ELSEWHERE_SQL = `SELECT o.id, o.api_group, o.api_version, o.resource, o.kind, o.namespace, o.name,
         ${hasWrittenHistory("o.id")}
           OR EXISTS (SELECT 1 FROM object_states s WHERE s.object_id = o.id) AS has_history
    FROM objects o WHERE o.id = ANY($1::bigint[])`;

/**
 * Which object a write belongs to: an existing row, or "new" for a new incarnation. For a write
 * giving a uid that no row holds, whose name's latest row holds none, `latestIsItsObject` says
 * whether that row is its object when its history told (uidlessRowIs); null when it did not.
 */
function resolveTarget(write: AuditWrite, latest: ObjectRow | null, sameUid: ObjectRow | null, latestIsItsObject: boolean | null = null): ObjectRow | "new" {
  if (sameUid) return sameUid;
  const creates = createsObject(write);
  // Batches are applied concurrently, and the apiserver sends them concurrently too: a create
  // can arrive after later requests to the same object (a Pod's binding, its status). Everything
  // known of the latest row happened after this create, and no uid says otherwise: it is that
  // object, not a new incarnation.
  if (creates && latest && !latest.isNew && latest.firstSeen >= write.startTime && (!latest.uid || !write.object.uid || latest.uid === write.object.uid)) {
    return latest;
  }
  if (write.object.uid) {
    // A uid we have not seen: the latest row is this object only if we never learnt its uid.
    if (latest && !latest.uid && (latestIsItsObject ?? (!latest.deletedAt && (!creates || latest.isNew)))) return latest;
    return "new";
  }
  if (creates) return "new";
  return latest ?? "new";
}

function stringAt(body: JsonObject, ...path: string[]): string | null {
  let current: unknown = body;
  for (const key of path) {
    if (typeof current !== "object" || current === null || Array.isArray(current)) return null;
    current = (current as Record<string, unknown>)[key];
  }
  return typeof current === "string" ? current : null;
}

const iso = (date: Date | null) => date?.toISOString() ?? null;

const OBJECT_COPY_COLUMNS = ["id", "cluster_id", "api_group", "api_version", "resource", "kind", "namespace", "name", "uid", "uid_given_at", "first_seen", "last_seen", "deleted_at"];

async function insertObjects(sql: Transaction, clusterId: number, rows: readonly ObjectRow[]): Promise<void> {
  if (rows.length === 0) return;
  // Ids come from the pool (planWrites), so rows and history are linked without RETURNING.
  const text = new CopyTextBuilder();
  for (const r of rows) {
    const { apiGroup, apiVersion, resource, namespace, name } = r.identity;
    text.addRow([r.id, clusterId, apiGroup, apiVersion, resource, r.kind, namespace, name, r.uid, iso(r.uidGivenAt), iso(r.firstSeen), iso(r.lastSeen), iso(r.deletedAt)]);
  }
  await sql.copyFrom("objects", OBJECT_COPY_COLUMNS, text.take());
}

async function updateObjects(sql: Sql, rows: readonly ObjectRow[]): Promise<void> {
  if (rows.length === 0) return;
  // In id order: concurrent batches lock rows in the same order (their objects' advisory locks make overlap rare anyway).
  const sorted = [...rows].sort((a, b) => a.id - b.id);
  await sql.query(
    prepared("kt_update_objects", `UPDATE objects o SET uid = t.u, uid_given_at = t.ug, kind = t.k, first_seen = t.fs, last_seen = t.ls, deleted_at = t.del
       FROM unnest($1::bigint[], $2::text[], $7::timestamptz[], $3::text[], $4::timestamptz[], $5::timestamptz[], $6::timestamptz[]) AS t(id, u, ug, k, fs, ls, del)
      WHERE o.id = t.id`),
    [
      int8Array(sorted.map((r) => r.id)),
      textArray(sorted.map((r) => r.uid)),
      textArray(sorted.map((r) => r.kind)),
      timestamptzArray(sorted.map((r) => r.firstSeen)),
      timestamptzArray(sorted.map((r) => r.lastSeen)),
      timestamptzArray(sorted.map((r) => r.deletedAt)),
      timestamptzArray(sorted.map((r) => r.uidGivenAt)),
    ],
  );
}

/** Gives placeholders the identity of the object their uid names (settleRowsNamedElsewhere). */
async function reidentifyObjects(sql: Sql, rows: readonly ObjectRow[]): Promise<void> {
  if (rows.length === 0) return;
  const sorted = [...rows].sort((a, b) => a.id - b.id);
  await sql.query(
    prepared("kt_reidentify_objects", `UPDATE objects o SET api_group = t.g, api_version = t.v, resource = t.r, namespace = t.ns, name = t.n
       FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS t(id, g, v, r, ns, n)
      WHERE o.id = t.id`),
    [
      int8Array(sorted.map((r) => r.id)),
      textArray(sorted.map((r) => r.identity.apiGroup)),
      textArray(sorted.map((r) => r.identity.apiVersion)),
      textArray(sorted.map((r) => r.identity.resource)),
      textArray(sorted.map((r) => r.identity.namespace)),
      textArray(sorted.map((r) => r.identity.name)),
    ],
  );
}

/**
 * CTEs recording, for each row of `source` (columns gone, alias_to) whose alias_to is not null,
 * that the id `gone` now names the row `alias_to` (object_aliases), and pointing the aliases that
 * named `gone` (merged into it before) there too, so that every alias is one step: a trace ID
 * encoding a merged row's id answers with the trace of the row it went to (assemble.ts). In the
 * merge's own statement: a merge costs no statement more, and an ordinary batch nothing.
 */
const ALIAS_MERGED_ROWS_CTES = (source: string) => `aliased AS (INSERT INTO object_aliases (id, object_id)
                    SELECT m.gone, m.alias_to FROM ${source} m WHERE m.alias_to IS NOT NULL ON CONFLICT (id) DO UPDATE SET object_id = excluded.object_id),
       rechained AS (UPDATE object_aliases a SET object_id = m.alias_to FROM ${source} m WHERE a.object_id = m.gone AND m.alias_to IS NOT NULL)`;

/** Whether history entry `h` of move `m` began in the part of the row's history that moves. */
const IN_MOVED_PART = (h: string, m: string) => `(${m}.since IS NULL OR ${h}.start_time >= ${m}.since) AND (${m}.until IS NULL OR ${h}.start_time < ${m}.until)`;

/**
 * For each move of part of a row's history (column i of `moves`) with watch entries in that part:
 * the uids each side is known as (gone_uids, kept_uids), the uid its row holds and those its
 * watch entries that do not move by time observed (the staying row's outside the part but the
 * other row's uid, which go to it: WATCHED_OF_KEPT_UID; all of the other's). Read through the
 * partial index of watch entries (history_watch_object_time_idx), only for such moves: a batch
 * merging nothing runs no MOVE_HISTORY_SQL at all.
 */
const WATCHED_SIDES_CTE = `watched_moves AS MATERIALIZED (SELECT m.* FROM moves m
        CROSS JOIN LATERAL (SELECT 1 FROM history_entries h WHERE h.object_id = m.gone AND h.source = 'watch' AND ${IN_MOVED_PART("h", "m")} LIMIT 1) watched
        WHERE m.since IS NOT NULL OR m.until IS NOT NULL),
       sides AS MATERIALIZED (SELECT m.i,
              ARRAY(SELECT DISTINCT u.uid FROM (SELECT m.gone_uid AS uid
                                                UNION ALL SELECT ${watchedUidOf("h")} FROM history_entries h
                                                 WHERE h.object_id = m.gone AND h.source = 'watch' AND NOT (${IN_MOVED_PART("h", "m")})
                                                   AND ${watchedUidOf("h")} IS DISTINCT FROM m.kept_uid) u
                     WHERE u.uid IS NOT NULL) AS gone_uids,
              ARRAY(SELECT DISTINCT u.uid FROM (SELECT m.kept_uid AS uid
                                                UNION ALL SELECT ${watchedUidOf("h")} FROM history_entries h WHERE h.object_id = m.kept AND h.source = 'watch') u
                     WHERE u.uid IS NOT NULL) AS kept_uids
         FROM watched_moves m)`;

/**
 * Whether a watch entry (or watched state) of the object `uid` names, on the row a move of part
 * of its history leaves (move `m`, sides `s`), goes to the other row: not when the leaving row
 * holds that uid; when the other row does (a row's uid is its object's, whichever side a watch
 * saw that object on: a later object's row, holding no uid, may hold an earlier one's watched
 * removal, seen after the later create began, with its creation, seen before); not when it is
 * another of the leaving row's uids (its staying watch entries'); when it is another of the other
 * row's; else when the leaving row is another object's, or the other row is no object's yet (by
 * time, as the rest). Null for no uid.
 */
const GOES_WITH_ITS_UID = (uid: string) =>
  `(${uid} IS DISTINCT FROM m.gone_uid
    AND ((${uid} = m.kept_uid) IS TRUE
         OR (NOT ${uid} = ANY(s.gone_uids) AND (${uid} = ANY(s.kept_uids) OR cardinality(s.gone_uids) > 0 OR cardinality(s.kept_uids) = 0))))`;

/**
 * Whether watch entry `h`, outside the part of its row's history that move `m` moves, is of the
 * object the other row holds the uid of (`kept_uid`): it goes there too, as a watch names its
 * object by uid; the time a watch saw a version is Kubetrail's, after the write that made it.
 */
const WATCHED_OF_KEPT_UID = (h: string, m: string) => `(${h}.source = 'watch' AND ${watchedUidOf(h)} = ${m}.kept_uid)`;

/**
 * CTEs giving the last body a watch saw of each row of `moves` (columns gone, kept, alias_to,
 * since, until) whose whole history moves (since and until null) to the row it ends up on
 * (alias_to, following a merge into a row merged away in turn; else kept), where that row's own
 * is not newer: else the object's next watched version, found by its uid on that row, would be
 * a first sight (a snapshot, no diff from the version before). Its watch entries went there with
 * the rest. Where part of the history moves, the body goes where the watch entries of its uid go
 * (GOES_WITH_ITS_UID, `sides`): a row holding no uid may hold the last body of the next object of
 * its name, whose row the move finds. The newer of two decimal resourceVersions wins; versions
 * that cannot be ordered (Kubernetes calls them opaque) keep the row's own. One row per target,
 * the newest of those going there: an INSERT … ON CONFLICT may change a row once.
 */
const KEEP_WATCHED_STATES_CTES = `unwatched AS (DELETE FROM watched_states w USING moves m LEFT JOIN sides s ON s.i = m.i
                      WHERE w.object_id = m.gone
                        AND ((m.since IS NULL AND m.until IS NULL) OR (s.i IS NOT NULL AND ${GOES_WITH_ITS_UID("(w.state::json->'metadata'->>'uid')")}))
                  RETURNING coalesce(m.alias_to, m.kept) AS kept, w.resource_version, w.state),
       rewatched AS (INSERT INTO watched_states (object_id, resource_version, state)
                     SELECT DISTINCT ON (u.kept) u.kept, u.resource_version, u.state FROM unwatched u
                      ORDER BY u.kept, u.resource_version ~ '^[0-9]+$' DESC, length(u.resource_version) DESC, u.resource_version DESC
                     ON CONFLICT (object_id) DO UPDATE SET resource_version = excluded.resource_version, state = excluded.state
                      WHERE watched_states.resource_version IS NULL
                         OR (excluded.resource_version ~ '^[0-9]+$' AND watched_states.resource_version ~ '^[0-9]+$'
                             AND (length(excluded.resource_version), excluded.resource_version) > (length(watched_states.resource_version), watched_states.resource_version)))`;

/**
 * Moves the relations of each merged placeholder to the row it is merged into, and deletes it (a
 * placeholder has no state, and no history but Kubernetes Events' and watches', which moves with
 * it). Nor a watched state (deleted with it where it has one): a row the watch wrote to holds
 * the uid it watched (giveWatchedUids in observedHistoryWriter.ts), unless it was deleted or two
 * uids named it in one call, and the placeholders merged here hold none and are not deleted. Its
 * name is the write's, locked exclusively by this batch: no other batch can look it up meanwhile,
 * nor the pruner delete it (docs/storage.md, "No foreign keys", says what is left: a claimant's
 * relation ended and stated again in one batch).
 */
export const MERGE_PLACEHOLDERS_SQL = `WITH merged AS (SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS t(gone, kept, alias_to)),
       observed AS (UPDATE history_entries h SET object_id = m.kept FROM merged m WHERE h.object_id = m.gone),
       parents AS (UPDATE relations r SET from_object_id = m.kept FROM merged m WHERE r.from_object_id = m.gone),
       children AS (UPDATE relations r SET to_object_id = m.kept FROM merged m WHERE r.to_object_id = m.gone),
       watched AS (DELETE FROM watched_states w USING merged m WHERE w.object_id = m.gone),
       ${ALIAS_MERGED_ROWS_CTES("merged")}
  DELETE FROM objects o USING merged m WHERE o.id = m.gone`;

async function mergePlaceholders(sql: Sql, merged: ReadonlyArray<{ id: number; into: number }>, aliasTo: (id: number) => number | null): Promise<void> {
  if (merged.length === 0) return;
  await sql.query(prepared("kt_merge_placeholders", MERGE_PLACEHOLDERS_SQL), [
    int8Array(merged.map((m) => m.id)),
    int8Array(merged.map((m) => m.into)),
    int8Array(merged.map((m) => aliasTo(m.id))),
  ]);
}


/** What of a row's history MOVE_HISTORY_SQL moves: all of it (both null), or what began from `since`, or before `until`. */
interface HistoryMove {
  since: Date | null;
  until: Date | null;
}

/**
 * Moves the history and relations of rows made by writes that gave no uid to the row of the
 * object they were (planWrites, uidlessRowIs): all of it, deleting the row and its state, or
 * (`since`) the entries and the relations naming it that began from then, of a row that was an
 * earlier object, or (`until`) those that began before then, of a row that was a later one (not
 * the relations it claimed, which its body stated). A row that goes leaves the row it went to
 * the last body a watch saw of it (KEEP_WATCHED_STATES_CTES). Its name is the write's, locked
 * exclusively by this batch: no other batch can look it up by name meanwhile (it holds no uid to
 * be found by), nor the pruner delete it (docs/storage.md, "No foreign keys", says what is left,
 * as for MERGE_PLACEHOLDERS_SQL). One UPDATE of relations sets all three columns: a row changed by
 * two parts of one statement keeps one change only.
 *
 * Where only part of a row's history moves, its watch entries go by the object they observed,
 * not by time: the time a watch saw a version is Kubetrail's, after the write that made it (a
 * Pod's removal the watch saw after the next Pod of its name was created). Each side's uids
 * (WATCHED_SIDES_CTE) are the uid its row holds and those of its watch entries that do not move by
 * time (the staying row's outside the range, all the other's): an entry stays on the row holding
 * its uid, else goes to the row holding it (from outside the range too: WATCHED_OF_KEPT_UID), else
 * stays with its uid's side, else goes to its uid's side, else leaves a side others' uids hold for
 * one none holds, else moves by time. An entry stored before entries told their uid (none in its
 * details) stays where the row holds a uid, as the object that uid names is the one its watch
 * found the row by.
 */
export const MOVE_HISTORY_SQL = `WITH moves AS (SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::timestamptz[], $4::timestamptz[], $5::bigint[], $6::text[], $7::text[])
                       WITH ORDINALITY AS t(gone, kept, since, until, alias_to, gone_uid, kept_uid, i)),
       ${WATCHED_SIDES_CTE},
       history AS (UPDATE history_entries h SET object_id = m.kept FROM moves m LEFT JOIN sides s ON s.i = m.i
                    WHERE h.object_id = m.gone
                      AND ((${IN_MOVED_PART("h", "m")}
                            AND (h.source <> 'watch' OR s.i IS NULL
                                 OR CASE WHEN ${watchedUidOf("h")} IS NULL THEN m.gone_uid IS NULL ELSE ${GOES_WITH_ITS_UID(watchedUidOf("h"))} END))
                           OR (s.i IS NOT NULL AND ${WATCHED_OF_KEPT_UID("h", "m")}))),
       related AS (UPDATE relations r
                      SET from_object_id = CASE WHEN r.from_object_id = m.gone THEN m.kept ELSE r.from_object_id END,
                          to_object_id = CASE WHEN r.to_object_id = m.gone THEN m.kept ELSE r.to_object_id END,
                          claimed_by_id = CASE WHEN r.claimed_by_id = m.gone THEN m.kept ELSE r.claimed_by_id END
                     FROM moves m
                    WHERE (r.from_object_id = m.gone OR r.to_object_id = m.gone OR r.claimed_by_id = m.gone)
                      AND ((m.since IS NULL AND m.until IS NULL)
                           OR ((m.since IS NULL OR r.valid_from >= m.since) AND (m.until IS NULL OR r.valid_from < m.until) AND r.claimed_by_id <> m.gone))),
       states AS (DELETE FROM object_states s USING moves m WHERE s.object_id = m.gone AND m.since IS NULL AND m.until IS NULL),
       ${KEEP_WATCHED_STATES_CTES},
       ${ALIAS_MERGED_ROWS_CTES("moves")}
  DELETE FROM objects o USING moves m WHERE o.id = m.gone AND m.since IS NULL AND m.until IS NULL`;

async function moveHistory(sql: Sql, moved: WritePlan["moved"], aliasTo: (id: number) => number | null): Promise<void> {
  if (moved.length === 0) return;
  await sql.query(prepared("kt_move_history", MOVE_HISTORY_SQL), [
    int8Array(moved.map((m) => m.id)),
    int8Array(moved.map((m) => m.into)),
    timestamptzArray(moved.map((m) => m.since)),
    timestamptzArray(moved.map((m) => m.until)),
    int8Array(moved.map((m) => (m.since === null && m.until === null ? aliasTo(m.id) : null))),
    textArray(moved.map((m) => m.uid)),
    textArray(moved.map((m) => m.intoUid)),
  ]);
}

/**
 * For each row a plan deletes by merging it (placeholders merged, rows whose whole history moved),
 * the row it ends up on, following a merge into a row the plan deletes too; null for a row the
 * batch made (no trace ID can name it yet), or one not deleted.
 */
function mergedRowTargets(plan: WritePlan): (id: number) => number | null {
  const into = new Map<number, number>();
  for (const { id, into: kept } of plan.merged) into.set(id, kept);
  for (const { id, into: kept, since, until } of plan.moved) if (since === null && until === null) into.set(id, kept);
  if (into.size === 0) return () => null;
  const madeNow = new Set(plan.created.map((row) => row.id));
  return (id) => {
    if (madeNow.has(id) || !into.has(id)) return null;
    let target = into.get(id)!;
    for (let hops = 0; into.has(target) && hops < into.size; hops++) target = into.get(target)!;
    return target;
  };
}

/**
 * Ends the relations a row's bodies stated at the deletion a late create moved (planWrites:
 * `reended`), where they ended at the one inferred before; one that began after ends where it
 * began. Sent only when a late create moved one (exported for the plan test).
 */
export const REEND_RELATIONS_SQL = `UPDATE relations r SET valid_to = greatest(r.valid_from, t.at)
    FROM unnest($1::bigint[], $2::timestamptz[], $3::timestamptz[]) AS t(id, was, at)
   WHERE r.claimed_by_id = t.id AND r.valid_to = t.was`;

async function reendRelations(sql: Sql, reended: ReadonlyArray<{ id: number; was: Date; at: Date }>): Promise<void> {
  if (reended.length === 0) return;
  await sql.query(prepared("kt_reend_relations", REEND_RELATIONS_SQL), [
    int8Array(reended.map((r) => r.id)),
    timestamptzArray(reended.map((r) => r.was)),
    timestamptzArray(reended.map((r) => r.at)),
  ]);
}

async function upsertStates(sql: Sql, rows: ReadonlyArray<{ row: ObjectRow; text: string }>): Promise<void> {
  if (rows.length === 0) return;
  const sorted = [...rows].sort((a, b) => a.row.id - b.row.id);
  // ORDER BY: rows are locked in id order, as in updateObjects.
  await sql.query(
    prepared("kt_upsert_states", `INSERT INTO object_states (object_id, state, resource_version)
     SELECT id, state, rv FROM unnest($1::bigint[], $2::text[], $3::text[]) AS t(id, state, rv) ORDER BY id
     ON CONFLICT (object_id) DO UPDATE SET state = excluded.state, resource_version = excluded.resource_version`),
    [int8Array(sorted.map(({ row }) => row.id)), textArray(sorted.map(({ text }) => text)), textArray(sorted.map(({ row }) => row.resourceVersion))],
  );
}

const HISTORY_COPY_COLUMNS = [
  "object_id", "cluster_id", "source", "start_time", "end_time", "actor", "verb", "subresource",
  "status_code", "title", "audit_id", "stage", "user_agent", "details", "diff", "snapshot", "noop", "impersonator",
];

const jsonOrNull = (value: unknown) => (value === null || value === undefined ? null : JSON.stringify(value));

/** One history row's COPY values: history is the bulk of the bytes, and COPY the cheapest way in. */
export function historyCopyRow(objectId: number, clusterId: number, w: AuditWrite, detailsText: string, diff: unknown, snapshot: unknown, noop: boolean): CopyValue[] {
  return [
    objectId, clusterId, "audit", iso(w.startTime), iso(w.endTime), w.actor, w.verb, w.subresource,
    w.statusCode, w.title, w.auditId, w.stage, w.userAgent, detailsText, jsonOrNull(diff), jsonOrNull(snapshot), noop,
    w.details.impersonatedBy?.username ?? null,
  ];
}

/** Adds read requests to the per-minute counters. */
export async function addReadCounts(sql: Sql, clusterId: number, reads: AuditRead[]): Promise<void> {
  if (reads.length === 0) return;
  const counts = new Map<string, { read: AuditRead; count: number }>();
  for (const read of reads) {
    const key = [read.minute.toISOString(), read.verb, read.resource, read.username, read.code].join("\u0000");
    const entry = counts.get(key);
    if (entry) entry.count++;
    else counts.set(key, { read, count: 1 });
  }
  // Sorted so that concurrent batches lock counter rows in the same order (no deadlocks).
  const sorted = [...counts.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
  await sql.query(
    prepared("kt_add_read_counts", `INSERT INTO request_counts (cluster_id, minute, verb, resource, username, code, count)
     SELECT $1, m, v, r, u, c, n FROM unnest($2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::int[], $7::bigint[]) AS t(m, v, r, u, c, n)
     ON CONFLICT (cluster_id, minute, verb, resource, username, code) DO UPDATE SET count = request_counts.count + excluded.count, stored_at = excluded.stored_at`),
    [
      clusterId,
      timestamptzArray(sorted.map((e) => e.read.minute)),
      textArray(sorted.map((e) => e.read.verb)),
      textArray(sorted.map((e) => e.read.resource)),
      textArray(sorted.map((e) => e.read.username)),
      int4Array(sorted.map((e) => e.read.code)),
      int8Array(sorted.map((e) => e.count)),
    ],
  );
}
