import { WRITTEN_ENTRY } from "./writtenHistory";
import { prepared, type Sql } from "./database";
import { isFailedRequest } from "../model/failedRequest";
import { int8Array, textArray, timestamptzArray } from "./arrayParam";
import { isDecimal, placeLateWrites, type LatePlacement, type LatePlacements, type LateWrite, type ObjectVersion, type VersionStep } from "../ingest/audit/lateWrites";
import { createsObject } from "../ingest/audit/change";
import { mayHaveEffect } from "../ingest/audit/subresourceEffect";
import { toldVersion } from "./stateVersion";
import type { DiffEntry, HistoryVerb, JsonObject } from "../ingest/audit/types";

/**
 * The store's side of placing late writes (server/ingest/audit/lateWrites.ts): reading an
 * object's stored entries as the steps between its versions, and rewriting the entries that a
 * late write now comes before. Called by the audit writer, in the transaction that holds the
 * object's advisory lock.
 */

/**
 * How far back, before the oldest of an object's late writes began, its stored entries are read.
 * A write that overtook it completed after it, and requests end within the apiserver's request
 * timeout (a minute by default): ten minutes leave room for slow ones.
 */
const LATE_WRITE_LOOKBACK_MS = 10 * 60_000;

/** The entries read first: a late write is usually a version or two behind. */
const LATE_WRITE_FIRST_ENTRIES = 32;

/**
 * The newest entries read at most: the versions a late write goes between are rebuilt back from
 * the newest, one entry at a time. A write later than that many others of its object (an old
 * log imported after a newer one) is kept without a diff rather than make each batch read and
 * undo an object's whole history.
 */
export const LATE_WRITE_MAX_ENTRIES = 500;

/** A stored history entry whose diff starts from a late write's version now. */
export interface RediffedEntry {
  id: number;
  diffText: string;
  detailsText: string;
}

/**
 * Places an object's late writes among the versions its stored entries lead to, from `newest`
 * (the version held) back: the newest few entries first, the rest (up to the limit) only when
 * those do not reach back to every late write.
 */
export async function placeAmongStoredVersions(
  sql: Sql,
  objectId: number,
  newest: ObjectVersion,
  late: ReadonlyArray<LateWrite & { startTime: Date }>,
): Promise<{ placements: LatePlacement[]; rediffed: RediffedEntry[] }> {
  const since = new Date(Math.min(...late.map((write) => write.startTime.getTime())) - LATE_WRITE_LOOKBACK_MS);
  let placed: LatePlacements<number> | null = null;
  let details = new Map<number, JsonObject>();
  for (const limit of [LATE_WRITE_FIRST_ENTRIES, LATE_WRITE_MAX_ENTRIES]) {
    const read = await readVersionSteps(sql, objectId, since, limit);
    placed = placeLateWrites(newest, read.steps, late);
    details = read.details;
    if (read.rows < limit || placed.placements.every((p) => p.placed)) break;
  }
  return {
    placements: placed!.placements,
    rediffed: [...placed!.rediffed].map(([id, { resourceVersionBefore, diff }]) => ({
      id,
      diffText: JSON.stringify(diff),
      detailsText: JSON.stringify({ ...details.get(id)!, resourceVersionBefore }),
    })),
  };
}

/** An object's newest `limit` history entries since `since`, as the steps between its versions, with each one's details. */
async function readVersionSteps(sql: Sql, objectId: number, since: Date, limit: number): Promise<{ rows: number; steps: Array<VersionStep<number>>; details: Map<number, JsonObject> }> {
  const result = await sql.query<{ id: number | string; verb: string; subresource: string; status_code: number | null; details: JsonObject; diff: DiffEntry[] | null }>(
    prepared("kt_history_since", `SELECT id, verb, subresource, status_code, details, diff FROM history_entries h
       WHERE object_id = $1 AND start_time >= $2 AND ${WRITTEN_ENTRY} ORDER BY start_time DESC, id DESC LIMIT $3`),
    [objectId, since.toISOString(), limit],
  );
  const details = new Map<number, JsonObject>();
  const steps: Array<VersionStep<number>> = [];
  for (const entry of result.rows) {
    const after = entry.details.resourceVersionAfter;
    if (typeof after !== "string" || !isDecimal(after)) continue;
    const before = typeof entry.details.resourceVersionBefore === "string" ? entry.details.resourceVersionBefore : null;
    // A late write left unplaced made no version the others were diffed from (a placed one has no mark).
    if (entry.details.arrivedAfterResourceVersion !== undefined) continue;
    const id = Number(entry.id);
    details.set(id, entry.details);
    const told = toldVersion(before);
    steps.push({
      ref: id,
      resourceVersionBefore: before,
      ...(told !== before && told !== null ? { toldBefore: told } : {}),
      resourceVersionAfter: after,
      diff: entry.diff,
      creates: createsObject(storedWrite(entry)),
      // A Scale's entry names the version its response told, but its state was made of the one before (change.ts).
      ...(mayHaveEffect(entry.subresource) ? { madeOfPrevious: true } : {}),
    });
  }
  return { rows: result.rows.length, steps, details };
}

/** What createsObject needs of a stored entry (stored failed writes and dry runs have no version after them, and never get here). */
function storedWrite(entry: { verb: string; subresource: string; status_code: number | null; details: JsonObject }) {
  const statusCode = entry.status_code;
  return { verb: entry.verb as HistoryVerb, subresource: entry.subresource, statusCode, failed: isFailedRequest(statusCode, entry.details), dryRun: entry.details.dryRun === true };
}

/** stateWrittenSince's statement (exported for the plan test). */
// A lateral subquery with LIMIT 1, not EXISTS: the planner cannot turn it into a semi join, so
// each object's entries are read by the index on (object_id, start_time) whatever the estimates
// (with the source filter, EXISTS became a scan of the whole index, materialized: ingestPlans test).
export const STATE_WRITTEN_SINCE_SQL = `SELECT t.i FROM unnest($1::bigint[], $2::timestamptz[]) WITH ORDINALITY AS t(id, since, i)
   CROSS JOIN LATERAL (SELECT 1 FROM history_entries h WHERE h.object_id = t.id AND h.start_time > t.since AND ${WRITTEN_ENTRY}
                   AND (h.details->>'resourceVersionAfter' IS NOT NULL OR (h.diff IS NOT NULL AND h.details->>'arrivedAfterResourceVersion' IS NULL))
                 LIMIT 1) w`;

/**
 * For each object and time asked, whether a stored write of that object that made the state held
 * then began after that time: one whose response told the version it made
 * (details.resourceVersionAfter), or that was diffed against the state held and not left out as
 * late (a body without a version, a scale that told none, a late write placed among the versions).
 * Such a write was made after anything that ended before it began, and the state held, its own
 * or a newer one, already has what that did: the audit writer asks it of a scale that told no
 * version (auditWriter.ts, scaleIsLate). Entries of one object by start time are an index's
 * (history_object_time_idx), and only those after the time are read.
 */
export async function stateWrittenSince(sql: Sql, asks: ReadonlyArray<{ objectId: number; since: Date }>): Promise<boolean[]> {
  if (asks.length === 0) return [];
  const result = await sql.query<{ i: number | string }>(prepared("kt_state_written_since", STATE_WRITTEN_SINCE_SQL), [
    int8Array(asks.map((ask) => ask.objectId)),
    timestamptzArray(asks.map((ask) => ask.since)),
  ]);
  const written = asks.map(() => false);
  for (const row of result.rows) written[Number(row.i) - 1] = true;
  return written;
}

/** Rewrites the diff and details of entries a late write now comes before. */
export async function rediffHistory(sql: Sql, entries: readonly RediffedEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await sql.query(
    prepared("kt_rediff_history", `UPDATE history_entries h SET diff = t.d::json, details = t.x::json
       FROM unnest($1::bigint[], $2::text[], $3::text[]) AS t(id, d, x) WHERE h.id = t.id`),
    [int8Array(entries.map((e) => e.id)), textArray(entries.map((e) => e.diffText)), textArray(entries.map((e) => e.detailsText))],
  );
}
