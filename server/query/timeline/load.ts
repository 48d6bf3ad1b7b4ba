import type { Sql } from "../../store/database";
import { traceLocationOf } from "../../jaeger/redirect";
import { assembleTrace, ENTRY_COLUMNS, micros, normalizeEntry, normalizeObject, OBJECTS_SQL, type AssembleOptions } from "../trace/assemble";
import type { TraceEntry, TraceObject } from "../trace/assembled";
import { DEFAULT_TRACE_DEPTH, traceIdOrNull } from "../trace/traceId";
import { foldWatchTwinOf } from "../trace/watchTwins";
import type { RelationMode, TraceQuery } from "../trace/types";
import { clampToStorable, LAST_STORABLE_MICROS } from "../../model/time/instant";
import { buildTimeline, entryDetailsOf, lifetimeRange, type Timeline, type TimelineEntryDetails, type TimelineRange } from "./payload";

/**
 * The object page's reads: an object's timeline (its hierarchy over a range, assembled as a
 * trace is) and one history entry whole. Two primary-key lookups besides the trace's own queries.
 */

export interface TimelineRequest {
  /** objects.id, or the id of a row merged into another (object_aliases). */
  id: number;
  relations: RelationMode;
  /** The range asked, within the instants the store holds; none: the object's lifetime with a margin. */
  range?: { startMicros: number; endMicros: number };
  /** Relation hops (default DEFAULT_TRACE_DEPTH), limited by `maxDepth`. */
  depth?: number;
}

export interface TimelineOptions extends AssembleOptions {
  /** Where the Jaeger API and UI are served, for the link to the same trace. */
  jaeger: { basePath: string; uiServed: boolean };
}

/** When the object's first entry began (history_object_time_idx: one row read), in µs. */
const FIRST_ENTRY = micros("(SELECT h.start_time FROM history_entries h WHERE h.object_id = o.id ORDER BY h.start_time LIMIT 1)");

/** The object an id names (itself, or the row it was merged into), its lifetime and its first entry, in µs. */
export const LIFETIME_SQL = `
  SELECT o.id, ${micros("o.first_seen")} AS "firstSeen", ${micros("o.last_seen")} AS "lastSeen", ${micros("o.deleted_at")} AS "deletedAt", ${FIRST_ENTRY} AS "firstEntry"
    FROM objects o WHERE o.id = $1
  UNION ALL
  SELECT o.id, ${micros("o.first_seen")}, ${micros("o.last_seen")}, ${micros("o.deleted_at")}, ${FIRST_ENTRY}
    FROM object_aliases a JOIN objects o ON o.id = a.object_id WHERE a.id = $1
  LIMIT 1`;

type LifetimeRow = { id: number | string; firstSeen: number | string; lastSeen: number | string; deletedAt: number | string | null; firstEntry: number | string | null };

export type TimelineResult = Timeline & {
  /**
   * The same trace in the Jaeger UI (or its API when the UI is not served); null when a trace ID
   * cannot hold its range (before 1970, after 2106: an apiserver's clock that was wrong).
   */
  jaegerLink: string | null;
  /** Whether jaegerLink opens the Jaeger UI (JAEGER_UI_DIR); else it gives the trace as the API's JSON. */
  jaegerLinkOpensUi: boolean;
};

/**
 * The trace query of a timeline's range: whole seconds around it (the trace's entries are
 * narrowed to the range again by buildTimeline), within the seconds the store holds.
 */
export function traceQueryOfRange(rootObjectId: number, relationMode: RelationMode, depth: number, range: { startMicros: number; endMicros: number }): TraceQuery {
  const last = LAST_STORABLE_MICROS / 1_000_000;
  const endSeconds = Math.min(last, Math.max(Math.ceil(range.endMicros / 1_000_000), Math.floor(range.startMicros / 1_000_000) + 1));
  const startSeconds = Math.min(endSeconds - 1, Math.floor(clampToStorable(range.startMicros) / 1_000_000));
  return { rootObjectId, relationMode, displayMode: "tracing", depth, startSeconds, endSeconds };
}

/** The timeline of object `request.id`, or null when no object has (or had) that id. */
export async function loadTimeline(sql: Sql, request: TimelineRequest, options: TimelineOptions): Promise<TimelineResult | null> {
  const found = (await sql.query<LifetimeRow>(LIFETIME_SQL, [request.id])).rows[0];
  if (!found) return null;
  const rootObjectId = Number(found.id);
  const range: TimelineRange = request.range
    ? { ...request.range, fromLifetime: false }
    : {
        ...lifetimeRange(
          {
            firstSeenMicros: Number(found.firstSeen),
            lastSeenMicros: Number(found.lastSeen),
            deletedAtMicros: found.deletedAt === null ? null : Number(found.deletedAt),
          },
          found.firstEntry === null ? null : Number(found.firstEntry),
        ),
        fromLifetime: true,
      };
  const query = traceQueryOfRange(rootObjectId, request.relations, request.depth ?? DEFAULT_TRACE_DEPTH, range);
  const trace = await assembleTrace(sql, query, options);
  // Deleted by retention between the two statements.
  if (trace === null) return null;
  const traceId = traceIdOrNull(query);
  return { ...buildTimeline(trace, range, request.id), jaegerLink: traceId === null ? null : traceLocationOf(traceId, options.jaeger), jaegerLinkOpensUi: options.jaeger.uiServed };
}

export const ENTRY_SQL = `SELECT ${ENTRY_COLUMNS} FROM history_entries h WHERE h.id = $1`;

/** History entry `id` whole (diff, snapshot, annotations), with its object; null when there is none. */
export async function loadTimelineEntry(sql: Sql, id: number): Promise<TimelineEntryDetails | null> {
  const row = (await sql.query<TraceEntry>(ENTRY_SQL, [id])).rows[0];
  if (!row) return null;
  const loaded = normalizeEntry(row);
  // An audit entry without a diff shows its watch twin's, as on its lane (../trace/watchTwins.ts).
  const entry = await foldWatchTwinOf(sql, loaded);
  const object = (await sql.query<TraceObject>(OBJECTS_SQL, [[entry.objectId]])).rows[0];
  // Pruned between the two statements.
  if (!object) return null;
  return entryDetailsOf(entry, normalizeObject(object));
}
