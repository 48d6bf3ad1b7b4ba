/**
 * A time range [from, to) takes every history entry that overlaps it: started before `to`, ended
 * at or after `from`. An entry that began before the range and was still running at its start (a
 * `kubectl exec` session, a slow request) is part of what happened in it.
 *
 * The indexes are on start_time. Adding `end_time >= from` to the scan that reads them makes the
 * planner take that condition for independent of start_time and cut its row estimate, and it then
 * trades the index read backwards with a LIMIT for a hash join that reads every matching entry
 * (docs/benchmarks.md, "Entries that overlap a range: merged, measured, reverted"). So a range is
 * asked in three parts, each a SELECT of its own under UNION ALL, planned on its own:
 *
 * - **began**: `start_time >= from AND start_time < to`, the condition ranges had before,
 *   unchanged, so that its plan is the one it was.
 * - **recent**: began at most LONG_ENTRY before `from` and ends at or after it: a short range of
 *   start_time, read from the same indexes.
 * - **long**: began more than LONG_ENTRY before `from` and ends at or after it. Such an entry
 *   lasted more than LONG_ENTRY, which the condition says as well, so that the partial index of
 *   long entries by end (history_long_end_time_idx, migration 20261208120000) serves it: few
 *   entries last that long.
 *
 * Every entry that overlaps the range is in exactly one part, given end_time >= start_time (ingest
 * and migration 20261208120000 make sure of it: server/ingest/audit/convert.ts). The parts split
 * start_time at `from - LONG_ENTRY` and `from`, so no entry is in two. An entry that overlaps the
 * range began before `to`: at or after `from` it is in began; before it, it ended at or after
 * `from` (it overlaps), and it is in recent when it began at most LONG_ENTRY before `from`, else
 * it began more than LONG_ENTRY before `from` and ended at or after `from`, so it lasted more than
 * LONG_ENTRY: it is in long. Conversely every entry of a part overlaps the range (began: it
 * started in it and ends no earlier). So `end_time == from` is in, `start_time == to` is out.
 */

/**
 * The length past which an entry is long: the apiserver ends a request after a minute by default
 * (--request-timeout) unless it is long-running (exec, attach, port-forward, proxy, watches; only
 * watches are not stored), so the long entries are the sessions and the few requests that ran into
 * the timeout. The part "recent" reads this much of start_time before every range: for a search
 * with no criteria on a busy cluster, every entry of that stretch, filtered by end_time (at a
 * hundred writes a second, 6,000 a minute). The part "long" reads every long entry that ends in or
 * after the range. Longer, and the first grows; shorter, and slow requests become long ones.
 */
export const LONG_ENTRY = "interval '1 minute'";

/**
 * SQL: whether entry `h` lasted more than LONG_ENTRY, written word for word as the predicate of
 * history_long_end_time_idx: the planner uses a partial index only for conditions it can prove
 * imply its predicate, which it does by comparing expressions (a parameter in place of the
 * interval would not do). `IS TRUE`, so that the planner estimates it from the statistics
 * migration 20261208120000 keeps on the comparison inside, and knows long entries are few (the
 * migration says why).
 */
export const isLongEntry = (h: string) => `(${h}.end_time - ${h}.start_time > ${LONG_ENTRY}) IS TRUE`;

/** The parts a range is asked in (see above). */
export type RangePart = "began" | "recent" | "long";
export const RANGE_PARTS: readonly RangePart[] = ["began", "recent", "long"];
/** The parts of the entries that began before the range and were still running at its start. */
export const RUNNING_PARTS: readonly RangePart[] = ["recent", "long"];

/**
 * SQL: the condition on history entries `h` of one part of [`from`, `to`) (SQL expressions, most
 * often parameters). "began" is `h.start_time >= from AND h.start_time < to` word for word.
 */
export function rangePartCondition(part: RangePart, h: string, from: string, to: string): string {
  switch (part) {
    case "began":
      return `${h}.start_time >= ${from} AND ${h}.start_time < ${to}`;
    case "recent":
      return `${h}.start_time >= ${from}::timestamptz - ${LONG_ENTRY} AND ${h}.start_time < ${from} AND ${h}.end_time >= ${from}`;
    case "long":
      return `${isLongEntry(h)} AND ${h}.start_time < ${from}::timestamptz - ${LONG_ENTRY} AND ${h}.end_time >= ${from}`;
  }
}

/**
 * SQL: the statement `select` makes of a part's condition on history entries `h` of [`from`,
 * `to`), for each of `parts`, under UNION ALL: with every part, every entry that overlaps the
 * range, once. Each is parenthesised, so that it may hold its own ORDER BY and LIMIT.
 */
export function overRangeParts(select: (range: string) => string, h: string, from: string, to: string, parts: readonly RangePart[] = RANGE_PARTS): string {
  return parts.map((part) => `(${select(rangePartCondition(part, h, from, to))})`).join("\n UNION ALL ");
}
