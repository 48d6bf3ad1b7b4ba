import { prepared, type Sql, type SqlResult } from "./database";

/**
 * How long before a time range an entry that overlaps it can have started.
 *
 * A range [from, to) takes every history entry that overlaps it: started before `to`, ended at or
 * after `from` (so an instant entry at `from` is in it). The indexes are on (…, start_time): a
 * query reads them from `from` minus the longest any stored entry has lasted, and no further. The
 * store keeps that bound in the settings row LONGEST_ENTRY_SETTING, in microseconds. Ingest raises
 * it in the transaction that stores a longer entry, so no query sees the entry without the bound;
 * nothing lowers it (retention leaves it): a bound too long makes a query read more, never miss an
 * entry. docs/storage.md, "Entries that overlap a range", tells what it costs.
 *
 * A query is given the bound as a parameter, the one this process last saw: the planner then
 * knows where the range it reads begins, as it knew when ranges began at `from` (read from the
 * settings row inside the statement, the bound is a value the planner learns only as the statement
 * runs, and it takes such a range for a nearly empty one: it read a trace's entries through
 * history_start_time_idx rather than the objects' own index). The statement checks, once and
 * before it reads anything, that the stored bound is not longer (check_longest_entry, migration
 * 20261207120000): when it has grown since, the statement fails with LONGEST_ENTRY_GREW and
 * queryOverlapping runs it again with the new one. So a question stays one statement, and two
 * more the first time after the bound grows.
 *
 * Every entry has an end: an audit event without a stageTimestamp is taken as instant, and so is
 * one whose stage came before its request was received (server/ingest/audit/convert.ts). So
 * end_time ≥ start_time holds for every row, and an entry ended before `from` is one whose
 * end_time is.
 */

export const LONGEST_ENTRY_SETTING = "history_longest_entry_us";

/** The SQLSTATE of check_longest_entry when the stored bound is longer than the one it was given. */
export const LONGEST_ENTRY_GREW = "KT001";

/**
 * SQL: history entries `h` that overlap [`from`, `to`), read back `longest` microseconds (all
 * three parameters). The start_time conditions are the index's range; the end_time one filters
 * what it reads. A statement using it must also hold checkLongestEntry(`longest`).
 */
export function overlapsRange(h: string, from: string, to: string, longest: string): string {
  return `${h}.start_time >= ${from}::timestamptz - ${longest}::bigint * interval '1 microsecond' AND ${h}.start_time < ${to} AND ${h}.end_time >= ${from}`;
}

/**
 * SQL: the condition that the stored bound is at most `longest`; it fails the statement when not.
 * It names no row, so the planner checks it once, before reading anything: put it in the
 * statement's outer WHERE, not in a subquery run once per row.
 */
export const checkLongestEntry = (longest: string) => `check_longest_entry(${longest}::bigint)`;

/** How long an entry lasted, in microseconds (its times are stored as JavaScript Dates hold them: whole milliseconds). */
export function entryMicros(startTime: Date, endTime: Date): number {
  return Math.max(0, endTime.getTime() - startTime.getTime()) * 1000;
}

/**
 * The longest bound this process has seen committed, in microseconds: what queries are given.
 * One for the process, whichever database: a bound longer than a store's only reads more of it.
 */
let knownLongest = 0;

export function knownLongestEntry(): number {
  return knownLongest;
}

/** Takes note of a bound seen committed (a query's check, an ingest transaction's raise). */
export function learnLongestEntry(micros: number): void {
  if (micros > knownLongest) knownLongest = micros;
}

/**
 * Runs the statement `build` makes for the bound this process knows; when the store's bound has
 * grown past it, learns the new one and runs it again. Not inside a transaction: the failed
 * check would abort it.
 */
export async function queryOverlapping<Row>(sql: Sql, build: (longest: number) => { text: string; params: unknown[] }): Promise<SqlResult<Row>> {
  for (;;) {
    const known = knownLongestEntry();
    const { text, params } = build(known);
    try {
      return await sql.query<Row>(text, params);
    } catch (error) {
      if ((error as { code?: unknown } | null)?.code !== LONGEST_ENTRY_GREW) throw error;
      learnLongestEntry(await longestEntry(sql));
      // Only a bound that grew can fail the check again; one that did not would fail it forever.
      if (knownLongestEntry() <= known) throw error;
    }
  }
}

/**
 * Raises the bound to `micros` unless it is higher already; resolves with the bound as stored.
 * Concurrent transactions raising it wait for each other on the settings row (greatest(), so
 * neither lowers what the other stored). That row lock lasts until the transaction ends: an
 * ingest transaction sends this last, after every lock it takes on objects (else it could hold
 * the row while waiting for an object's lock that a batch waiting for the row holds), and only
 * when it stores an entry longer than the bound it last knew.
 */
export async function raiseLongestEntry(sql: Sql, micros: number): Promise<number> {
  const result = await sql.query<{ longest: string | number }>(
    prepared(
      "kt_raise_longest_entry",
      `INSERT INTO settings (key, value) VALUES ('${LONGEST_ENTRY_SETTING}', $1::bigint::text)
       ON CONFLICT (key) DO UPDATE SET value = greatest(settings.value::bigint, excluded.value::bigint)::text
       RETURNING value::bigint AS longest`,
    ),
    [micros],
  );
  return Number(result.rows[0]!.longest);
}

/** The bound as stored, in microseconds. */
export async function longestEntry(sql: Sql): Promise<number> {
  const result = await sql.query<{ longest: string | number }>(`SELECT coalesce(max(value::bigint), 0) AS longest FROM settings WHERE key = $1`, [LONGEST_ENTRY_SETTING]);
  return Number(result.rows[0]!.longest);
}
