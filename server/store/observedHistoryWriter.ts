import { withoutNulEscapes } from "./nulEscapes";
import { prepared, type Database, type Sql } from "./database";
import { int8Array, textArray, timestamptzArray } from "./arrayParam";
import type { ClusterRegistry } from "./clusters";
import { INDEXED_TEXT_MAX_BYTES as MAX, unstorableTextProblem } from "./indexedText";
import type { ObjectIdPool } from "./objectIdPool";
import { resolveObjectReferences } from "./relationWriter";
import { hasWrittenHistory } from "./writtenHistory";
import { isStorableMs } from "./storableTime";
import { lockObjectRows, storeWatchedHistory, watchedCreationTime, watchEntryProblem, type ResolvedEntry, type WatchStoreOptions } from "./watchedHistoryWriter";
import type { ObservedHistoryEntry } from "../plugins/types";
import type { ObjectReference } from "../model/links/types";

/**
 * Stores history that a source other than the audit webhook observed (server/plugins/types.ts):
 * Kubernetes Events, and object watches (whose bodies watchedHistoryWriter.ts diffs, redacts and
 * links). Such a source observes an object but does not write it, so its entries go onto the
 * object as relations' targets are found (by uid, else the latest incarnation of the name), or
 * onto a placeholder made for an object never seen, which the object's own audit writes later
 * make the object (auditWriter.ts). Each entry is stored once by its key (observation_receipts):
 * a relist, a restarted watcher or a re-imported file changes nothing.
 */

export interface ObservedHistorySummary {
  received: number;
  /** New entries stored. */
  stored: number;
  /** Entries stored before (or twice in this call): nothing changed. */
  duplicates: number;
  /** Entries that cannot be stored, with their position in the call and why. */
  rejected: Array<{ index: number; key: string | null; reason: string }>;
  /** Objects made because an entry (or a watched body's relation) named one never seen. */
  placeholders: number;
  /**
   * Watch entries not newer than the version last watched of their object: kept as seen (their
   * keys are not stored again), no entry. Only in the summary of a call that held watch entries.
   */
  stale?: number;
}

/** What storing watch entries needs (watchedHistoryWriter.ts): the audit path's redaction and linkers. Events need none. */
export type ObservedHistoryOptions = WatchStoreOptions;

/** What storeObservedHistory did, and the ids of the entries it wrote (for trace export). */
export interface ObservedHistoryOutcome {
  summary: ObservedHistorySummary;
  entryIds: number[];
}

/** How many times a call is stored again when Postgres fails it only for another transaction's sake (as audit ingest does). */
const CONFLICT_ATTEMPTS = 3;
const CONFLICT_CODES = new Set(["40P01", "40001"]);
const MAX_KEY_BYTES = 1024;
const MAX_DETAILS_BYTES = 64 * 1024;

/** Why the store cannot hold `entry`, naming the field, or null. */
export function observedEntryProblem(entry: ObservedHistoryEntry): string | null {
  if (entry?.source !== "event" && entry?.source !== "watch") return `source: "${String(entry?.source)}" is not one the store knows ("event" or "watch")`;
  if (entry.source === "event") {
    // An Event names its object; it brings no body of it.
    if (entry.body !== undefined && entry.body !== null) return 'body: only watch entries (source "watch") bring bodies';
    if (entry.deleted) return 'deleted: only watch entries (source "watch") observe deletions';
  }
  if (typeof entry.key !== "string" || entry.key === "") return "key: required";
  for (const [field, time] of [["startTime", entry.startTime], ["endTime", entry.endTime]] as const) {
    if (!(time instanceof Date) || !isStorableMs(time.getTime())) return `${field}: not a time the store can hold (years 0001–9999)`;
  }
  if (entry.endTime < entry.startTime) return "endTime: before startTime";
  if (typeof entry.details !== "object" || entry.details === null || Array.isArray(entry.details)) return "details: not a JSON object";
  const o = entry.object;
  if (typeof o?.name !== "string" || o.name === "") return "object.name: required";
  if (typeof o.resource !== "string" || o.resource === "") return "object.resource: required";
  const texts: Array<[string, string | null, number | undefined]> = [
    ["key", entry.key, MAX_KEY_BYTES],
    ["actor", entry.actor, MAX.username],
    ["verb", entry.verb, MAX.verb],
    ["title", entry.title, undefined],
    ["object.apiGroup", o.apiGroup, undefined],
    ["object.apiVersion", o.apiVersion, undefined],
    ["object.resource", o.resource, MAX.resource],
    ["object.kind", o.kind, undefined],
    ["object.namespace", o.namespace, MAX.namespace],
    ["object.name", o.name, MAX.name],
    ["object.uid", o.uid, MAX.uid],
  ];
  for (const [field, text, maxBytes] of texts) {
    if (text === null || text === undefined) continue;
    if (typeof text !== "string") return `${field}: not a string`;
    const problem = unstorableTextProblem(text, maxBytes);
    if (problem !== null) return `${field}: ${problem}`;
  }
  // JSON text escapes NUL, stored as U+FFFD (nulEscapes.ts); the size is bounded here.
  if (JSON.stringify(entry.details ?? {}).length > MAX_DETAILS_BYTES) return `details: larger than ${MAX_DETAILS_BYTES} bytes`;
  return entry.source === "watch" ? watchEntryProblem(entry) : null;
}

function referenceOf(entry: ObservedHistoryEntry): ObjectReference {
  const o = entry.object;
  return {
    apiGroup: o.apiGroup,
    resource: o.resource,
    namespace: o.namespace,
    name: o.name,
    ...(o.uid ? { uid: o.uid } : {}),
    ...(o.kind ? { kind: o.kind } : {}),
    ...(o.apiVersion ? { apiVersion: o.apiGroup === "" ? o.apiVersion : `${o.apiGroup}/${o.apiVersion}` } : {}),
  };
}

/**
 * Stores `entries` of cluster `clusterName` in one transaction: resolves once committed. Entries
 * that cannot be stored are rejected one by one (the summary says why) and the rest are stored.
 */
export async function storeObservedHistory(
  db: Database,
  clusters: ClusterRegistry,
  objectIds: ObjectIdPool,
  clusterName: string,
  entries: readonly ObservedHistoryEntry[],
  options: ObservedHistoryOptions | null = null,
): Promise<ObservedHistoryOutcome> {
  const summary: ObservedHistorySummary = { received: entries.length, stored: 0, duplicates: 0, rejected: [], placeholders: 0, ...(entries.some((e) => e?.source === "watch") ? { stale: 0 } : {}) };
  const valid: ObservedHistoryEntry[] = [];
  const keys = new Set<string>();
  entries.forEach((entry, index) => {
    // Without the audit path's redaction, a watched body could bring in what audit keeps out.
    const problem = observedEntryProblem(entry) ?? (entry.source === "watch" && options === null ? 'source: "watch" entries need the store\'s redaction options, which this caller did not give' : null);
    if (problem !== null) {
      summary.rejected.push({ index, key: typeof entry?.key === "string" ? entry.key : null, reason: problem });
      return;
    }
    const receipt = `${entry.source}\u0000${entry.key}`;
    if (keys.has(receipt)) summary.duplicates++;
    else {
      keys.add(receipt);
      valid.push(entry);
    }
  });
  if (valid.length === 0) return { summary, entryIds: [] };
  const clusterId = await clusters.idOf(clusterName);
  for (let attempt = 1; ; attempt++) {
    try {
      const { fresh, stale, placeholders, entryIds } = await db.transaction((tx) => storeInTransaction(tx, clusterId, valid, objectIds, options));
      summary.stored = fresh - stale;
      if (summary.stale !== undefined) summary.stale = stale;
      summary.duplicates += valid.length - fresh;
      summary.placeholders = placeholders;
      return { summary, entryIds };
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code;
      if (attempt >= CONFLICT_ATTEMPTS || typeof code !== "string" || !CONFLICT_CODES.has(code)) throw error;
    }
  }
}

/** `fresh`: entries whose receipts were new; `stale` of them, watch entries older than their object's watched state, stored no entry. */
async function storeInTransaction(
  tx: Sql,
  clusterId: number,
  entries: ObservedHistoryEntry[],
  objectIds: ObjectIdPool,
  options: ObservedHistoryOptions | null,
): Promise<{ fresh: number; stale: number; placeholders: number; entryIds: number[] }> {
  // Sorted, so that two calls holding the same keys take their rows' locks in one order.
  const sorted = [...entries].sort((a, b) => (a.source < b.source ? -1 : a.source > b.source ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const receipts = await tx.query<{ source: string; key: string }>(
    prepared("kt_record_observation_receipts", `INSERT INTO observation_receipts (cluster_id, source, key)
       SELECT $1, s::history_source, k FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS t(s, k, i) ORDER BY i
       ON CONFLICT DO NOTHING
       RETURNING source::text AS source, key`),
    [clusterId, textArray(sorted.map((e) => e.source)), textArray(sorted.map((e) => e.key))],
  );
  const fresh = new Set(receipts.rows.map((row) => `${row.source}\u0000${row.key}`));
  const received = sorted.filter((e) => fresh.has(`${e.source}\u0000${e.key}`));
  if (received.length === 0) return { fresh: 0, stale: 0, placeholders: 0, entryIds: [] };

  const resolved = await resolveObjectReferences(tx, clusterId, received.map((e) => ({ ref: referenceOf(e), at: e.startTime })), objectIds);
  await resolved.written;
  const events: ResolvedEntry[] = [];
  const watches: ResolvedEntry[] = [];
  received.forEach((entry, i) => (entry.source === "watch" ? watches : events).push({ entry, objectId: resolved.ids[i]! }));
  // Locked before any is written: the watched ones' states are read under the lock, and every row
  // of the call is then updated (markSeen) in the order taken here.
  if (watches.length > 0) {
    await lockObjectRows(tx, resolved.ids);
    await giveWatchedUids(tx, watches);
  }
  const watched =
    watches.length === 0 ? { stored: [], entryIds: [], stale: 0, placeholders: 0 } : await storeWatchedHistory(tx, clusterId, watches, options!, objectIds);
  const eventIds = await insertEventHistory(tx, clusterId, events);
  const stored = [...events, ...watched.stored];
  await markSeen(tx, stored);
  return { fresh: received.length, stale: watched.stale, placeholders: resolved.placeholders + watched.placeholders, entryIds: [...eventIds, ...watched.entryIds] };
}

/**
 * A watched object found by name on a row that holds no uid (writes audited at Metadata level give
 * none at a create) is that row's object, which exists now: the row takes the watched uid, as it
 * would from a write giving it. Else, once deleted and made again under its name, the new object
 * (seen by the watch before its audit create comes) would be found by name on the old row too,
 * its history diffed from the deleted one's. A deleted row is left as it is (the uid it had is
 * not known). Under the rows' locks (lockObjectRows).
 */
export const GIVE_WATCHED_UIDS_SQL = `UPDATE objects o SET uid = x.u
     FROM unnest($1::bigint[], $2::text[]) AS x(id, u)
    WHERE o.id = x.id AND o.uid IS NULL AND o.deleted_at IS NULL`;

async function giveWatchedUids(tx: Sql, watches: readonly ResolvedEntry[]): Promise<void> {
  const uidsOf = new Map<number, Set<string>>();
  for (const { entry, objectId } of watches) {
    if (typeof entry.object.uid !== "string" || entry.object.uid === "") continue;
    uidsOf.set(objectId, (uidsOf.get(objectId) ?? new Set()).add(entry.object.uid));
  }
  // Two objects of one name found on one row in one call (one deleted, one made again): which of
  // them the row is, the name alone cannot tell; it is left as it is.
  const given = [...uidsOf].filter(([, uids]) => uids.size === 1).sort(([a], [b]) => a - b);
  if (given.length === 0) return;
  await tx.query(prepared("kt_give_watched_uids", GIVE_WATCHED_UIDS_SQL), [int8Array(given.map(([id]) => id)), textArray(given.map(([, uids]) => [...uids][0]!))]);
}

async function insertEventHistory(tx: Sql, clusterId: number, events: readonly ResolvedEntry[]): Promise<number[]> {
  if (events.length === 0) return [];
  const stored = events.map((e) => e.entry);
  const inserted = await tx.query<{ id: number }>(
    prepared("kt_insert_observed_history", `INSERT INTO history_entries (object_id, cluster_id, source, start_time, end_time, actor, verb, title, details)
       SELECT o, $1, s::history_source, st, et, a, v, t, d::json
         FROM unnest($2::bigint[], $3::text[], $4::timestamptz[], $5::timestamptz[], $6::text[], $7::text[], $8::text[], $9::text[]) AS x(o, s, st, et, a, v, t, d)
       RETURNING id`),
    [
      clusterId,
      int8Array(events.map((e) => e.objectId)),
      textArray(stored.map((e) => e.source)),
      timestamptzArray(stored.map((e) => e.startTime)),
      timestamptzArray(stored.map((e) => e.endTime)),
      textArray(stored.map((e) => e.actor)),
      textArray(stored.map((e) => e.verb)),
      textArray(stored.map((e) => e.title)),
      textArray(stored.map((e) => withoutNulEscapes(JSON.stringify(e.details ?? {})))),
    ],
  );
  return inserted.rows.map((row) => Number(row.id));
}

/**
 * The objects were seen then: their last sighting moves on, and a kind no source told yet is the
 * entry's. A row only Events, watches (or relations) named begins at the earliest of them,
 * whichever was stored first (a list brings an object's Events by their first occurrence, the
 * entry's time is the latest), or at its watched body's creationTimestamp (a listed object existed
 * before the watch saw it); an object its writes made keeps the start its create gave it.
 */
async function markSeen(tx: Sql, stored: readonly ResolvedEntry[]): Promise<void> {
  if (stored.length === 0) return;
  const seen = new Map<number, { first: Date; last: Date; kind: string | null }>();
  stored.forEach(({ entry, objectId: id }) => {
    const began = (entry.source === "watch" ? watchedCreationTime(entry) : null) ?? entry.startTime;
    const known = seen.get(id);
    if (known === undefined) seen.set(id, { first: began, last: entry.endTime, kind: entry.object.kind });
    else {
      if (began < known.first) known.first = began;
      if (entry.endTime > known.last) known.last = entry.endTime;
      known.kind ??= entry.object.kind;
    }
  });
  const ids = [...seen.keys()].sort((a, b) => a - b);
  await tx.query(
    prepared("kt_observed_objects_seen", `UPDATE objects o SET last_seen = GREATEST(o.last_seen, x.t), kind = COALESCE(o.kind, x.k),
           first_seen = CASE WHEN x.f < o.first_seen AND NOT ${hasWrittenHistory("o.id")}
                              AND NOT EXISTS (SELECT 1 FROM object_states s WHERE s.object_id = o.id) THEN x.f ELSE o.first_seen END
       FROM unnest($1::bigint[], $2::timestamptz[], $3::text[], $4::timestamptz[]) AS x(id, t, k, f)
      WHERE o.id = x.id AND (o.last_seen < x.t OR (o.kind IS NULL AND x.k IS NOT NULL) OR o.first_seen > x.f)`),
    [
      int8Array(ids),
      timestamptzArray(ids.map((id) => seen.get(id)!.last)),
      textArray(ids.map((id) => seen.get(id)!.kind)),
      timestamptzArray(ids.map((id) => seen.get(id)!.first)),
    ],
  );
}
