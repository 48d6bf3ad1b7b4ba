import { parseDurationMs } from "../../config/duration";
import { ParamError, saturatingNumber } from "../params";

/**
 * The time range of a v1 search (`GET /api/traces`), as Jaeger's query service sets it
 * (cmd/query/app/query_parser.go in Jaeger 1.x): `end` defaults to now and `start` to 2 days
 * before now — not before `end`.
 *
 * One extension: Jaeger does not read `lookback` (Jaeger UI sends it beside the start and end it
 * computed from it, so it never matters there). Kubetrail reads it when `start` is not given, as
 * `end` minus the look-back: `lookback=7d` asks for the last week with no arithmetic in
 * microseconds, and Kubetrail keeps history for longer than any fixed window.
 */

/** How far back a search without `start` or `lookback` reaches: the query service's default, 2 days. */
export const DEFAULT_LOOKBACK_MICROS = 2 * 86_400 * 1e6;

/**
 * `[start, end)` in microseconds since the epoch; `start` and `end` exact, as given (any int64);
 * `lookbackMicros`, the parsed `lookback` (undefined when absent or `custom`). Throws ParamError
 * when start is after end, which Jaeger's parser lets through and its stores (Cassandra,
 * Elasticsearch, Badger) refuse as a 500: here it is the caller's mistake, a 400 that says which
 * parameter to change. Compared exactly, then saturated into Numbers: a time beyond what a
 * trace ID holds is searched as far as it reaches (searchTraces).
 */
export function searchRangeOf(query: { start?: bigint; end?: bigint; lookbackMicros?: number }, nowMicros: number): { start: number; end: number } {
  const end = query.end ?? BigInt(nowMicros);
  if (query.start === undefined) {
    if (query.lookbackMicros !== undefined) return { start: saturatingNumber(end) - query.lookbackMicros, end: saturatingNumber(end) };
    const start = BigInt(nowMicros - DEFAULT_LOOKBACK_MICROS);
    if (start > end) throw new ParamError("end", "'end' should not be before 'start', which is 2 days before now when not given");
    return { start: saturatingNumber(start), end: saturatingNumber(end) };
  }
  if (query.start > end) throw new ParamError("start", "'start' should not be after 'end'");
  return { start: saturatingNumber(query.start), end: saturatingNumber(end) };
}

/**
 * `lookback` in microseconds: undefined when absent or `custom` (Jaeger UI's word for a range it
 * gives in start and end), null when it is not a positive duration like `1h`, `2d` or `2w`.
 */
export function lookbackMicrosOf(value: string | undefined): number | undefined | null {
  if (value === undefined || value === "custom") return undefined;
  const ms = parseDurationMs(value);
  return ms === null || ms <= 0 ? null : ms * 1000;
}
