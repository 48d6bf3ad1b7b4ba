import { BUILTIN_RESOURCES } from "../../k8s/resources";
import type { Sql } from "../../store/database";
import { overRangeParts, rangePartCondition, RUNNING_PARTS, type RangePart } from "../overlappingEntries";
import type { TraceObject } from "./assembled";
import { micros, normalizeObject, OBJECT_COLUMNS } from "./assemble";
import { watchEntryHasAuditTwin } from "./watchTwins";
import type { EpochMicros } from "./types";

/**
 * Finding the objects to trace: what the Jaeger search and `/redirect` ask. Object identity
 * criteria filter objects; actor criteria (user, userAgent, auditId) filter their history
 * entries. Either way an object is found only when it has a matching entry that overlaps
 * [start, end): one that began in it, or before it and was still running at its start
 * (../overlappingEntries.ts).
 */
export interface TraceRootCriteria {
  cluster?: string;
  kind?: string;
  /** Plural resource, e.g. "deployments". */
  resource?: string;
  /** "" for the core group; absent: any group. */
  apiGroup?: string;
  /** "" for cluster-scoped objects; absent: any namespace. */
  namespace?: string;
  /** Exact, or a pattern where `*` stands for any run of characters (`web-*`). */
  name?: string;
  uid?: string;
  /**
   * Exact: the entry's actor (the impersonated user when there is one), or the user who
   * impersonated that actor.
   */
  user?: string;
  /** Exact, or a pattern with `*` (`kubectl/*`). */
  userAgent?: string;
  auditId?: string;
  start: Date;
  end: Date;
  limit: number;
}

/** An object found, with its activity in the range. */
export interface TraceRoot extends TraceObject {
  /** The same as `id` (objects.id): the root object of the trace to build. */
  objectId: number;
  /** Start of its first matching entry in the range: before the range, for one that began before it and ran into it. */
  firstEntry: EpochMicros;
  /** Start of its last matching entry in the range (also before the range, when that is its only one). */
  lastEntry: EpochMicros;
  /**
   * How many of its entries that overlap the range match: as its trace shows them (a watch entry
   * folded into its audit twin, ./watchTwins.ts, not counted) when `entryCountFolded`; else every
   * stored entry, such a watch entry and its twin both, an upper bound.
   */
  entryCount: number;
  /**
   * False with entryCounts "stored", or for an object with more than
   * FOLDED_COUNT_MAX_WATCH_ENTRIES watch entries that began in the range: finding their twins
   * would read them all and the audit entries around them.
   */
  entryCountFolded: boolean;
}

/** A `*` pattern as a LIKE pattern; null when the text has no `*` (then it is matched exactly). */
export function likePatternOf(text: string): string | null {
  if (!text.includes("*")) return null;
  return text.replace(/[\\%_]/g, (c) => `\\${c}`).replace(/\*/g, "%");
}

/**
 * How a search counts each object's entries: "shown", as its trace shows them (the dashboard
 * lists the count); "stored", every stored entry, which spares reading the watched objects'
 * entries for a count nobody reads (the Jaeger search builds the traces themselves).
 */
export type EntryCounts = "shown" | "stored";

/**
 * The most watch entries in the range an object may have for a search to pair them for its count:
 * pairing reads them and the audit entries around them from the table, some 3 µs a row where the
 * count alone reads an index (docs/benchmarks.md, "what folding twins costs a search"), so about
 * 6 ms an object at most.
 */
export const FOLDED_COUNT_MAX_WATCH_ENTRIES = 1000;

/** Entries read, most recent first, to find the most recently active objects (see findTraceRoots). */
export const RECENT_ENTRIES_SCAN = 2000;

interface Conditions {
  params: unknown[];
  objectConditions: string[];
  /** On history_entries h, besides the range ($1, $2: see overRangeParts). */
  entryConditions: string[];
  param(value: unknown): string;
  /** The user criterion's parameter, when there is one: entryConditions hold userCondition(it). */
  userParam: string | null;
}

/** A user's entries: those they made as themselves, or as someone they impersonated (history_impersonator_time_idx). */
const userCondition = (userParam: string) => `(h.actor = ${userParam} OR h.impersonator = ${userParam})`;

/**
 * The WHERE conditions of a search, only for the criteria given, so that the planner sees
 * each query's real shape and picks its index: objects_identity_idx (cluster, resource,
 * namespace, name), objects_uid_idx, objects_name_trgm_idx (names and patterns),
 * objects_namespace_first_seen_idx; history_actor_time_idx (user), history_audit_id_idx
 * (auditId), history_start_time_idx (the range; a user agent has no index of its own). The
 * indexes that lead with the cluster are reached without one through
 * `cluster_id = ANY(all clusters)` — there are few clusters.
 */
function conditionsOf(criteria: TraceRootCriteria): Conditions {
  const params: unknown[] = [criteria.start, criteria.end];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const clusterIds =
    criteria.cluster !== undefined ? `ARRAY(SELECT id FROM clusters WHERE name = ${param(criteria.cluster)})` : `ARRAY(SELECT id FROM clusters)`;
  const textMatch = (column: string, value: string) => {
    const pattern = likePatternOf(value);
    return pattern === null ? `${column} = ${param(value)}` : `${column} LIKE ${param(pattern)}`;
  };

  const objectConditions = [`o.last_seen >= $1`, `o.first_seen < $2`, `o.cluster_id = ANY(${clusterIds})`];
  if (criteria.kind !== undefined) objectConditions.push(`o.kind = ${param(criteria.kind)}`);
  // A built-in kind has one resource: saying so lets objects_identity_idx serve the search.
  const builtin = criteria.apiGroup !== undefined && criteria.resource === undefined ? BUILTIN_RESOURCES.find((r) => r.kind === criteria.kind && r.apiGroup === criteria.apiGroup) : undefined;
  if (builtin) objectConditions.push(`o.resource = ${param(builtin.resource)}`);
  if (criteria.resource !== undefined) objectConditions.push(`o.resource = ${param(criteria.resource)}`);
  if (criteria.apiGroup !== undefined) objectConditions.push(`o.api_group = ${param(criteria.apiGroup)}`);
  if (criteria.namespace !== undefined) objectConditions.push(`o.namespace = ${param(criteria.namespace)}`);
  if (criteria.name !== undefined) objectConditions.push(textMatch("o.name", criteria.name));
  if (criteria.uid !== undefined) objectConditions.push(`o.uid = ${param(criteria.uid)}`);

  const entryConditions: string[] = [];
  const userParam = criteria.user !== undefined ? param(criteria.user) : null;
  if (userParam !== null) entryConditions.push(userCondition(userParam));
  if (criteria.userAgent !== undefined) entryConditions.push(textMatch("h.user_agent", criteria.userAgent));
  if (criteria.auditId !== undefined) entryConditions.push(`h.cluster_id = ANY(${clusterIds})`, `h.audit_id = ${param(criteria.auditId)}`);
  return { params, objectConditions, entryConditions, param, userParam };
}

/** SQL: `select` of each of `parts` of the range [$1, $2) and `conditions`, under UNION ALL. */
function overRange(select: (where: string) => string, conditions: string[], parts?: readonly RangePart[]): string {
  return overRangeParts((range) => select([range, ...conditions].join(" AND ")), "h", "$1", "$2", parts);
}

/**
 * The search as one aggregate: objects matching the object criteria (and, with actor
 * criteria, having a matching entry), each with its matching entries' count and first and
 * last start among those that overlap the range, most recent first. `objectIds` restricts it
 * to objects already chosen.
 *
 * The entries that began in the range are counted per object (history_object_time_idx), as
 * before ranges took the others. Those that began before it and were still running at its start
 * are few: they are read once for every object, grouped by object and joined (a probe of each
 * object's index for them, two more per object, made the aggregate of a namespace's thousand
 * objects twice as slow on a table like the query benchmark's).
 *
 * With entryCounts "shown" (the default), the count leaves out what the trace folds: the watch
 * entries that began in the range and have an audit twin (watchEntryHasAuditTwin). They are
 * counted after the limit, only for the objects returned (counting them for every object of a
 * namespace would probe a thousand objects to return twenty), through
 * history_watch_object_time_idx, which holds only watch entries: an object that is not watched
 * costs one probe that finds nothing, and the count of every object stays an index-only read of
 * history_object_time_idx. A watched object costs reading its watch entries in the range and the
 * audit entries around them from the table (their versions are in details); one with more than
 * FOLDED_COUNT_MAX_WATCH_ENTRIES of them (counted from that index alone, up to one more) is
 * counted as stored, and says so (entryCountFolded). A watch entry lasts no time (its end is its
 * start), so none is among those still running at the range's start. An object whose only
 * entries in the range are folded watch entries (their twins just outside it) is left out after
 * the limit: its trace shows nothing there, and the list is one shorter. Its first and last
 * entry may be a folded watch entry's, at most TWIN_WINDOW_MICROS from its twin's.
 */
export function traceRootsQuery(
  criteria: TraceRootCriteria,
  objectIds?: number[],
  entryCounts: EntryCounts = "shown",
  maxWatchEntriesToFold = FOLDED_COUNT_MAX_WATCH_ENTRIES,
): { text: string; params: unknown[] } {
  const { params, objectConditions, entryConditions, param, userParam } = conditionsOf(criteria);
  if (objectIds !== undefined) objectConditions.push(`o.id = ANY(${param(objectIds)}::bigint[])`);
  else if (entryConditions.length > 0) objectConditions.push(`o.id IN (${objectsOfEntries(entryConditions, userParam)})`);
  const began = [rangePartCondition("began", "h", "$1", "$2"), ...entryConditions];
  // least() and greatest() pass over a NULL: an object with no entry of one kind.
  const found = `
    SELECT ${OBJECT_COLUMNS}, ${micros("least(act.first, running.first)")} AS "firstEntry", ${micros("greatest(act.last, running.last)")} AS "lastEntry",
           act.count + coalesce(running.count, 0) AS "${entryCounts === "stored" ? "entryCount" : "matching"}"${entryCounts === "stored" ? `, false AS "entryCountFolded"` : ""}
      FROM objects o
      JOIN clusters c ON c.id = o.cluster_id
     CROSS JOIN LATERAL (
           SELECT min(h.start_time) AS first, max(h.start_time) AS last, count(*) AS count
             FROM history_entries h
            WHERE h.object_id = o.id AND ${began.join(" AND ")}) act
      LEFT JOIN (
           SELECT h.object_id, min(h.start_time) AS first, max(h.start_time) AS last, count(*) AS count
             FROM (${overRange((where) => `SELECT h.object_id, h.start_time FROM history_entries h WHERE ${where}`, entryConditions, RUNNING_PARTS)}) h
            GROUP BY h.object_id) running ON running.object_id = o.id
     WHERE ${objectConditions.join(" AND ")} AND act.count + coalesce(running.count, 0) > 0
     ORDER BY greatest(act.last, running.last) DESC, o.id DESC
     LIMIT ${param(Math.max(1, Math.floor(criteria.limit)))}`;
  if (entryCounts === "stored") return { text: found, params };
  const budget = param(maxWatchEntriesToFold);
  // CASE pairs only an object within the budget.
  const text = `
    SELECT found.*, found.matching - coalesce(folded.count, 0) AS "entryCount", folded.count IS NOT NULL AS "entryCountFolded"
      FROM (${found}) found
     CROSS JOIN LATERAL (
           SELECT CASE
                    WHEN (SELECT count(*) FROM (SELECT 1 FROM history_entries h WHERE h.object_id = found.id AND h.source = 'watch' AND ${rangePartCondition("began", "h", "$1", "$2")} LIMIT ${budget}::int + 1) w) > ${budget}::int THEN NULL
                    ELSE (SELECT count(*)
                            FROM history_entries h
                           WHERE h.object_id = found.id AND h.source = 'watch' AND ${began.join(" AND ")} AND ${watchEntryHasAuditTwin("h", { from: "$1", to: "$2" })})
                  END AS count
           -- Not pulled up into the statement: each use of folded.count would evaluate the CASE again.
           OFFSET 0) folded
     WHERE found.matching - coalesce(folded.count, 0) > 0
     ORDER BY found."lastEntry" DESC, found.id DESC`;
  return { text, params };
}

/** The objects of the entries matching `entryConditions`; a user's through each of their two indexes (an OR reads neither). */
function objectsOfEntries(entryConditions: string[], userParam: string | null): string {
  const select = (where: string) => `SELECT h.object_id FROM history_entries h WHERE ${where}`;
  if (userParam === null) return overRange(select, entryConditions);
  const others = entryConditions.filter((condition) => condition !== userCondition(userParam));
  return `${overRange(select, [...others, `h.actor = ${userParam}`])} UNION ALL ${overRange(select, [...others, `h.impersonator = ${userParam}`])}`;
}

/**
 * The most recent matching entries that overlap the range, newest first (history_start_time_idx
 * or history_actor_time_idx read backwards), at most RECENT_ENTRIES_SCAN: the first `limit`
 * distinct objects among them are the `limit` most recently active ones. Each part of the range
 * (../overlappingEntries.ts) is read newest first with the limit, and they are merged: the part
 * that began in the range reads its index as it did before ranges had parts, and stops as early;
 * the others are short reads.
 */
export function recentEntriesQuery(criteria: TraceRootCriteria, scan = RECENT_ENTRIES_SCAN): { text: string; params: unknown[] } {
  const { params, objectConditions, entryConditions, param, userParam } = conditionsOf(criteria);
  const limit = param(scan);
  const newest = (where: string) => `
    SELECT h.object_id AS "objectId", h.start_time, h.id
      FROM history_entries h
      JOIN objects o ON o.id = h.object_id
     WHERE ${where} AND ${objectConditions.join(" AND ")}
     ORDER BY h.start_time DESC, h.id DESC
     LIMIT ${limit}`;
  // A user's entries as themselves and as someone else, each read newest first from its own
  // index (an OR would read all of both, then sort), then merged. An entry of a user who
  // impersonated themselves is in both: the second read leaves it out, so that it is listed
  // once, and counts once against the scan (a UNION would hash both reads whole instead).
  const others = entryConditions.filter((condition) => userParam === null || condition !== userCondition(userParam));
  const parts =
    userParam === null
      ? overRange(newest, others)
      : `${overRange(newest, [...others, `h.actor = ${userParam}`])} UNION ALL ${overRange(newest, [...others, `h.impersonator = ${userParam}`, `h.actor <> ${userParam}`])}`;
  const text = `
    SELECT "objectId" FROM (${parts}) e
     ORDER BY start_time DESC, id DESC
     LIMIT ${limit}`;
  return { text, params };
}

type RootRow = TraceObject & { firstEntry: number; lastEntry: number; entryCount: number; entryCountFolded: boolean };

/**
 * Objects matching `criteria` with matching entries that overlap [start, end), most recently
 * active first, at most `criteria.limit`.
 *
 * Criteria that pick few objects (uid, name, a namespace) go through the objects' indexes and
 * one aggregate. Otherwise — a user, a user agent, a kind, namespace "" (the cluster-scoped
 * objects), or nothing but the range — the objects are many and the aggregate would visit
 * every one of them: the most recent matching entries are read instead, newest first, until
 * `limit` distinct objects are found; only when a bounded read doesn't find them (a rare kind,
 * one busy object) does the aggregate run.
 */
export async function findTraceRoots(
  sql: Sql,
  criteria: TraceRootCriteria,
  options: { recentEntriesScan?: number; entryCounts?: EntryCounts; maxWatchEntriesToFold?: number } = {},
): Promise<TraceRoot[]> {
  if (criteria.end.getTime() <= criteria.start.getTime()) return [];
  const limit = Math.max(1, Math.floor(criteria.limit));
  // A namespace holds few objects; "" every cluster-scoped one (Nodes, PersistentVolumes, CSRs): many.
  const selectsFewObjects = criteria.uid !== undefined || criteria.name !== undefined || (criteria.namespace !== undefined && criteria.namespace !== "") || criteria.auditId !== undefined;
  const entryCounts = options.entryCounts ?? "shown";
  let query = traceRootsQuery(criteria, undefined, entryCounts, options.maxWatchEntriesToFold);
  if (!selectsFewObjects) {
    const scan = options.recentEntriesScan ?? RECENT_ENTRIES_SCAN;
    const recent = recentEntriesQuery(criteria, scan);
    const rows = (await sql.query<{ objectId: number }>(recent.text, recent.params)).rows;
    const ids = [...new Set(rows.map((row) => Number(row.objectId)))].slice(0, limit);
    // Exact when `limit` objects were found, or when the read saw every matching entry.
    if (ids.length === limit || rows.length < scan) {
      if (ids.length === 0) return [];
      query = traceRootsQuery(criteria, ids, entryCounts, options.maxWatchEntriesToFold);
    }
  }
  const rows = (await sql.query<RootRow>(query.text, query.params)).rows;
  return rows.map((row) => {
    const object = normalizeObject(row);
    return {
      ...object,
      objectId: object.id,
      firstEntry: Number(row.firstEntry) as EpochMicros,
      lastEntry: Number(row.lastEntry) as EpochMicros,
      entryCount: Number(row.entryCount),
      entryCountFolded: row.entryCountFolded,
    };
  });
}
