import type { Sql } from "../store/database";
import type { Trace } from "../query/trace/types";
import { buildTrace } from "../query/trace/buildTrace";
import type { AssembleOptions } from "../query/trace/assemble";
import { findTraceRoots, type TraceRoot } from "../query/trace/search";
import { decodeTraceId, MAX_SECONDS, traceQueryOf, TraceIdError } from "../query/trace/traceId";
import type { TraceView } from "./operations";
import { criteriaOf, narrow, type ObjectCriteria } from "./searchTags";
import { serviceFilters } from "./services";
import { rootSpanOf } from "./traceShape";

/**
 * Trace search, the same for both dialects: each object matching the criteria gives one
 * trace, built with the view's modes over the searched range.
 */
export interface TraceSearch {
  /** Objects matching any of these are found; none: nothing can match. */
  criteria: ObjectCriteria[];
  view: TraceView;
  /** Microseconds since the epoch, [start, end). */
  start: number;
  end: number;
  /** Bounds on the duration of a trace's root span, in microseconds. */
  minDuration?: number;
  maxDuration?: number;
  limit: number;
}

/** The part of the app the Jaeger handlers use. */
export interface JaegerDeps {
  db: Sql;
  config: { traceMaxDepth: number };
}

/** How deep traces may reach (KUBETRAIL_TRACE_MAX_DEPTH). */
export const assembleOptionsOf = (deps: JaegerDeps): AssembleOptions => ({ maxDepth: deps.config.traceMaxDepth });

export const DEFAULT_SEARCH_LIMIT = 20;
export const MAX_SEARCH_LIMIT = 1500;
/** Traces built at once: enough to overlap database round trips, few enough to leave connections for others. */
const BUILD_CONCURRENCY = 4;

/** `limit` as asked, defaulted and capped. */
export function searchLimitOf(limit: number | undefined): number {
  return limit === undefined || limit <= 0 ? DEFAULT_SEARCH_LIMIT : Math.min(limit, MAX_SEARCH_LIMIT);
}

function rootDurationOf(trace: Trace): number {
  return rootSpanOf(trace)?.duration ?? 0;
}

/**
 * The criteria of a search by a service (a kind; `*` or none: any) and tags: one set per way the
 * service's objects are stored (see serviceFilters), none when nothing can match. Throws
 * UnknownTagError for a tag we can't search by.
 */
export async function searchCriteria(sql: Sql, service: string | undefined, tags: Record<string, string>): Promise<ObjectCriteria[]> {
  const base = criteriaOf(tags);
  if (base === null) return [];
  const filters = await serviceFilters(sql, service);
  if (filters === null) return [base];
  return filters.flatMap((filter) => narrow(base, filter) ?? []);
}

/**
 * Objects matching any of the criteria, most recently active first, at most `limit`; their
 * entries counted as stored (the traces built from them say what they show).
 */
async function findRoots(sql: Sql, criteria: ObjectCriteria[], range: { start: Date; end: Date }, limit: number): Promise<TraceRoot[]> {
  const found = await Promise.all(criteria.map((c) => findTraceRoots(sql, { ...c, ...range, limit }, { entryCounts: "stored" })));
  if (found.length === 1) return found[0]!;
  const byId = new Map(found.flat().map((root) => [root.id, root]));
  return [...byId.values()].sort((a, b) => b.lastEntry - a.lastEntry || b.id - a.id).slice(0, limit);
}

/** The traces a search finds, most recently active objects first. */
export async function searchTraces(sql: Sql, search: TraceSearch, options: AssembleOptions = {}): Promise<Trace[]> {
  // Trace IDs hold times from 1970 to 2106: a range beyond that is searched as far as it can be.
  const startMicros = Math.max(search.start, 0);
  const endMicros = Math.min(search.end, MAX_SECONDS * 1e6);
  if (search.criteria.length === 0 || endMicros <= startMicros) return [];
  const filtersDuration = search.minDuration !== undefined || search.maxDuration !== undefined;
  const start = new Date(Math.floor(startMicros / 1000));
  const end = new Date(Math.ceil(endMicros / 1000));
  // A duration filter can only be applied to built traces: look further, stop at the limit.
  const roots = await findRoots(sql, search.criteria, { start, end }, filtersDuration ? MAX_SEARCH_LIMIT : search.limit);
  const traces: Trace[] = [];
  for (let i = 0; i < roots.length && traces.length < search.limit; i += BUILD_CONCURRENCY) {
    const batch = roots.slice(i, i + BUILD_CONCURRENCY);
    const built = await Promise.all(
      batch.map((root) => buildTrace(sql, traceQueryOf({ rootObjectId: root.id, displayMode: search.view.displayMode, relationMode: search.view.relationMode, start, end }), options)),
    );
    for (const trace of built) {
      if (trace === null || trace.spans.length === 0) continue;
      const duration = rootDurationOf(trace);
      if (search.minDuration !== undefined && duration < search.minDuration) continue;
      if (search.maxDuration !== undefined && duration > search.maxDuration) continue;
      if (traces.length < search.limit) traces.push(trace);
    }
  }
  return traces;
}

/**
 * The traces of `traceIds`, in their order (null for an unknown one), BUILD_CONCURRENCY at a
 * time: a URL can name hundreds (`/api/traces?traceID=…&traceID=…`), and building them all at
 * once would take every connection of the pool.
 */
export async function tracesById(sql: Sql, traceIds: readonly string[], options: AssembleOptions = {}): Promise<Array<Trace | null>> {
  const traces: Array<Trace | null> = [];
  for (let i = 0; i < traceIds.length; i += BUILD_CONCURRENCY) {
    traces.push(...(await Promise.all(traceIds.slice(i, i + BUILD_CONCURRENCY).map((id) => traceById(sql, id, options)))));
  }
  return traces;
}

/** The trace a (normalized, 32 hex) trace ID stands for; null when there is none. */
export async function traceById(sql: Sql, traceId: string, options: AssembleOptions = {}): Promise<Trace | null> {
  let query;
  try {
    query = decodeTraceId(traceId);
  } catch (error) {
    // Well-formed hex that no Kubetrail query encodes: an unknown trace, not a bad request.
    if (error instanceof TraceIdError) return null;
    throw error;
  }
  const trace = await buildTrace(sql, query, options);
  return trace && trace.spans.length > 0 ? trace : null;
}
