import type { DiffEntry } from "../../ingest/audit/types";
import type { Sql } from "../../store/database";
import type { TraceEntry } from "./assembled";
import type { EpochMicros } from "./types";

/**
 * One write seen twice: by the audit webhook and by a watch (history entries of source "watch",
 * server/plugins/types.ts ObservedHistoryEntry). The audit entry knows who did it (user, user
 * agent, request); the watch entry may know what changed when the audit entry does not (audit
 * never saw the version before). Views show the write once, as its audit entry; a watch entry
 * without an audit twin stays as it is. Only a response body tells audit the version after a
 * write: below RequestResponse level an audit entry has none, and pairs with nothing.
 *
 * Twins: the same object, source "audit" and "watch", the same details.resourceVersionAfter, and
 * at most TWIN_WINDOW_MICROS apart. The window keeps the decision the same whatever range is
 * loaded (a pair is folded or not, never one way on one page and the other way when panned) and
 * lets the assembly find a twin just outside its range with one index range read per edge.
 * Beyond it, a watch entry is its own fact: a relist hours after the write (the watch was down)
 * says when Kubetrail saw the version, which is worth showing.
 *
 * Not twins: an audit no-op (it made no version: its resourceVersionAfter is the previous
 * write's), and a watch GONE entry (its resourceVersionAfter is the last version the watch knew,
 * the version of the last write, not of the deletion it reports).
 */

/** How far apart in time one write's audit entry and watch entry may be: the watch's delay and the two clocks' skew. */
export const TWIN_WINDOW_MICROS = 2 * 60 * 1_000_000;

/**
 * How far from an entry the candidates that decide its pairing may lie. A watch entry pairs with
 * the nearest audit entry of its version within the window, so which watch entry (if any) is an
 * audit entry's twin also depends on the audit entries within the window of that watch entry: two
 * windows from the audit entry. Every view that pairs part of a history reads this far around it,
 * so that an entry takes the same twin on a lane, in the side panel and on the home page.
 */
export const TWIN_REACH_MICROS = 2 * TWIN_WINDOW_MICROS;

/** The details key that says an audit entry shows the diff of its watch twin. */
export const DIFF_FROM_KEY = "diffFrom";
/** The details key naming that watch entry (history_entries.id). */
export const DIFF_FROM_ENTRY_KEY = "diffFromEntryId";

/** What pairing needs of an entry: its object, source, time, version; a watch entry's diff to lend. */
export interface TwinCandidate {
  id: number;
  objectId: number;
  source: TraceEntry["source"];
  start: EpochMicros;
  /** details.resourceVersionAfter when it is a version a twin may share; else null. */
  version: string | null;
  /** A watch entry's diff (what an audit twin without one shows); null for an audit entry. */
  diff: DiffEntry[] | null;
}

/** What the fold reads of an entry: a TraceEntry, or a row of another view with these columns. */
export type TwinEntry = Pick<TraceEntry, "id" | "objectId" | "source" | "start" | "details" | "noop" | "diff">;

const hasDiff = (diff: DiffEntry[] | null) => diff !== null && diff.length > 0;

/** The version an entry may share with a twin: an audit write's that made a version, a watch entry's other than GONE. */
export function twinVersionOf(entry: Pick<TraceEntry, "source" | "details" | "noop">): string | null {
  const version = entry.details.resourceVersionAfter;
  if (typeof version !== "string" || version === "") return null;
  if (entry.source === "audit") return entry.noop ? null : version;
  if (entry.source === "watch") return entry.details.watchEvent === "GONE" ? null : version;
  return null;
}

/** A loaded entry as a candidate. */
export function candidateOf(entry: TwinEntry): TwinCandidate {
  return { id: entry.id, objectId: entry.objectId, source: entry.source, start: entry.start, version: twinVersionOf(entry), diff: entry.source === "watch" ? entry.diff : null };
}

/** Whether an audit entry would take a watch twin's diff: it has a version and no diff of its own. */
export const wantsWatchDiff = (entry: TwinEntry) => entry.source === "audit" && !hasDiff(entry.diff) && twinVersionOf(entry) !== null;

/**
 * Whether an entry's twin may lie outside the loaded range [start, end): a watch entry, or an
 * audit entry that would take a diff, less than TWIN_WINDOW_MICROS from an edge.
 */
export function mayHaveTwinOutside(entry: TwinEntry, start: number, end: number): boolean {
  const nearEdge = entry.start < start + TWIN_WINDOW_MICROS || entry.start >= end - TWIN_WINDOW_MICROS;
  if (!nearEdge) return false;
  return entry.source === "watch" ? twinVersionOf(entry) !== null : wantsWatchDiff(entry);
}

/**
 * Pairs each watch candidate with the audit candidate of its object and version nearest in
 * time within the window (ties: the lower id). Returns watch id → audit id, and audit id → the
 * watch entries paired with it (one, unless two watches saw one version), nearest first (ties:
 * the lower id), whatever order the candidates came in.
 */
function pairTwins(candidates: Iterable<TwinCandidate>): { auditOfWatch: Map<number, number>; watchesOfAudit: Map<number, TwinCandidate[]> } {
  const auditsByVersion = new Map<string, TwinCandidate[]>();
  const watches: TwinCandidate[] = [];
  for (const c of candidates) {
    if (c.version === null) continue;
    if (c.source === "watch") watches.push(c);
    else if (c.source === "audit") {
      const key = `${c.objectId}@${c.version}`;
      const list = auditsByVersion.get(key);
      if (list) list.push(c);
      else auditsByVersion.set(key, [c]);
    }
  }
  const auditOfWatch = new Map<number, number>();
  const watchesOfAudit = new Map<number, TwinCandidate[]>();
  for (const watch of watches) {
    let best: TwinCandidate | null = null;
    for (const audit of auditsByVersion.get(`${watch.objectId}@${watch.version}`) ?? []) {
      const gap = Math.abs(audit.start - watch.start);
      if (gap > TWIN_WINDOW_MICROS) continue;
      const bestGap = best === null ? Infinity : Math.abs(best.start - watch.start);
      if (gap < bestGap || (gap === bestGap && audit.id < best!.id)) best = audit;
    }
    if (best === null) continue;
    auditOfWatch.set(watch.id, best.id);
    const list = watchesOfAudit.get(best.id);
    if (list) list.push(watch);
    else watchesOfAudit.set(best.id, [watch]);
  }
  const auditStart = new Map([...auditsByVersion.values()].flat().map((audit) => [audit.id, audit.start]));
  for (const [auditId, paired] of watchesOfAudit) {
    const start = auditStart.get(auditId)!;
    paired.sort((a, b) => Math.abs(a.start - start) - Math.abs(b.start - start) || a.id - b.id);
  }
  return { auditOfWatch, watchesOfAudit };
}

/**
 * SQL: whether watch entry `w` (an alias of history_entries) has an audit twin, i.e. whether
 * foldWatchTwins leaves it out: a version to pair (twinVersionOf) and an audit entry of its
 * object and version, not a no-op, at most TWIN_WINDOW_MICROS away (which one, pairTwins
 * decides; that there is one, this). For views that count entries without loading them
 * (search.ts). `range` (SQL timestamps) bounds where the watch entries began: with it the audit
 * entries are read only around that range, whether the planner probes history_object_time_idx
 * for each watch entry or reads them once and hashes them by version.
 */
export function watchEntryHasAuditTwin(w: string, range?: { from: string; to: string }): string {
  const window = `interval '${TWIN_WINDOW_MICROS} microseconds'`;
  const aroundRange = range ? `AND twin.start_time >= ${range.from}::timestamptz - ${window} AND twin.start_time <= ${range.to}::timestamptz + ${window}` : "";
  return `(
  ${versionOf(w)} <> '' AND ${w}.details->>'watchEvent' IS DISTINCT FROM 'GONE'
  AND EXISTS (
    SELECT 1 FROM history_entries twin
     WHERE twin.object_id = ${w}.object_id ${aroundRange}
       AND twin.start_time >= ${w}.start_time - ${window} AND twin.start_time <= ${w}.start_time + ${window}
       AND twin.source = 'audit' AND NOT twin.noop
       AND ${versionOf("twin")} = ${w}.details->>'resourceVersionAfter'))`;
}

/**
 * SQL: the details.resourceVersionAfter of entry `h` as twinVersionOf reads it: a JSON string
 * only (a data source may write a number, which `->>` would turn into text), else NULL.
 */
function versionOf(h: string): string {
  return `CASE WHEN json_typeof(${h}.details->'resourceVersionAfter') = 'string' THEN ${h}.details->>'resourceVersionAfter' END`;
}

/**
 * `entries` (one or more objects', in any order) with every watch entry that has an audit twin
 * left out, and every audit entry without a diff of its own given its twin's, with details
 * `diffFrom: "watch"` and `diffFromEntryId`. `outside` are candidates that are not in `entries`
 * (near the range, loaded by loadOutsideCandidates): they pair, and are never returned.
 * Order is kept.
 */
export function foldWatchTwins<E extends TwinEntry>(entries: E[], outside: readonly TwinCandidate[] = []): E[] {
  if (!entries.some((entry) => entry.source === "watch") && !outside.some((c) => c.source === "watch")) return entries;
  const loaded = new Set(entries.map((entry) => entry.id));
  const candidates = [...entries.map(candidateOf), ...outside.filter((c) => !loaded.has(c.id))];
  const { auditOfWatch, watchesOfAudit } = pairTwins(candidates);
  const folded: E[] = [];
  for (const entry of entries) {
    if (entry.source === "watch" && auditOfWatch.has(entry.id)) continue;
    const lender = entry.source === "audit" && !hasDiff(entry.diff) ? (watchesOfAudit.get(entry.id) ?? []).find((watch) => hasDiff(watch.diff)) : undefined;
    folded.push(lender ? { ...entry, diff: lender.diff, details: { ...entry.details, [DIFF_FROM_KEY]: "watch", [DIFF_FROM_ENTRY_KEY]: lender.id } } : entry);
  }
  return folded;
}

/**
 * The audit and watch entries of `objectIds` that began in [from, to): the candidates of an
 * edge of a range (history_object_time_idx). Only a watch entry's diff is read.
 */
export const TWIN_CANDIDATES_SQL = `
  SELECT h.id, h.object_id AS "objectId", h.source, (extract(epoch from h.start_time) * 1000000)::bigint AS start,
         ${versionOf("h")} AS "resourceVersionAfter", h.details->>'watchEvent' AS "watchEvent", h.noop,
         CASE WHEN h.source = 'watch' THEN h.diff END AS diff
    FROM history_entries h
   WHERE h.object_id = ANY($1::bigint[]) AND h.start_time >= $2 AND h.start_time < $3 AND h.source IN ('audit', 'watch')`;

interface CandidateRow {
  id: number | string;
  objectId: number | string;
  source: TraceEntry["source"];
  start: number | string;
  resourceVersionAfter: string | null;
  watchEvent: string | null;
  noop: boolean;
  diff: DiffEntry[] | null;
}

function candidateOfRow(row: CandidateRow): TwinCandidate {
  const details = { ...(row.resourceVersionAfter !== null ? { resourceVersionAfter: row.resourceVersionAfter } : {}), ...(row.watchEvent !== null ? { watchEvent: row.watchEvent } : {}) };
  return {
    id: Number(row.id),
    objectId: Number(row.objectId),
    source: row.source,
    start: Number(row.start) as EpochMicros,
    version: twinVersionOf({ source: row.source, details, noop: row.noop }),
    diff: row.source === "watch" ? row.diff : null,
  };
}

const asDate = (micros: number) => new Date(Math.floor(micros / 1000));

/** The candidates of `objectIds` that began in [fromMicros, toMicros) (ms precision, widened outward). */
export async function loadTwinCandidates(sql: Sql, objectIds: number[], fromMicros: number, toMicros: number): Promise<TwinCandidate[]> {
  if (objectIds.length === 0 || toMicros <= fromMicros) return [];
  const rows = (await sql.query<CandidateRow>(TWIN_CANDIDATES_SQL, [objectIds, asDate(fromMicros), asDate(toMicros + 999)])).rows;
  return rows.map(candidateOfRow);
}

/**
 * The candidates outside `entries`' range [start, end) that decide their twins: those of the
 * objects that have an entry near an edge with a version to pair, within TWIN_REACH_MICROS
 * before and after the range (a twin outside it lies within the window, and the audit entries
 * that decide whose twin it is within the window of that). No query when no entry needs them.
 */
export async function loadOutsideCandidates(sql: Sql, entries: TwinEntry[], start: number, end: number): Promise<TwinCandidate[]> {
  const ids = [...new Set(entries.filter((entry) => mayHaveTwinOutside(entry, start, end)).map((entry) => entry.objectId))].sort((a, b) => a - b);
  if (ids.length === 0) return [];
  const [before, after] = await Promise.all([loadTwinCandidates(sql, ids, start - TWIN_REACH_MICROS, start), loadTwinCandidates(sql, ids, end, end + TWIN_REACH_MICROS)]);
  return [...before, ...after];
}

/**
 * One entry as the views show it (the side panel's whole entry): an audit entry without a diff
 * with its watch twin's, paired as on its lane (the candidates within TWIN_REACH_MICROS of it,
 * through foldWatchTwins); any other entry as it is. One query, only for an entry that would take a diff.
 */
export async function foldWatchTwinOf<E extends TwinEntry>(sql: Sql, entry: E): Promise<E> {
  if (!wantsWatchDiff(entry)) return entry;
  const candidates = await loadTwinCandidates(sql, [entry.objectId], entry.start - TWIN_REACH_MICROS, entry.start + TWIN_REACH_MICROS + 1);
  return foldWatchTwins([entry], candidates)[0] ?? entry;
}
