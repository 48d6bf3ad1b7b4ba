import type { Sql } from "../store/database";
import { overRangeParts } from "./overlappingEntries";

/**
 * The time-range questions the store is indexed for, one SQL statement each, with no fixed
 * windows: any [from, to) works. A range takes every history entry that overlaps it, also one
 * that began before it and was still running at its start (an exec session), asked in parts
 * that each read an index (overlappingEntries.ts). history.integration-test.ts proves each one can be
 * answered from an index. Objects come most recently seen first, then by id (newest first), so
 * that `limit` cuts the same list every time, whatever order the rows lie in.
 */

export interface TimeRange {
  from: Date;
  to: Date;
}

export interface HistoryRow {
  id: number;
  startTime: Date;
  endTime: Date;
  actor: string;
  verb: string;
  subresource: string;
  statusCode: number | null;
  title: string;
  auditId: string | null;
  noop: boolean;
}

export interface ObjectRow {
  id: number;
  cluster: string;
  apiGroup: string;
  resource: string;
  kind: string | null;
  namespace: string;
  name: string;
  uid: string | null;
  firstSeen: Date;
  lastSeen: Date;
  deletedAt: Date | null;
}

export const HISTORY_OF_OBJECT_SQL = `
  ${overRangeParts(
    (range) => `
    SELECT h.id, h.start_time AS "startTime", h.end_time AS "endTime", h.actor, h.verb, h.subresource, h.status_code AS "statusCode",
           h.title, h.audit_id AS "auditId", h.noop
      FROM history_entries h
     WHERE h.object_id = $1 AND ${range}`,
    "h",
    "$2",
    "$3",
  )}
   ORDER BY "startTime", id`;

/**
 * Everything that happened to one object in the range, oldest first by start: what began in it
 * and what was still running at its start (history_object_time_idx; the long entries' index).
 */
export async function historyOfObject(sql: Sql, objectId: number, range: TimeRange): Promise<HistoryRow[]> {
  return (await sql.query<HistoryRow>(HISTORY_OF_OBJECT_SQL, [objectId, range.from, range.to])).rows;
}

const OBJECT_COLUMNS = `o.id, c.name AS cluster, o.api_group AS "apiGroup", o.resource, o.kind, o.namespace, o.name, o.uid,
  o.first_seen AS "firstSeen", o.last_seen AS "lastSeen", o.deleted_at AS "deletedAt"`;

export const OBJECTS_IN_NAMESPACE_SQL = `
  SELECT ${OBJECT_COLUMNS} FROM objects o JOIN clusters c ON c.id = o.cluster_id
   WHERE o.namespace = $1 AND o.first_seen < $3 AND (o.deleted_at IS NULL OR o.deleted_at >= $2)
   ORDER BY o.last_seen DESC, o.id DESC LIMIT $4`;

/** Objects of a namespace alive during the range: created before its end, not deleted before its start (objects_namespace_first_seen_idx). */
export async function objectsInNamespace(sql: Sql, namespace: string, range: TimeRange, limit = 100): Promise<ObjectRow[]> {
  return (await sql.query<ObjectRow>(OBJECTS_IN_NAMESPACE_SQL, [namespace, range.from, range.to, limit])).rows;
}

export const OBJECTS_NAMED_LIKE_SQL = `
  SELECT ${OBJECT_COLUMNS} FROM objects o JOIN clusters c ON c.id = o.cluster_id
   WHERE o.name ILIKE $1 AND o.first_seen < $3 AND (o.deleted_at IS NULL OR o.deleted_at >= $2)
   ORDER BY o.last_seen DESC, o.id DESC LIMIT $4`;

/** Turns a user's pattern (`*` any run of characters, otherwise a substring) into an ILIKE pattern. */
export function likePattern(pattern: string): string {
  const escaped = pattern.replace(/[\\%_]/g, (c) => `\\${c}`);
  return escaped.includes("*") ? escaped.replace(/\*/g, "%") : `%${escaped}%`;
}

/** Objects whose name matches `pattern`, alive during the range (objects_name_trgm_idx). */
export async function objectsNamedLike(sql: Sql, pattern: string, range: TimeRange, limit = 100): Promise<ObjectRow[]> {
  return (await sql.query<ObjectRow>(OBJECTS_NAMED_LIKE_SQL, [likePattern(pattern), range.from, range.to, limit])).rows;
}

/** The objects of the entries in the range that `column` ($1) names. */
const touchedObjects = (column: string) => overRangeParts((range) => `SELECT h.object_id FROM history_entries h WHERE h.${column} = $1 AND ${range}`, "h", "$2", "$3");

export const OBJECTS_TOUCHED_BY_SQL = `
  SELECT ${OBJECT_COLUMNS} FROM objects o JOIN clusters c ON c.id = o.cluster_id
   WHERE o.id IN (${touchedObjects("actor")}
                  UNION ALL
                  ${touchedObjects("impersonator")})
   ORDER BY o.last_seen DESC, o.id DESC LIMIT $4`;

/**
 * Objects that `actor` wrote to during the range (by a request that overlaps it), as themselves
 * or impersonating someone (history_actor_time_idx, history_impersonator_time_idx: one each,
 * where an OR of the two made the planner read the range's every entry).
 */
export async function objectsTouchedBy(sql: Sql, actor: string, range: TimeRange, limit = 100): Promise<ObjectRow[]> {
  return (await sql.query<ObjectRow>(OBJECTS_TOUCHED_BY_SQL, [actor, range.from, range.to, limit])).rows;
}
