import { prepared, type Sql } from "./database";
import { int4Array, textArray, timestamptzArray } from "./arrayParam";
import { detailsJson } from "./auditWriter";
import type { AuditWrite, JsonObject } from "../ingest/audit/types";

/**
 * One history entry per session in a Pod (`kubectl exec`, `attach`, `port-forward`), whichever of
 * its stages comes first. kube-apiserver logs the session at ResponseStarted when it opens and at
 * ResponseComplete (or Panic) when it ends, hours later maybe, or never (the apiserver restarted,
 * the log was cut). The conversion makes each stage a write, marked details.session "open" or
 * "closed" (server/ingest/audit/convert.ts); here, in the batch's transaction behind the advisory
 * lock of the Pod's name (both stages name the same Pod, so batches holding the two stages of a
 * session run one after the other, and each sees what the other committed):
 *
 * - an opening stage whose session is closed in the same batch, or has an entry already (its
 *   ResponseComplete came first: a log imported out of order, a retried batch), writes nothing:
 *   its receipt is kept, as a duplicate's is;
 * - a closing stage whose session's open entry is stored updates that entry (end, status, title,
 *   stage, details) instead of adding one, and goes on to planWrites for the rest (the Pod's
 *   last_seen), which adds no entry for it (SessionsSettled.closed);
 * - any other session stage is stored as a new entry, as any write is.
 *
 * Sessions are rare: a batch without any costs one look at each write's details; with opening
 * stages, one SELECT by audit_id; with closing stages, one UPDATE by audit_id (its hash index),
 * each matching the request's start too (sessionKeyOf).
 */

export interface SessionsSettled {
  /** Opening stages left out of the batch's writes: their receipt is all they store. */
  superseded: number;
  /** Closing stages whose open entry was updated: planWrites must add no entry for them. */
  closed: ReadonlySet<AuditWrite>;
}

const NONE: SessionsSettled = { superseded: 0, closed: new Set() };

/**
 * Settles the sessions among `writes` (the batch's new writes, their objects locked): removes from
 * `writes`, in place, the opening stages that must write nothing, and closes the stored open
 * entries the closing stages end. Run before planWrites, in the same transaction.
 */
export async function settleSessions(sql: Sql, clusterId: number, writes: AuditWrite[]): Promise<SessionsSettled> {
  const closing = new Map<string, AuditWrite>();
  let opening = false;
  for (const write of writes) {
    if (write.details.session === "open") opening = true;
    else if (write.details.session === "closed") closing.set(sessionKeyOf(write.auditId, write.startTime), write);
  }
  if (!opening && closing.size === 0) return NONE;

  const openedHere = writes.filter((w) => w.details.session === "open" && !closing.has(sessionKeyOf(w.auditId, w.startTime)));
  const [stored, closed] = await Promise.all([sessionsStored(sql, clusterId, openedHere), closeOpenEntries(sql, clusterId, [...closing.values()])]);
  let kept = 0;
  for (const write of writes) {
    const key = sessionKeyOf(write.auditId, write.startTime);
    const supersededOpen = write.details.session === "open" && (closing.has(key) || stored.has(key));
    if (!supersededOpen) writes[kept++] = write;
  }
  const superseded = writes.length - kept;
  writes.length = kept;
  return { superseded, closed: new Set([...closing.entries()].filter(([key]) => closed.has(key)).map(([, write]) => write)) };
}

/**
 * A session's stages by their auditID and the time its request was received, which both stages
 * tell alike and the entry keeps as its start: a client may send another request's Audit-ID, which
 * kube-apiserver keeps, so the auditID alone could pair one user's exec with another's (AuditWrite.requestReceived).
 */
function sessionKeyOf(auditId: string, startTime: Date): string {
  // Milliseconds, as a Date holds them (the SQL compares them so).
  return `${auditId}\u0000${startTime.getTime()}`;
}

/** Of the sessions of `opens`, those that have an entry already: closed by their ResponseComplete, or open. */
export const SESSIONS_STORED_SQL = `SELECT DISTINCT h.audit_id, h.start_time FROM unnest($2::text[], $3::timestamptz[]) AS k(audit_id, start_time)
  JOIN history_entries h ON h.audit_id = k.audit_id AND h.cluster_id = $1 AND date_trunc('milliseconds', h.start_time) = k.start_time`;

async function sessionsStored(sql: Sql, clusterId: number, opens: readonly AuditWrite[]): Promise<Set<string>> {
  if (opens.length === 0) return new Set();
  const result = await sql.query<{ audit_id: string; start_time: Date | string }>(prepared("kt_sessions_stored", SESSIONS_STORED_SQL), [
    clusterId,
    textArray(opens.map((w) => w.auditId)),
    timestamptzArray(opens.map((w) => w.startTime)),
  ]);
  return new Set(result.rows.map((row) => sessionKeyOf(row.audit_id, new Date(row.start_time))));
}

/**
 * Closes each session's open entry with its closing stage. The details are the closing stage's
 * over the open entry's, so that what only the store knew when the session opened (the Pod's
 * resourceVersionBefore) stays.
 */
export const CLOSE_OPEN_ENTRIES_SQL = `UPDATE history_entries h
    SET end_time = t.end_time, status_code = t.status_code, title = t.title, stage = t.stage, details = (h.details::jsonb || t.details::jsonb)::json
   FROM unnest($2::text[], $3::timestamptz[], $4::int[], $5::text[], $6::text[], $7::text[], $8::timestamptz[]) AS t(audit_id, end_time, status_code, title, stage, details, start_time)
  WHERE h.audit_id = t.audit_id AND h.cluster_id = $1 AND date_trunc('milliseconds', h.start_time) = t.start_time AND h.stage = 'ResponseStarted'
  RETURNING h.audit_id, h.start_time`;

async function closeOpenEntries(sql: Sql, clusterId: number, closes: readonly AuditWrite[]): Promise<Set<string>> {
  if (closes.length === 0) return new Set();
  const result = await sql.query<{ audit_id: string; start_time: Date | string }>(prepared("kt_close_open_sessions", CLOSE_OPEN_ENTRIES_SQL), [
    clusterId,
    textArray(closes.map((w) => w.auditId)),
    timestamptzArray(closes.map((w) => w.endTime)),
    int4Array(closes.map((w) => w.statusCode)),
    textArray(closes.map((w) => w.title)),
    textArray(closes.map((w) => w.stage)),
    textArray(closes.map(closedDetailsText)),
    timestamptzArray(closes.map((w) => w.startTime)),
  ]);
  return new Set(result.rows.map((row) => sessionKeyOf(row.audit_id, new Date(row.start_time))));
}

/** The closing stage's details as its own entry would store them (auditWriter.ts), closed even when it tells a failure. */
function closedDetailsText(write: AuditWrite): string {
  const details: JsonObject = { ...(write.details as unknown as JsonObject), level: write.level, stage: write.stage, session: "closed" };
  return detailsJson(details, null, false);
}
