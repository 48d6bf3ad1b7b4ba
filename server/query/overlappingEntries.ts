/**
 * A time range [from, to) takes every history entry that overlaps it: started before `to`, ended
 * at or after `from`. An entry that began before the range and was still running at its start (a
 * `kubectl exec` session, a slow request) is part of what happened in it.
 *
 * The indexes are on start_time. Adding `end_time >= from` to the scan that reads them makes the
 * planner take that condition for independent of start_time and cut its row estimate, and it then
 * trades the index read backwards with a LIMIT for a hash join that reads every matching entry
 * (docs/benchmarks.md, "Entries that overlap a range: merged, measured, reverted"). So a range is
 * asked in four parts, each a SELECT of its own under UNION ALL, planned on its own:
 *
 * - **began**: `start_time >= from AND start_time < to`, the condition ranges had before,
 *   unchanged, so that its plan is the one it was.
 * - **recent**: began at most SLOW_ENTRY before `from` and ends at or after it: a second of
 *   start_time, read from the same indexes.
 * - **slow**: began more than SLOW_ENTRY but at most LONG_ENTRY before `from`, and ends at or after
 *   it. Such an entry lasted more than SLOW_ENTRY, which the condition says as well, so that the
 *   partial index of slow entries by start (history_slow_start_time_idx, migration
 *   20261209120000) serves it: a minute of the few entries that lasted more than a second, where
 *   the same minute of every entry is 6,000 on a cluster writing a hundred times a second.
 * - **long**: began more than LONG_ENTRY before `from` and ends at or after it. Such an entry
 *   lasted more than LONG_ENTRY, which the condition says as well, so that the partial index of
 *   long entries by end (history_long_end_time_idx, migration 20261208120000) serves it: few
 *   entries last that long.
 *
 * Every entry that overlaps the range is in exactly one part, given end_time >= start_time (ingest
 * and migration 20261208120000 make sure of it: server/ingest/audit/convert.ts). The parts split
 * start_time at `from - LONG_ENTRY`, `from - SLOW_ENTRY` and `from`, so no entry is in two. An entry
 * that overlaps the range began before `to`: at or after `from` it is in began; before it, it ended
 * at or after `from` (it overlaps). If it began at most SLOW_ENTRY before `from` it is in recent;
 * if it began more than SLOW_ENTRY before `from`, it lasted more than SLOW_ENTRY (from its start to
 * `from` and on), so it is in slow when it began at most LONG_ENTRY before `from`; else, by the
 * same argument, it lasted more than LONG_ENTRY: it is in long. Conversely every entry of a part
 * overlaps the range (began: it started in it and ends no earlier). So `end_time == from` is in,
 * `start_time == to` is out.
 */

/**
 * The length past which an entry is long: the apiserver ends a request after a minute by default
 * (--request-timeout) unless it is long-running (exec, attach, port-forward, proxy, watches; only
 * watches are not stored), so the long entries are the sessions and the few requests that ran into
 * the timeout. The part "slow" reads this much of the slow entries' index before every range (at
 * first the part "recent" read this much of every entry: at a hundred writes a second, 6,000 a
 * minute). The part "long" reads every long entry that ends in or after the range. Longer, and
 * "slow" grows; shorter, and slow requests become long ones.
 */
export const LONG_ENTRY = "interval '1 minute'";

/**
 * The length past which an entry is slow: a write takes milliseconds (the real ones of
 * falco-k8s-audit-traces, 5 to 45), and one that takes more than a second waited on something (an
 * admission webhook, etcd, a finalizer's delete, a session). The part "recent" reads this much of
 * start_time before every range: at a hundred writes a second, a hundred entries, where it read a
 * minute's 6,000 before the part "slow" took the rest of that minute through its own index. Shorter,
 * and ordinary writes fill that index and cost ingest an insert each; longer, and "recent" grows.
 */
export const SLOW_ENTRY = "interval '1 second'";

/**
 * SQL: whether entry `h` lasted more than SLOW_ENTRY, word for word the predicate of
 * history_slow_start_time_idx (see isLongEntry, which says why).
 */
export const isSlowEntry = (h: string) => `(${h}.end_time - ${h}.start_time > ${SLOW_ENTRY}) IS TRUE`;

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
export type RangePart = "began" | "recent" | "slow" | "long";
export const RANGE_PARTS: readonly RangePart[] = ["began", "recent", "slow", "long"];
/** The parts of the entries that began before the range and were still running at its start. */
export const RUNNING_PARTS: readonly RangePart[] = ["recent", "slow", "long"];

/**
 * SQL: the condition on history entries `h` of one part of [`from`, `to`) (SQL expressions, most
 * often parameters). "began" is `h.start_time >= from AND h.start_time < to` word for word.
 */
export function rangePartCondition(part: RangePart, h: string, from: string, to: string): string {
  switch (part) {
    case "began":
      return `${h}.start_time >= ${from} AND ${h}.start_time < ${to}`;
    case "recent":
      return `${h}.start_time >= ${from}::timestamptz - ${SLOW_ENTRY} AND ${h}.start_time < ${from} AND ${h}.end_time >= ${from}`;
    case "slow":
      return `${isSlowEntry(h)} AND ${h}.start_time >= ${from}::timestamptz - ${LONG_ENTRY} AND ${h}.start_time < ${from}::timestamptz - ${SLOW_ENTRY} AND ${h}.end_time >= ${from}`;
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
