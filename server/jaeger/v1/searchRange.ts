import { ParamError } from "../params";

/**
 * The time range of a v1 search (`GET /api/traces`), as Jaeger's query service sets it
 * (cmd/query/app/query_parser.go in Jaeger 1.x): `end` defaults to now and `start` to 2 days
 * before now — not before `end` — and `lookback` is not read (Jaeger UI sends it beside the
 * start and end it computed from it).
 */

/** How far back a search without `start` reaches: the query service's default, 2 days. */
export const DEFAULT_LOOKBACK_MICROS = 2 * 86_400 * 1e6;

/**
 * `[start, end)` in microseconds since the epoch. Throws ParamError when start is after end,
 * which Jaeger's parser lets through and its stores (Cassandra, Elasticsearch, Badger) refuse
 * as a 500: here it is the caller's mistake, a 400 that says which parameter to change.
 */
export function searchRangeOf(query: { start?: number; end?: number }, nowMicros: number): { start: number; end: number } {
  const end = query.end ?? nowMicros;
  if (query.start === undefined) {
    const start = nowMicros - DEFAULT_LOOKBACK_MICROS;
    if (start > end) throw new ParamError("end", "'end' should not be before 'start', which is 2 days before now when not given");
    return { start, end };
  }
  if (query.start > end) throw new ParamError("start", "'start' should not be after 'end'");
  return { start: query.start, end };
}
