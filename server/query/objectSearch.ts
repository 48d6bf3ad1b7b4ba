import { BUILTIN_SHORT_NAMES } from "../k8s/shortNames";
import type { Sql } from "../store/database";
import { listKinds, type KindRow } from "./kinds";
import { findTraceRoots, type TraceRoot, type TraceRootCriteria } from "./trace/search";
import type { EpochMicros } from "./trace/types";
import { FIRST_STORABLE_MS } from "../store/storableTime";

/**
 * The dashboard's object search: findTraceRoots (trace/search.ts) with the criteria a person
 * types, an optional range, and an answer in plain JSON (times in epoch milliseconds).
 */
export interface ObjectSearch {
  cluster?: string;
  namespace?: string;
  /** A kind in any case (`pod`), or its plural resource (`pods`): see kindCriteriaOf. */
  kind?: string;
  /** Exact, or a pattern where `*` stands for any run of characters. */
  name?: string;
  /** Exact: who made an entry, or who impersonated them. */
  user?: string;
  /** "cluster": cluster-scoped objects only (namespace ""), so namespace is absent. */
  scope?: "cluster";
  /** Absent: the store's first instant, 0001-01-01 (not the epoch: a clock can be set before 1970). */
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
  /**
   * How many of its entries overlap the range and match, as its page shows them (a write seen by
   * audit and a watch once) when `entryCountFolded`; else every stored entry, an upper bound.
   */
  entryCount: number;
  /** False for an object with too many watch entries in the range to pair for a count (trace/search.ts). */
  entryCountFolded: boolean;
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
    entryCountFolded: root.entryCountFolded,
  };
}

/** A criterion that names nothing the store can tell apart, e.g. a kind typed in a case two kinds share. */
export class SearchCriterionError extends Error {
  constructor(field: string, problem: string) {
    super(`${field}: ${problem}`);
  }
}

/**
 * The store's kinds (listKinds) that the kind typed in a search names: the kind itself in any
 * case (`pod`, `deployment`), or its plural resource as kubectl takes it (`pods`); with them the
 * objects of the same resources whose kind no source told. A kind spelled exactly as typed wins
 * over others spelled alike: two custom kinds may differ only in case.
 */
export function kindsNamed(text: string, kinds: KindRow[]): KindRow[] {
  const lower = text.toLowerCase();
  const exact = kinds.filter((row) => row.kind === text);
  const spelled = exact.length > 0 ? exact : kinds.filter((row) => row.kind?.toLowerCase() === lower || row.resource === lower);
  // kubectl's short names (`deploy`, `po`), as kubectl spells them (lower case: "Deploy" is a
  // part of a kind, not a short name), when no kind or resource of the store is spelled so.
  const aliased = BUILTIN_SHORT_NAMES.get(text) ?? [];
  const named = spelled.length > 0 ? spelled : kinds.filter((row) => aliased.some((alias) => alias.resource === row.resource && alias.apiGroup === row.apiGroup));
  const resourceOf = (row: KindRow) => `${row.resource}.${row.apiGroup}`;
  const resources = new Set(named.map(resourceOf));
  return kinds.filter((row) => named.includes(row) || (row.kind === null && resources.has(resourceOf(row))));
}

/**
 * findTraceRoots' criteria for the kinds a search names (kindsNamed); null when it names none.
 * One resource is asked by group and resource: objects_kinds_idx leads with them (a kind alone is
 * its third column), and the objects whose kind no source told are found too. Several (Ingress in `extensions` and
 * `networking.k8s.io`) by their one kind name.
 */
export function kindCriteriaOf(text: string, kinds: KindRow[]): Pick<TraceRootCriteria, "kind" | "resource" | "apiGroup"> | null {
  const rows = kindsNamed(text, kinds);
  if (rows.length === 0) return null;
  const resources = new Set(rows.map((row) => `${row.resource}.${row.apiGroup}`));
  if (resources.size === 1) return { resource: rows[0]!.resource, apiGroup: rows[0]!.apiGroup };
  const names = [...new Set(rows.flatMap((row) => (row.kind === null ? [] : [row.kind])))].sort();
  if (names.length > 1) throw new SearchCriterionError("kind", `${text} names several kinds (${names.join(", ")}): type one as it is spelled`);
  return { kind: names[0]! };
}

/**
 * Objects matching `search` with activity in its range, most recently active first, at most
 * `limit`. Throws SearchCriterionError for a kind that names several.
 */
export async function searchObjects(sql: Sql, search: ObjectSearch, now = new Date()): Promise<ObjectSearchResult> {
  const { start, end } = searchRangeOf(search, now);
  const { cluster, name, user } = search;
  const namespace = search.scope === "cluster" ? "" : search.namespace;
  const range = { from: start.getTime(), to: end.getTime() };
  const kind = search.kind === undefined ? {} : kindCriteriaOf(search.kind, await listKinds(sql));
  if (kind === null) return { range, objects: [], more: false };
  // One more than asked tells whether there are more.
  const roots = await findTraceRoots(sql, { cluster, namespace, ...kind, name, user, start, end, limit: search.limit + 1 });
  return {
    range,
    objects: roots.slice(0, search.limit).map(foundObjectOf),
    more: roots.length > search.limit,
  };
}
