import type { Sql } from "../../store/database";
import { committedEntryCount, type CommittedBatch } from "../../ingest/audit/ingest";
import { BUILTIN_REFERENCE_KINDS, OBJECTS_SQL, PARENTS_SQL } from "../../query/trace/assemble";
import type { TraceEntry, TraceObject } from "../../query/trace/assembled";
import { climb, type AncestorLine, type ParentCandidate } from "../../query/trace/parentChoice";
import type { EpochMicros } from "../../query/trace/types";
import { utcDayOf } from "./ids";

/**
 * Reads a committed batch back from the store, as trace assembly sees it: each new history
 * entry with its object and that object's line of hierarchical ancestors over the entry's UTC
 * day, at most `depth` of them (the depth of the exported traces: ids.ts). Two statements for the
 * entries and objects, then one per level of ancestry for the whole batch.
 */

/** A new history entry and the objects it hangs under, nearest first. */
export interface CommittedEntry {
  entry: TraceEntry;
  /** [the entry's object, its parent, grandparent, …, the topmost ancestor]. */
  line: TraceObject[];
  /** relations[i]: the kind of relation between line[i] and its parent line[i + 1], e.g. "controller-owner". */
  relations: string[];
}

const micros = (column: string) => `(extract(epoch from ${column}) * 1000000)::bigint`;

/** The entries a batch wrote, by auditID, stage and start (CommittedBatch), with every column trace assembly reads. */
export const COMMITTED_ENTRIES_SQL = `
  SELECT h.id, h.object_id AS "objectId", h.source, ${micros("h.start_time")} AS start, ${micros("h.end_time")} AS "end",
         h.actor, h.verb, h.subresource, h.status_code AS "statusCode", h.title, h.audit_id AS "auditId", h.stage,
         h.user_agent AS "userAgent", h.details, h.diff, h.snapshot, h.noop
    FROM unnest($2::text[], $3::text[], $4::timestamptz[]) AS k(audit_id, stage, start_time)
    JOIN history_entries h ON h.cluster_id = $1 AND h.audit_id = k.audit_id AND h.stage = k.stage
     AND date_trunc('milliseconds', h.start_time) = k.start_time
   ORDER BY h.start_time, h.id`;

/** The entries of sources other than audit (Kubernetes Events), by id. */
export const COMMITTED_ENTRIES_BY_ID_SQL = `
  SELECT h.id, h.object_id AS "objectId", h.source, ${micros("h.start_time")} AS start, ${micros("h.end_time")} AS "end",
         h.actor, h.verb, h.subresource, h.status_code AS "statusCode", h.title, h.audit_id AS "auditId", h.stage,
         h.user_agent AS "userAgent", h.details, h.diff, h.snapshot, h.noop
    FROM history_entries h
   WHERE h.id = ANY($1::bigint[])
   ORDER BY h.start_time, h.id`;

export async function loadCommittedEntries(sql: Sql, batch: CommittedBatch, depth: number): Promise<CommittedEntry[]> {
  if (committedEntryCount(batch) === 0) return [];
  const rows: TraceEntry[] = [];
  if (batch.historyEntries.length > 0) {
    const byKey = await sql.query<TraceEntry>(COMMITTED_ENTRIES_SQL, [
      batch.clusterId,
      batch.historyEntries.map((e) => e.auditId),
      batch.historyEntries.map((e) => e.stage),
      batch.historyEntries.map((e) => e.startTime),
    ]);
    rows.push(...byKey.rows);
  }
  if (batch.entryIds && batch.entryIds.length > 0) rows.push(...(await sql.query<TraceEntry>(COMMITTED_ENTRIES_BY_ID_SQL, [batch.entryIds])).rows);
  const entries = rows.map(normalizeEntry);

  // Ancestry per (object, day): the parent choice trace assembly makes for a trace over that day (parentChoice.ts).
  const lines = new Map<string, AncestorLine>();
  const keyOf = (objectId: number, day: number) => `${objectId}@${day}`;
  const byDay = new Map<number, Set<number>>();
  for (const entry of entries) {
    const day = utcDayOf(entry.start).startSeconds;
    lines.set(keyOf(entry.objectId, day), { ids: [entry.objectId], links: [] });
    const objectsOfDay = byDay.get(day) ?? new Set<number>();
    objectsOfDay.add(entry.objectId);
    byDay.set(day, objectsOfDay);
  }
  for (const [day, objectIds] of byDay) {
    const from = new Date(day * 1000);
    const to = new Date(utcDayOf(day * 1_000_000).endSeconds * 1000);
    let open = [...objectIds].map((id) => lines.get(keyOf(id, day))!);
    for (let level = 1; level <= depth && open.length > 0; level++) {
      const headOf = (line: AncestorLine) => line.ids[line.ids.length - 1]!;
      const heads = [...new Set(open.map(headOf))];
      const parentsOf = new Map<number, ParentCandidate[]>();
      for (const row of (await sql.query<ParentCandidate>(PARENTS_SQL, [heads, from, to, BUILTIN_REFERENCE_KINDS])).rows) {
        const list = parentsOf.get(row.toId);
        if (list) list.push(row);
        else parentsOf.set(row.toId, [row]);
      }
      open = open.filter((line) => climb(line, parentsOf.get(headOf(line)) ?? []));
    }
  }

  const objectIds = [...new Set([...lines.values()].flatMap((line) => line.ids))];
  const objects = new Map((await sql.query<TraceObject>(OBJECTS_SQL, [objectIds])).rows.map((row) => [Number(row.id), normalizeObject(row)]));
  const result: CommittedEntry[] = [];
  for (const entry of entries) {
    const { ids, links } = lines.get(keyOf(entry.objectId, utcDayOf(entry.start).startSeconds))!;
    const line: TraceObject[] = [];
    for (const id of ids) {
      const object = objects.get(id);
      // An ancestor pruned meanwhile ends the line there.
      if (!object) break;
      line.push(object);
    }
    if (line.length > 0) result.push({ entry, line, relations: links.slice(0, line.length - 1).map((link) => link.kind) });
  }
  return result;
}

function normalizeObject(row: TraceObject): TraceObject {
  return {
    ...row,
    id: Number(row.id),
    firstSeen: Number(row.firstSeen) as EpochMicros,
    lastSeen: Number(row.lastSeen) as EpochMicros,
    deletedAt: row.deletedAt === null ? null : (Number(row.deletedAt) as EpochMicros),
  };
}

function normalizeEntry(row: TraceEntry): TraceEntry {
  return { ...row, id: Number(row.id), objectId: Number(row.objectId), start: Number(row.start) as EpochMicros, end: Number(row.end) as EpochMicros };
}
