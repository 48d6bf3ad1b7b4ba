import type { Sql } from "../../store/database";
import type { CommittedBatch } from "../../ingest/audit/ingest";
import { BUILTIN_RELATION_KINDS, parentPrecedence, relationKindInfo } from "../../model/links/kinds";
import { OBJECTS_SQL, PARENTS_SQL } from "../../query/trace/assemble";
import type { TraceEntry, TraceObject } from "../../query/trace/assembled";
import type { EpochMicros } from "../../query/trace/types";
import { MAX_ENCODABLE_DEPTH } from "../../query/trace/traceId";
import { utcDayOf } from "./ids";

/**
 * Reads a committed batch back from the store, as trace assembly sees it: each new history
 * entry with its object and that object's line of hierarchical ancestors over the entry's UTC
 * day. Two statements for the entries and objects, then one per level of ancestry for the
 * whole batch.
 */

/** A new history entry and the objects it hangs under, nearest first. */
export interface CommittedEntry {
  entry: TraceEntry;
  /** [the entry's object, its parent, grandparent, …, the topmost ancestor]. */
  line: TraceObject[];
  /** relations[i]: the kind of relation between line[i] and its parent line[i + 1], e.g. "controller-owner". */
  relations: string[];
}

/** An object's line of ancestors while it is walked: ids nearest first, and the relation kinds between them. */
interface Line {
  ids: number[];
  relations: string[];
}

const micros = (column: string) => `(extract(epoch from ${column}) * 1000000)::bigint`;

/** The entries a batch wrote, by their dedup key, with every column trace assembly reads. */
export const COMMITTED_ENTRIES_SQL = `
  SELECT h.id, h.object_id AS "objectId", h.source, ${micros("h.start_time")} AS start, ${micros("h.end_time")} AS "end",
         h.actor, h.verb, h.subresource, h.status_code AS "statusCode", h.title, h.audit_id AS "auditId", h.stage,
         h.user_agent AS "userAgent", h.details, h.diff, h.snapshot, h.noop
    FROM unnest($2::text[], $3::text[]) AS k(audit_id, stage)
    JOIN history_entries h ON h.cluster_id = $1 AND h.audit_id = k.audit_id AND h.stage = k.stage
   ORDER BY h.start_time, h.id`;

const REFERENCE_KINDS = Object.entries(BUILTIN_RELATION_KINDS)
  .filter(([, info]) => !info.hierarchical)
  .map(([kind]) => kind);

interface ParentRow {
  fromId: number;
  toId: number;
  kind: string;
  validFrom: number;
}

/** The parent trace assembly would choose (assemble.ts, walkUp): best-ranked kind, latest relation, lowest id. */
function preferred(a: ParentRow, b: ParentRow): number {
  return parentPrecedence(a.kind) - parentPrecedence(b.kind) || b.validFrom - a.validFrom || a.fromId - b.fromId;
}

export async function loadCommittedEntries(sql: Sql, batch: CommittedBatch): Promise<CommittedEntry[]> {
  if (batch.historyEntries.length === 0) return [];
  const rows = await sql.query<TraceEntry>(COMMITTED_ENTRIES_SQL, [
    batch.clusterId,
    batch.historyEntries.map((e) => e.auditId),
    batch.historyEntries.map((e) => e.stage),
  ]);
  const entries = rows.rows.map(normalizeEntry);

  // Ancestry per (object, day): the same parent choice assembly makes for a trace over that day.
  const lines = new Map<string, Line>();
  const keyOf = (objectId: number, day: number) => `${objectId}@${day}`;
  const byDay = new Map<number, Set<number>>();
  for (const entry of entries) {
    const day = utcDayOf(entry.start).startSeconds;
    lines.set(keyOf(entry.objectId, day), { ids: [entry.objectId], relations: [] });
    const objectsOfDay = byDay.get(day) ?? new Set<number>();
    objectsOfDay.add(entry.objectId);
    byDay.set(day, objectsOfDay);
  }
  for (const [day, objectIds] of byDay) {
    const from = new Date(day * 1000);
    const to = new Date(utcDayOf(day * 1_000_000).endSeconds * 1000);
    let open = [...objectIds].map((id) => lines.get(keyOf(id, day))!);
    for (let level = 1; level <= MAX_ENCODABLE_DEPTH && open.length > 0; level++) {
      const heads = [...new Set(open.map((line) => line.ids[line.ids.length - 1]!))];
      const parents = (await sql.query<ParentRow>(PARENTS_SQL, [heads, from, to, REFERENCE_KINDS])).rows
        .map((row) => ({ fromId: Number(row.fromId), toId: Number(row.toId), kind: row.kind, validFrom: Number(row.validFrom) }))
        .filter((row) => relationKindInfo(row.kind).hierarchical)
        .sort(preferred);
      const next: Line[] = [];
      for (const line of open) {
        const head = line.ids[line.ids.length - 1]!;
        const parent = parents.find((row) => row.toId === head && !line.ids.includes(row.fromId));
        if (!parent) continue;
        line.ids.push(parent.fromId);
        line.relations.push(parent.kind);
        next.push(line);
      }
      open = next;
    }
  }

  const objectIds = [...new Set([...lines.values()].flatMap((line) => line.ids))];
  const objects = new Map((await sql.query<TraceObject>(OBJECTS_SQL, [objectIds])).rows.map((row) => [Number(row.id), normalizeObject(row)]));
  const result: CommittedEntry[] = [];
  for (const entry of entries) {
    const { ids, relations } = lines.get(keyOf(entry.objectId, utcDayOf(entry.start).startSeconds))!;
    const line: TraceObject[] = [];
    for (const id of ids) {
      const object = objects.get(id);
      // An ancestor pruned meanwhile ends the line there.
      if (!object) break;
      line.push(object);
    }
    if (line.length > 0) result.push({ entry, line, relations: relations.slice(0, line.length - 1) });
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
