import { withoutNulEscapes } from "./nulEscapes";
import { prepared, type Sql } from "./database";
import { int8Array, textArray, timestamptzArray } from "./arrayParam";
import type { ObjectIdPool } from "./objectIdPool";
import { withoutManagedFields } from "./auditWriter";
import { applyRelationClaims, observeRelations } from "./relationWriter";
import { unstorableTextProblem } from "./indexedText";
import { WATCHED_UID_DETAIL } from "./watchedUid";
import { isStorableMs } from "./storableTime";
import { compareResourceVersions } from "../k8s/resourceVersionOrder";
import { DEFAULT_IGNORED_PATHS, diffObjects } from "../model/diff/diff";
import { redactBody, toDisplay } from "../model/redact/redact";
import { isJsonObject, type DiffEntry, type Fingerprint, type JsonObject, type SensitiveRule } from "../ingest/audit/types";
import type { Linker } from "../model/links/types";
import type { ObservedHistoryEntry } from "../plugins/types";

/**
 * Stores what object watches observed (source "watch", docs: the watch contract): each observed
 * version of an object as a history entry with its diff against the version the watch saw
 * before, kept in watched_states (the last body, without managedFields and redacted). Apart from
 * the audit writer's object_states on purpose: the two chains of diffs never mix. Bodies are
 * redacted with the audit path's rules and fingerprint, so what audit keeps from the database
 * (Secret data, configured sensitive fields) a watch cannot bring in; relations are read from
 * each body with the configured linkers, as from audit bodies.
 */

/** How watched bodies are stored: redacted and linked as the audit path does its bodies. */
export interface WatchStoreOptions {
  /** The configured sensitive rules (Config.sensitiveRules). */
  sensitive: SensitiveRule[];
  /** The installation's redaction fingerprint (hmacFingerprint of the redaction key), as audit's. */
  fingerprint: Fingerprint;
  /** The configured linkers (built-in, KUBETRAIL_LINK_RULES_FILE, plugins'), as audit's. */
  linkers: readonly Linker[];
}

/** A watched body larger than this (as JSON text) is refused: no Kubernetes object is near it (etcd's limit is 1.5 MiB). */
export const MAX_WATCHED_BODY_BYTES = 4 * 1024 * 1024;
const MAX_RESOURCE_VERSION_BYTES = 256;

/** The resourceVersion a watch entry observed: details.resourceVersionAfter, else its body's; null when neither tells one. */
export function watchedVersionOf(entry: ObservedHistoryEntry): string | null {
  const told = entry.details?.resourceVersionAfter;
  if (typeof told === "string" && told !== "") return told;
  const metadata = isJsonObject(entry.body ?? null) ? (entry.body as JsonObject).metadata : undefined;
  const fromBody = isJsonObject(metadata ?? null) ? (metadata as JsonObject).resourceVersion : undefined;
  return typeof fromBody === "string" && fromBody !== "" ? fromBody : null;
}

/** Why the store cannot hold watch entry `entry` (what only watch entries need), or null. */
export function watchEntryProblem(entry: ObservedHistoryEntry): string | null {
  if (typeof entry.object?.uid !== "string" || entry.object.uid === "") return "object.uid: required for a watch entry";
  if (entry.deleted !== undefined && typeof entry.deleted !== "boolean") return "deleted: not a boolean";
  if (entry.body !== undefined && entry.body !== null) {
    if (!isJsonObject(entry.body)) return "body: not a JSON object";
    let text: string;
    try {
      text = JSON.stringify(entry.body);
    } catch (error) {
      return `body: not JSON (${(error as Error).message})`;
    }
    if (Buffer.byteLength(text) > MAX_WATCHED_BODY_BYTES) return `body: larger than ${MAX_WATCHED_BODY_BYTES} bytes as JSON text`;
    const metadata = entry.body.metadata;
    const bodyUid = isJsonObject(metadata ?? null) ? (metadata as JsonObject).uid : undefined;
    if (bodyUid !== undefined && bodyUid !== entry.object.uid) return "body.metadata.uid: not the entry's object.uid";
  } else if (!entry.deleted) {
    return "body: required for a watch entry that is not a deletion";
  }
  const version = watchedVersionOf(entry);
  if (version === null) return "details.resourceVersionAfter: required for a watch entry (or the body's metadata.resourceVersion)";
  const problem = unstorableTextProblem(version, MAX_RESOURCE_VERSION_BYTES);
  return problem === null ? null : `details.resourceVersionAfter: ${problem}`;
}

/**
 * Whether an entry of version `version` tells nothing the watched state of `stateVersion` did not:
 * not newer than it. A deletion of the state's own version is news (a relist that no longer lists
 * the object names the version last seen of it). A gone (no body) names the version its source
 * knew last, not one of the object's: another replica, or this one before a restart, may have
 * stored newer ones; it is stale only once the object is deleted (`deleted`).
 */
function isStale(entry: ObservedHistoryEntry, version: string, stateVersion: string | null, deleted: boolean): boolean {
  if (entry.deleted && (entry.body ?? null) === null) return deleted;
  if (stateVersion === null) return false;
  const order = compareResourceVersions(version, stateVersion);
  if (order === null) return false;
  return entry.deleted ? order < 0 : order <= 0;
}

/**
 * When the object began, by its body's creationTimestamp, when that is a time the store can hold
 * and before `observedAt`: the end of its second. kube-apiserver keeps creationTimestamp to the
 * second, cut down, so the second's start is before the create request began (by up to a
 * second); a row said to begin before its create reads to the audit writer as an earlier object
 * of the name (a StatefulSet's Pod made again), which the create ends, moving its history away.
 */
export function watchedCreationTime(entry: ObservedHistoryEntry): Date | null {
  const metadata = isJsonObject(entry.body ?? null) ? (entry.body as JsonObject).metadata : undefined;
  const created = isJsonObject(metadata ?? null) ? (metadata as JsonObject).creationTimestamp : undefined;
  if (typeof created !== "string") return null;
  const ms = Date.parse(created);
  if (!isStorableMs(ms)) return null;
  const secondEnd = Math.floor(ms / 1000) * 1000 + 999;
  return secondEnd < entry.startTime.getTime() ? new Date(secondEnd) : null;
}

/** Whether `state`, a watched body, is of the object `uid` names (a body without a uid is taken to be). */
function isBodyOf(state: JsonObject, uid: string): boolean {
  const metadata = isJsonObject(state.metadata ?? null) ? (state.metadata as JsonObject) : null;
  return typeof metadata?.uid !== "string" || metadata.uid === uid;
}

/** An observed entry whose receipt was new, with the row of the object it names (resolveObjectReferences). */
export interface ResolvedEntry {
  entry: ObservedHistoryEntry;
  objectId: number;
}

export interface WatchedHistoryOutcome {
  /** The entries stored (not stale), in the order their history rows were written. */
  stored: ResolvedEntry[];
  entryIds: number[];
  /** Entries not newer than their object's watched state: their receipts are kept, no entry. */
  stale: number;
  /** Objects made because a watched body's relation named one never seen. */
  placeholders: number;
}

interface HistoryRow {
  watched: ResolvedEntry;
  details: JsonObject;
  diff: DiffEntry[] | null;
  snapshot: JsonObject | null;
}

/**
 * Locks the rows `ids` (as every writer of objects takes them: in id order) until the transaction
 * ends. Before watched states are read: two calls observing one object apply one after the other,
 * each diffing from the state the other left (a row with no state yet has no state row to lock).
 */
export async function lockObjectRows(tx: Sql, ids: readonly number[]): Promise<void> {
  const sorted = [...new Set(ids)].sort((a, b) => a - b);
  await tx.query(prepared("kt_lock_observed_objects", `SELECT o.id FROM objects o WHERE o.id = ANY($1::bigint[]) ORDER BY o.id FOR NO KEY UPDATE`), [int8Array(sorted)]);
}

/** Each object's watched state (when it has one) and whether it is deleted. */
const WATCHED_STATES_SQL = `SELECT o.id AS object_id, o.deleted_at IS NOT NULL AS deleted, w.resource_version, w.state
    FROM objects o LEFT JOIN watched_states w ON w.object_id = o.id WHERE o.id = ANY($1::bigint[])`;

/**
 * Stores `watched` (new receipts, their objects resolved, whose rows the caller locked with
 * lockObjectRows) in the caller's transaction: per object
 * in resourceVersion order, each diffed against the one before (the watched state, at first),
 * with a snapshot at first sight and at a deletion; then the objects' watched states, their
 * deletions, and the relations their bodies state.
 */
export async function storeWatchedHistory(
  tx: Sql,
  clusterId: number,
  watched: readonly ResolvedEntry[],
  options: WatchStoreOptions,
  objectIds: ObjectIdPool,
): Promise<WatchedHistoryOutcome> {
  const byObject = new Map<number, ResolvedEntry[]>();
  for (const item of watched) byObject.set(item.objectId, [...(byObject.get(item.objectId) ?? []), item]);
  const ids = [...byObject.keys()].sort((a, b) => a - b);
  const loaded = await tx.query<{ object_id: number; deleted: boolean; resource_version: string | null; state: string | null }>(prepared("kt_watched_states_of_objects", WATCHED_STATES_SQL), [
    int8Array(ids),
  ]);
  const states = new Map(loaded.rows.filter((row) => row.state !== null).map((row) => [Number(row.object_id), { version: row.resource_version, state: JSON.parse(row.state!) as JsonObject }]));
  const deletedAlready = new Set(loaded.rows.filter((row) => row.deleted).map((row) => Number(row.object_id)));

  const rows: HistoryRow[] = [];
  const nextStates: Array<{ id: number; version: string; state: JsonObject }> = [];
  const deletions: Array<{ id: number; at: Date }> = [];
  const observations: Parameters<typeof observeRelations>[0][number][] = [];
  let stale = 0;
  for (const id of ids) {
    const ordered = orderByVersion(byObject.get(id)!);
    let previous = states.get(id) ?? null;
    // The row's watched state: the newest body seen of the objects found on it, though an older
    // one's versions come after it (MOVE_HISTORY_SQL takes it to the row of its uid).
    let latest = previous;
    let deleted = deletedAlready.has(id);
    let changed = false;
    for (const item of ordered) {
      const { entry } = item;
      const version = watchedVersionOf(entry)!;
      // A row holding no uid may be found by name for two objects of that name (one deleted, the
      // next made): the version another object's watch saw is no base for this one's, nor newer.
      if (previous !== null && !isBodyOf(previous.state, entry.object.uid!)) previous = null;
      if (isStale(entry, version, previous?.version ?? null, deleted)) {
        stale++;
        continue;
      }
      const body = entry.body ? redactBody(withoutManagedFields(entry.body), entry.object, options.sensitive, options.fingerprint) : null;
      const diff = previous !== null && body !== null ? diffObjects(previous.state, body, { ignorePaths: DEFAULT_IGNORED_PATHS }) : null;
      // First sight shows the whole body; a deletion what was deleted (gone: the last body seen).
      const snapshot = entry.deleted ? (body ?? previous?.state ?? null) : previous === null ? body : null;
      const details: JsonObject = {
        ...entry.details,
        resourceVersionAfter: version,
        ...(previous?.version ? { resourceVersionBefore: previous.version } : {}),
        [WATCHED_UID_DETAIL]: entry.object.uid!,
      };
      rows.push({ watched: item, details, diff, snapshot: snapshot === null ? null : (toDisplay(snapshot) as JsonObject) });
      if (body !== null) {
        previous = { version, state: body };
        if (latest === null || latest.version === null || (compareResourceVersions(version, latest.version) ?? 1) >= 0) {
          latest = previous;
          changed = true;
        }
      }
      if (entry.deleted) {
        deletions.push({ id, at: entry.endTime });
        deleted = true;
      }
      observations.push({ objectId: id, identity: entry.object, at: entry.endTime, state: body, deleted: entry.deleted === true });
    }
    if (changed && latest !== null) nextStates.push({ id, version: latest.version!, state: latest.state });
  }
  if (rows.length === 0) return { stored: [], entryIds: [], stale, placeholders: 0 };

  const inserted = await insertWatchedHistory(tx, clusterId, rows);
  await upsertWatchedStates(tx, nextStates);
  await markDeleted(tx, deletions);
  const relations = await applyRelationClaims(tx, clusterId, observeRelations(observations, options.linkers), objectIds);
  return { stored: rows.map((row) => row.watched), entryIds: inserted, stale, placeholders: relations.placeholders };
}

/** An object's entries in resourceVersion order (compareResourceVersions); versions it cannot order keep the order given. */
function orderByVersion(items: ResolvedEntry[]): ResolvedEntry[] {
  return items
    .map((item, index) => ({ item, index, version: watchedVersionOf(item.entry)! }))
    .sort((a, b) => compareResourceVersions(a.version, b.version) || a.index - b.index)
    .map(({ item }) => item);
}

async function insertWatchedHistory(tx: Sql, clusterId: number, rows: readonly HistoryRow[]): Promise<number[]> {
  const json = (value: unknown) => (value === null ? null : JSON.stringify(value));
  const inserted = await tx.query<{ id: number }>(
    prepared("kt_insert_watched_history", `INSERT INTO history_entries (object_id, cluster_id, source, start_time, end_time, actor, verb, title, details, diff, snapshot)
       SELECT o, $1, 'watch', st, et, a, v, t, d::json, df::json, sn::json
         FROM unnest($2::bigint[], $3::timestamptz[], $4::timestamptz[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[]) WITH ORDINALITY AS x(o, st, et, a, v, t, d, df, sn, i)
        ORDER BY i
       RETURNING id`),
    [
      clusterId,
      int8Array(rows.map((r) => r.watched.objectId)),
      timestamptzArray(rows.map((r) => r.watched.entry.startTime)),
      timestamptzArray(rows.map((r) => r.watched.entry.endTime)),
      textArray(rows.map((r) => r.watched.entry.actor)),
      textArray(rows.map((r) => r.watched.entry.verb)),
      textArray(rows.map((r) => r.watched.entry.title)),
      textArray(rows.map((r) => withoutNulEscapes(JSON.stringify(r.details)))),
      textArray(rows.map((r) => json(r.diff))),
      textArray(rows.map((r) => json(r.snapshot))),
    ],
  );
  return inserted.rows.map((row) => Number(row.id));
}

async function upsertWatchedStates(tx: Sql, states: ReadonlyArray<{ id: number; version: string; state: JsonObject }>): Promise<void> {
  if (states.length === 0) return;
  await tx.query(
    prepared("kt_upsert_watched_states", `INSERT INTO watched_states (object_id, resource_version, state)
       SELECT id, rv, s FROM unnest($1::bigint[], $2::text[], $3::text[]) AS t(id, rv, s) ORDER BY id
       ON CONFLICT (object_id) DO UPDATE SET resource_version = excluded.resource_version, state = excluded.state`),
    [int8Array(states.map((s) => s.id)), textArray(states.map((s) => s.version)), textArray(states.map((s) => JSON.stringify(s.state)))],
  );
}

/** Marks the objects deleted at the watched deletion, as the audit writer marks a delete, unless something marked them already. */
async function markDeleted(tx: Sql, deletions: ReadonlyArray<{ id: number; at: Date }>): Promise<void> {
  if (deletions.length === 0) return;
  await tx.query(
    prepared("kt_mark_watched_deletions", `UPDATE objects o SET deleted_at = x.at
       FROM (SELECT id, min(at) AS at FROM unnest($1::bigint[], $2::timestamptz[]) AS t(id, at) GROUP BY id) x
      WHERE o.id = x.id AND o.deleted_at IS NULL`),
    [int8Array(deletions.map((d) => d.id)), timestamptzArray(deletions.map((d) => d.at))],
  );
}
