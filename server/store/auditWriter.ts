import type { Sql } from "./database";
import { advisoryLockIdOf, objectKeyOf } from "./objectKey";
import { computeChange } from "../ingest/audit/change";
import { toDisplay } from "../model/redact/redact";
import type { AuditRead, AuditWrite, JsonObject } from "../ingest/audit/types";

/**
 * Writes one batch of converted audit events in the caller's transaction with a handful
 * of bulk statements (unnest), whatever the batch size: receipts for dedup, objects,
 * history entries, read counts.
 */

export interface ReceiptKey {
  auditId: string;
  stage: string;
}

/** Records receipts; returns the keys that were new (the rest were accepted before). */
export async function recordReceipts(sql: Sql, clusterId: number, keys: ReceiptKey[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const result = await sql.query<{ audit_id: string; stage: string }>(
    `INSERT INTO audit_receipts (cluster_id, audit_id, stage)
     SELECT $1, a, s FROM unnest($2::text[], $3::text[]) AS t(a, s)
     ON CONFLICT DO NOTHING
     RETURNING audit_id, stage`,
    [clusterId, keys.map((k) => k.auditId), keys.map((k) => k.stage)],
  );
  return new Set(result.rows.map((row) => receiptId(row.audit_id, row.stage)));
}

export function receiptId(auditId: string, stage: string): string {
  return `${auditId}\u0000${stage}`;
}

/** What we know of an object row while a batch is being applied. */
interface ObjectRow {
  id: number;
  isNew: boolean;
  uid: string | null;
  kind: string | null;
  apiVersion: string;
  firstSeen: Date;
  lastSeen: Date;
  deletedAt: Date | null;
  state: JsonObject | null;
  resourceVersion: string | null;
  dirty: boolean;
}

interface LoadedObject {
  id: number;
  uid: string | null;
  kind: string | null;
  api_version: string;
  first_seen: Date;
  last_seen: Date;
  deleted_at: Date | null;
  last_state: JsonObject | null;
  last_resource_version: string | null;
}

function rowOf(loaded: LoadedObject): ObjectRow {
  return {
    id: Number(loaded.id),
    isNew: false,
    uid: loaded.uid,
    kind: loaded.kind,
    apiVersion: loaded.api_version,
    firstSeen: new Date(loaded.first_seen),
    lastSeen: new Date(loaded.last_seen),
    deletedAt: loaded.deleted_at ? new Date(loaded.deleted_at) : null,
    state: loaded.last_state,
    resourceVersion: loaded.last_resource_version,
    dirty: false,
  };
}

const OBJECT_COLUMNS = `o.id, o.uid, o.kind, o.api_version, o.first_seen, o.last_seen, o.deleted_at, o.last_state, o.last_resource_version`;

/** The latest incarnation of each name, keyed by objectKeyOf. */
async function loadLatestByName(sql: Sql, clusterId: number, writes: AuditWrite[]): Promise<Map<string, ObjectRow>> {
  const unique = new Map<string, AuditWrite["object"]>();
  for (const w of writes) unique.set(objectKeyOf(clusterId, w.object), w.object);
  const objects = [...unique.values()];
  const result = await sql.query<LoadedObject & { i: number }>(
    `SELECT DISTINCT ON (k.i) k.i, ${OBJECT_COLUMNS}
       FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS k(g, r, ns, n, i)
       JOIN objects o ON o.cluster_id = $1 AND o.resource = k.r AND o.namespace = k.ns AND o.name = k.n AND o.api_group = k.g
      ORDER BY k.i, o.first_seen DESC, o.id DESC`,
    [clusterId, objects.map((o) => o.apiGroup), objects.map((o) => o.resource), objects.map((o) => o.namespace), objects.map((o) => o.name)],
  );
  const byKey = new Map<string, ObjectRow>();
  for (const row of result.rows) {
    const object = objects[Number(row.i) - 1]!;
    byKey.set(objectKeyOf(clusterId, object), rowOf(row));
  }
  return byKey;
}

/** Objects by uid, for events that name an older incarnation than the latest. */
async function loadByUid(sql: Sql, clusterId: number, uids: string[]): Promise<Map<string, ObjectRow>> {
  if (uids.length === 0) return new Map();
  const result = await sql.query<LoadedObject>(
    `SELECT ${OBJECT_COLUMNS} FROM objects o WHERE o.cluster_id = $1 AND o.uid = ANY($2::text[])`,
    [clusterId, uids],
  );
  return new Map(result.rows.map((row) => [row.uid!, rowOf(row)]));
}

interface HistoryRow {
  /** The object row; its id is known only after new rows are inserted. */
  target: ObjectRow;
  write: AuditWrite;
  details: JsonObject;
  diff: unknown;
  snapshot: unknown;
  noop: boolean;
}

export interface WriteOutcome {
  historyEntries: number;
  objectsCreated: number;
}

/**
 * Applies the writes (already deduplicated) to objects and history. Writes to the same
 * object are applied in completion order so each diff is against the state before it.
 */
export async function applyWrites(sql: Sql, clusterId: number, writes: AuditWrite[]): Promise<WriteOutcome> {
  if (writes.length === 0) return { historyEntries: 0, objectsCreated: 0 };

  const keys = [...new Set(writes.map((w) => objectKeyOf(clusterId, w.object)))];
  const lockIds = [...new Set(keys.map(advisoryLockIdOf))].sort();
  await sql.query(`SELECT pg_advisory_xact_lock(id) FROM unnest($1::bigint[]) AS t(id) ORDER BY id`, [lockIds]);

  const latestByName = await loadLatestByName(sql, clusterId, writes);
  const byUid = await loadByUid(sql, clusterId, [...new Set(writes.map((w) => w.object.uid).filter((u): u is string => !!u))]);
  for (const row of latestByName.values()) if (row.uid) byUid.set(row.uid, row);

  const ordered = writes
    .map((write, index) => ({ write, index }))
    .sort((a, b) => a.write.endTime.getTime() - b.write.endTime.getTime() || a.index - b.index)
    .map(({ write }) => write);

  const created: ObjectRow[] = [];
  const newObjectIdentity = new Map<ObjectRow, AuditWrite["object"]>();
  const history: HistoryRow[] = [];

  for (const write of ordered) {
    const key = objectKeyOf(clusterId, write.object);
    const latest = latestByName.get(key) ?? null;
    const target = resolveTarget(write, latest, write.object.uid ? byUid.get(write.object.uid) ?? null : null);

    let row: ObjectRow;
    if (target === "new") {
      if (latest && !latest.deletedAt && write.verb === "create" && !write.failed) {
        // A successful create means the name was free: the previous incarnation is gone
        // even though we never saw its delete.
        latest.deletedAt = write.startTime;
        latest.dirty = true;
      }
      row = {
        id: -1,
        isNew: true,
        uid: write.object.uid,
        kind: write.object.kind,
        apiVersion: write.object.apiVersion,
        firstSeen: write.startTime,
        lastSeen: write.endTime,
        deletedAt: null,
        state: null,
        resourceVersion: null,
        dirty: true,
      };
      created.push(row);
      newObjectIdentity.set(row, write.object);
      latestByName.set(key, row);
      if (row.uid) byUid.set(row.uid, row);
    } else {
      row = target;
    }

    const change = computeChange({ state: row.state, resourceVersion: row.resourceVersion }, write);
    if (!row.uid && write.object.uid) {
      row.uid = write.object.uid;
      byUid.set(row.uid, row);
    }
    if (!row.kind && write.object.kind) row.kind = write.object.kind;
    if (write.startTime < row.firstSeen) row.firstSeen = write.startTime;
    if (write.endTime > row.lastSeen) row.lastSeen = write.endTime;
    const rvBefore = row.resourceVersion;
    if (change.nextState) {
      row.state = change.nextState;
      row.resourceVersion = stringAt(change.nextState, "metadata", "resourceVersion");
    }
    if (change.deleted) row.deletedAt = write.endTime;
    row.dirty = true;

    const details: JsonObject = { ...(write.details as unknown as JsonObject), level: write.level, stage: write.stage };
    if (rvBefore) details.resourceVersionBefore = rvBefore;
    if (write.patch !== null) details.patch = toDisplay(write.patch);
    history.push({
      target: row,
      write,
      details: toDisplay(details) as JsonObject,
      diff: change.diff,
      snapshot: change.snapshot ? toDisplay(change.snapshot) : null,
      noop: change.noop,
    });
  }

  await insertObjects(sql, clusterId, created, newObjectIdentity);
  await updateObjects(
    sql,
    [...latestByName.values(), ...byUid.values()].filter((row, i, all) => row.dirty && !row.isNew && all.indexOf(row) === i),
  );
  await insertHistory(sql, clusterId, history);
  return { historyEntries: history.length, objectsCreated: created.length };
}

/** Which object a write belongs to: an existing row, or "new" for a new incarnation. */
function resolveTarget(write: AuditWrite, latest: ObjectRow | null, sameUid: ObjectRow | null): ObjectRow | "new" {
  if (sameUid) return sameUid;
  const createsObject = write.verb === "create" && !write.failed && write.subresource === "";
  if (write.object.uid) {
    // A uid we have not seen: the latest row is this object only if we never learnt its uid.
    if (latest && !latest.uid && !latest.deletedAt && (!createsObject || latest.isNew)) return latest;
    return "new";
  }
  if (createsObject) return "new";
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

async function insertObjects(sql: Sql, clusterId: number, rows: ObjectRow[], identity: Map<ObjectRow, AuditWrite["object"]>): Promise<void> {
  if (rows.length === 0) return;
  // Ids first, so rows and history can be linked without relying on RETURNING order.
  const ids = await sql.query<{ id: number }>(`SELECT nextval('objects_id_seq') AS id FROM generate_series(1, $1)`, [rows.length]);
  rows.forEach((row, i) => (row.id = Number(ids.rows[i]!.id)));
  const ident = rows.map((row) => identity.get(row)!);
  await sql.query(
    `INSERT INTO objects (id, cluster_id, api_group, api_version, resource, kind, namespace, name, uid,
                          first_seen, last_seen, deleted_at, last_state, last_resource_version)
     SELECT id, $1, g, v, r, k, ns, n, u, fs, ls, del, st::jsonb, rv
       FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
                   $10::timestamptz[], $11::timestamptz[], $12::timestamptz[], $13::text[], $14::text[])
            AS t(id, g, v, r, k, ns, n, u, fs, ls, del, st, rv)`,
    [
      clusterId,
      rows.map((r) => r.id),
      ident.map((o) => o.apiGroup),
      rows.map((r) => r.apiVersion),
      ident.map((o) => o.resource),
      rows.map((r) => r.kind),
      ident.map((o) => o.namespace),
      ident.map((o) => o.name),
      rows.map((r) => r.uid),
      rows.map((r) => r.firstSeen.toISOString()),
      rows.map((r) => r.lastSeen.toISOString()),
      rows.map((r) => r.deletedAt?.toISOString() ?? null),
      rows.map((r) => (r.state ? JSON.stringify(r.state) : null)),
      rows.map((r) => r.resourceVersion),
    ],
  );
}

async function updateObjects(sql: Sql, rows: ObjectRow[]): Promise<void> {
  if (rows.length === 0) return;
  rows.sort((a, b) => a.id - b.id);
  await sql.query(
    `UPDATE objects o
        SET uid = t.u, kind = t.k, first_seen = t.fs, last_seen = t.ls, deleted_at = t.del,
            last_state = t.st::jsonb, last_resource_version = t.rv
       FROM unnest($1::bigint[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[], $6::timestamptz[], $7::text[], $8::text[])
            AS t(id, u, k, fs, ls, del, st, rv)
      WHERE o.id = t.id`,
    [
      rows.map((r) => r.id),
      rows.map((r) => r.uid),
      rows.map((r) => r.kind),
      rows.map((r) => r.firstSeen.toISOString()),
      rows.map((r) => r.lastSeen.toISOString()),
      rows.map((r) => r.deletedAt?.toISOString() ?? null),
      rows.map((r) => (r.state ? JSON.stringify(r.state) : null)),
      rows.map((r) => r.resourceVersion),
    ],
  );
}

async function insertHistory(sql: Sql, clusterId: number, rows: HistoryRow[]): Promise<void> {
  if (rows.length === 0) return;
  await sql.query(
    `INSERT INTO history_entries (object_id, cluster_id, source, start_time, end_time, actor, verb, subresource,
                                  status_code, title, audit_id, stage, user_agent, details, diff, snapshot, noop)
     SELECT oid, $1, 'audit', st, et, actor, verb, sub, code, title, aid, stage, ua, det::jsonb, dif::jsonb, snap::jsonb, noop
       FROM unnest($2::bigint[], $3::timestamptz[], $4::timestamptz[], $5::text[], $6::text[], $7::text[], $8::int[],
                   $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::boolean[])
            AS t(oid, st, et, actor, verb, sub, code, title, aid, stage, ua, det, dif, snap, noop)`,
    [
      clusterId,
      rows.map((r) => r.target.id),
      rows.map((r) => r.write.startTime.toISOString()),
      rows.map((r) => r.write.endTime.toISOString()),
      rows.map((r) => r.write.actor),
      rows.map((r) => r.write.verb),
      rows.map((r) => r.write.subresource),
      rows.map((r) => r.write.statusCode),
      rows.map((r) => r.write.title),
      rows.map((r) => r.write.auditId),
      rows.map((r) => r.write.stage),
      rows.map((r) => r.write.userAgent),
      rows.map((r) => JSON.stringify(r.details)),
      rows.map((r) => (r.diff ? JSON.stringify(r.diff) : null)),
      rows.map((r) => (r.snapshot ? JSON.stringify(r.snapshot) : null)),
      rows.map((r) => r.noop),
    ],
  );
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
    `INSERT INTO request_counts (cluster_id, minute, verb, resource, username, code, count)
     SELECT $1, m, v, r, u, c, n FROM unnest($2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::int[], $7::bigint[]) AS t(m, v, r, u, c, n)
     ON CONFLICT (cluster_id, minute, verb, resource, username, code) DO UPDATE SET count = request_counts.count + excluded.count`,
    [
      clusterId,
      sorted.map((e) => e.read.minute.toISOString()),
      sorted.map((e) => e.read.verb),
      sorted.map((e) => e.read.resource),
      sorted.map((e) => e.read.username),
      sorted.map((e) => e.read.code),
      sorted.map((e) => e.count),
    ],
  );
}
