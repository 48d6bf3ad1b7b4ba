import type { Sql } from "../store/database";
import { findTraceRoots, type TraceRoot } from "./trace/search";
import type { EpochMicros } from "./trace/types";
import { FIRST_STORABLE_MS } from "../store/storableTime";

/**
 * The dashboard's object search: findTraceRoots (trace/search.ts) with the criteria a person
 * types, an optional range, and an answer in plain JSON (times in epoch milliseconds).
 */
export interface ObjectSearch {
  cluster?: string;
  namespace?: string;
  kind?: string;
  /** Exact, or a pattern where `*` stands for any run of characters. */
  name?: string;
  /** Exact: who made an entry, or who impersonated them. */
  user?: string;
  /** Absent: the store's first instant (any time before `to`, 1970 no bound: a clock can be set before it). */
  from?: Date;
  /** Absent: a day from now (see FUTURE_SLACK_MS). */
  to?: Date;
  limit: number;
}

/**
 * How far past now a search without an end looks: entries stamped by an apiserver whose clock
 * runs ahead still show.
 */
export const FUTURE_SLACK_MS = 24 * 60 * 60 * 1000;

export interface FoundObject {
  /** objects.id: the object page's id (`/objects/{id}`). */
  id: number;
  cluster: string;
  /** null when no source told it (the resource says what it is). */
  kind: string | null;
  resource: string;
  /** "" for the core group. */
  apiGroup: string;
  /** "" for cluster-scoped objects. */
  namespace: string;
  name: string;
  deleted: boolean;
  /** Epoch milliseconds; null while the object lives. */
  deletedAt: number | null;
  /** Start of its first matching entry that overlaps the range (epoch ms; before the range for one that ran into it). */
  firstEntry: number;
  /** Start of its last matching entry that overlaps the range (epoch ms). */
  lastEntry: number;
  /** How many of its entries overlap the range and match. */
  entryCount: number;
}

export interface ObjectSearchResult {
  /** The range searched, [from, to) in epoch milliseconds: the one asked, or its defaults. */
  range: { from: number; to: number };
  /** Most recently active first. */
  objects: FoundObject[];
  /** More objects matched than `limit`: the rest are less recently active. */
  more: boolean;
}

const millis = (value: EpochMicros): number => Math.floor(value / 1000);

/** The range a search covers: the one asked, the store's first instant for a missing start, a day from `now` for a missing end. */
export function searchRangeOf(search: Pick<ObjectSearch, "from" | "to">, now: Date): { start: Date; end: Date } {
  return { start: search.from ?? new Date(FIRST_STORABLE_MS), end: search.to ?? new Date(now.getTime() + FUTURE_SLACK_MS) };
}

function foundObjectOf(root: TraceRoot): FoundObject {
  return {
    id: root.id,
    cluster: root.cluster,
    kind: root.kind,
    resource: root.resource,
    apiGroup: root.apiGroup,
    namespace: root.namespace,
    name: root.name,
    deleted: root.deletedAt !== null,
    deletedAt: root.deletedAt === null ? null : millis(root.deletedAt),
    firstEntry: millis(root.firstEntry),
    lastEntry: millis(root.lastEntry),
    entryCount: root.entryCount,
  };
}

/** Objects matching `search` with activity in its range, most recently active first, at most `limit`. */
export async function searchObjects(sql: Sql, search: ObjectSearch, now = new Date()): Promise<ObjectSearchResult> {
  const { start, end } = searchRangeOf(search, now);
  const { cluster, namespace, kind, name, user } = search;
  // One more than asked tells whether there are more.
  const roots = await findTraceRoots(sql, { cluster, namespace, kind, name, user, start, end, limit: search.limit + 1 });
  return {
    range: { from: start.getTime(), to: end.getTime() },
    objects: roots.slice(0, search.limit).map(foundObjectOf),
    more: roots.length > search.limit,
  };
}
