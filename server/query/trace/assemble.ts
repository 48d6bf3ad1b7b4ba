import type { Sql } from "../../store/database";
import { overRangeParts } from "../overlappingEntries";
import { BUILTIN_RELATION_KINDS, relationKindInfo } from "../../model/links/kinds";
import type { AssembledTrace, RelatedObject, TraceEntry, TraceNode, TraceObject } from "./assembled";
import { climb, placeDescendants, type AncestorLine, type ParentCandidate } from "./parentChoice";
import type { EpochMicros, TraceQuery } from "./types";
import { foldWatchTwins, loadOutsideCandidates } from "./watchTwins";

/**
 * Trace assembly: the queried object, the relatives its relation mode reaches through
 * hierarchical relations valid at some time in [start, end), and every history entry of those
 * objects that overlaps the range: that started in it, or before it and was still running at its
 * start.
 *
 * The tree: every object has one parent in a trace, chosen by the rule of parentChoice.ts,
 * which the OTLP export shares. Going up, each object's parent is its best-ranked hierarchical
 * parent (parentPrecedence: its controller before an EndpointSlice that routes to it), so the
 * ancestors form a single line to the queried object and no sibling of that line is ever
 * loaded. Going down, every hierarchical child is included, under its best-ranked parent among
 * the root and its descendants, whichever level the walk reached each at. Parents not chosen,
 * and reference relations (a Pod's Node, its volume claims), are listed on the object
 * (TraceNode.related) for display modes to show as links and tags.
 *
 * Objects below the queried one that have no entries in the range, and nothing below them
 * that has, are left out: a trace of a Deployment over an hour shows the Pods that did
 * something that hour, not every Pod it ever had. The queried object and its ancestors stay,
 * entries or not, as the frame of the trace.
 *
 * Queries: one to find the root object, one per level of the walk (≤ depth up, ≤ depth down,
 * the two directions run concurrently), then three concurrent ones for objects, entries and
 * other relations; then, only when an entry near an edge of the range may have a twin outside
 * it (watchTwins.ts), two concurrent ones for the entries just before and after the range. The
 * walk is a loop of one query per level rather than a recursive CTE
 * because the choice at each level needs relationKindInfo and parentPrecedence, which know
 * the relation kinds that rules files and plugins register in this process — SQL doesn't.
 * Every statement is answered from an index: relations_to_idx / relations_from_idx
 * (object id + valid_from), the objects primary key, history_object_time_idx (object id +
 * start time), history_slow_start_time_idx and history_long_end_time_idx (the entries that ran into
 * the range from before it: ../overlappingEntries.ts) — see assemble.integration-test.ts, which
 * checks the plans (watchTwins.integration-test.ts checks the twins' statement's).
 */

/** The configured maximum depth when the caller gives none (KUBETRAIL_TRACE_MAX_DEPTH's default). */
export const DEFAULT_MAX_TRACE_DEPTH = 10;
/** At most this many related objects per object and direction (a Node has thousands of Pods). */
export const RELATED_LIMIT = 50;

export interface AssembleOptions {
  /** Depth beyond which the walk stops, whatever the query says (KUBETRAIL_TRACE_MAX_DEPTH). */
  maxDepth?: number;
}

/** `col` (timestamptz) as integer µs since the epoch: a JS Date would drop the microseconds. */
export const micros = (column: string) => `(extract(epoch from ${column}) * 1000000)::bigint`;

/** Built-in reference kinds, excluded in SQL from the walk (custom ones are excluded in TypeScript). */
export const BUILTIN_REFERENCE_KINDS = Object.entries(BUILTIN_RELATION_KINDS)
  .filter(([, info]) => !info.hierarchical)
  .map(([kind]) => kind);
const BUILTIN_HIERARCHICAL_KINDS = Object.entries(BUILTIN_RELATION_KINDS)
  .filter(([, info]) => info.hierarchical)
  .map(([kind]) => kind);

/** Relations valid at some time in [$2, $3). */
const VALID_IN_RANGE = `r.valid_from < $3 AND (r.valid_to IS NULL OR r.valid_to > $2)`;

export const PARENTS_SQL = `
  SELECT r.from_object_id AS "fromId", r.to_object_id AS "toId", r.kind, ${micros("r.valid_from")} AS "validFrom"
    FROM relations r
   WHERE r.to_object_id = ANY($1::bigint[]) AND ${VALID_IN_RANGE} AND NOT (r.kind = ANY($4::text[]))`;

export const CHILDREN_SQL = `
  SELECT r.from_object_id AS "fromId", r.to_object_id AS "toId", r.kind, ${micros("r.valid_from")} AS "validFrom"
    FROM relations r
   WHERE r.from_object_id = ANY($1::bigint[]) AND ${VALID_IN_RANGE} AND NOT (r.kind = ANY($4::text[]))`;

/** The columns of a TraceObject, from `objects o JOIN clusters c`. */
export const OBJECT_COLUMNS = `o.id, c.name AS cluster, o.api_group AS "apiGroup", o.api_version AS "apiVersion", o.resource, o.kind,
  o.namespace, o.name, o.uid, ${micros("o.first_seen")} AS "firstSeen", ${micros("o.last_seen")} AS "lastSeen",
  ${micros("o.deleted_at")} AS "deletedAt"`;

export const OBJECTS_SQL = `
  SELECT ${OBJECT_COLUMNS} FROM objects o JOIN clusters c ON c.id = o.cluster_id WHERE o.id = ANY($1::bigint[])`;

/** The columns of a TraceEntry, from `history_entries h`. */
export const ENTRY_COLUMNS = `h.id, h.object_id AS "objectId", h.source, ${micros("h.start_time")} AS start, ${micros("h.end_time")} AS "end",
           h.actor, h.verb, h.subresource, h.status_code AS "statusCode", h.title, h.audit_id AS "auditId", h.stage,
           h.user_agent AS "userAgent", h.details, h.diff, h.snapshot, h.noop`;

/** Ordered by start (µs, as `start`), then id; in four parts, whose rows are told apart by their start. */
export const ENTRIES_SQL = `
  ${overRangeParts(
    (range) => `
    SELECT ${ENTRY_COLUMNS}
      FROM history_entries h
     WHERE h.object_id = ANY($1::bigint[]) AND ${range}`,
    "h",
    "$2",
    "$3",
  )}
   ORDER BY start, id`;

/**
 * Each object's relations other than to its children: every relation where it is the child
 * side (its parents, the objects it refers to), and the reference relations where it is the
 * parent side (a Node's Pods). Hierarchical children are the walk's business, and loading
 * them here would load an ancestor's other children — the siblings a trace leaves out.
 * LIMIT per object and side keeps a Node with thousands of Pods cheap.
 */
export const RELATED_SQL = `
  SELECT self.id AS "selfId", rel.kind AS "relationKind", rel.role, ${OBJECT_COLUMNS}
    FROM unnest($1::bigint[]) AS self(id)
   CROSS JOIN LATERAL (
         (SELECT DISTINCT r.kind, 'parent'::text AS role, r.from_object_id AS other_id FROM relations r
           WHERE r.to_object_id = self.id AND ${VALID_IN_RANGE}
           ORDER BY r.kind, r.from_object_id LIMIT $4)
         UNION ALL
         (SELECT DISTINCT r.kind, 'child'::text AS role, r.to_object_id AS other_id FROM relations r
           WHERE r.from_object_id = self.id AND ${VALID_IN_RANGE} AND NOT (r.kind = ANY($5::text[]))
           ORDER BY r.kind, r.to_object_id LIMIT $4)
         ) rel
    JOIN objects o ON o.id = rel.other_id
    JOIN clusters c ON c.id = o.cluster_id`;

/** Where an object sits in the tree, before its row is loaded. */
interface Placement {
  id: number;
  parentId: number | null;
  relation: string | null;
  level: number;
}

interface Range {
  from: Date;
  to: Date;
}

const isHierarchical = (kind: string) => relationKindInfo(kind).hierarchical;

/**
 * The ancestors' line: the queried object's placement (under its chosen parent) and one
 * ancestor per level above it (≤ depth queries).
 */
async function walkUp(sql: Sql, rootId: number, depth: number, range: Range): Promise<Placement[]> {
  const line: AncestorLine = { ids: [rootId], links: [] };
  for (let level = 1; level <= depth; level++) {
    const head = line.ids[line.ids.length - 1]!;
    const rows = (await sql.query<ParentCandidate>(PARENTS_SQL, [[head], range.from, range.to, BUILTIN_REFERENCE_KINDS])).rows;
    if (!climb(line, rows)) break;
  }
  return line.ids.map((id, i) => ({ id, parentId: line.ids[i + 1] ?? null, relation: line.links[i]?.kind ?? null, level: -i }));
}

/** What the downward walk found: the objects, level by level, and the hierarchical relations that lead to them. */
interface Descendants {
  reached: number[];
  links: ParentCandidate[];
}

/** Descendants, level by level (≤ depth queries), with every relation to them from the level above. */
async function walkDown(sql: Sql, rootId: number, depth: number, range: Range): Promise<Descendants> {
  const found: Descendants = { reached: [], links: [] };
  const seen = new Set([rootId]);
  let frontier = [rootId];
  for (let level = 1; level <= depth && frontier.length > 0; level++) {
    const rows = (await sql.query<ParentCandidate>(CHILDREN_SQL, [frontier, range.from, range.to, BUILTIN_REFERENCE_KINDS])).rows;
    const next: number[] = [];
    for (const row of rows) {
      if (!isHierarchical(row.kind)) continue;
      // Also the relations to objects reached already: one may be a better parent than the one that reached it.
      found.links.push(row);
      if (seen.has(row.toId)) continue;
      seen.add(row.toId);
      next.push(row.toId);
    }
    frontier = next.sort((a, b) => a - b);
    // One by one: spread as arguments, a level of some 150,000 objects overflows the stack.
    for (const id of frontier) found.reached.push(id);
  }
  return found;
}

type ObjectRow = TraceObject;
type EntryRow = TraceEntry;
type RelatedRow = ObjectRow & { selfId: number; relationKind: string; role: "parent" | "child" };

/**
 * The object a trace's root id names: that row, or, when ingest merged it into another and
 * deleted it (object_aliases, written by auditWriter.ts's merges), the row it went to. A trace ID
 * handed out before the merge so answers with the object's whole history, under its own ID. The
 * alias is read only when the row is missing (Append stops at the first row), by primary key.
 */
export const ROOT_SQL = `SELECT o.id FROM objects o WHERE o.id = $1
  UNION ALL
  SELECT o.id FROM object_aliases a JOIN objects o ON o.id = a.object_id WHERE a.id = $1
  LIMIT 1`;

/**
 * The trace for `query`, or null when its root object doesn't exist. Depth is limited to
 * `options.maxDepth` (default DEFAULT_MAX_TRACE_DEPTH).
 */
export async function assembleTrace(sql: Sql, query: TraceQuery, options: AssembleOptions = {}): Promise<AssembledTrace | null> {
  const depth = Math.max(1, Math.min(query.depth, options.maxDepth ?? DEFAULT_MAX_TRACE_DEPTH));
  const range: Range = { from: new Date(query.startSeconds * 1000), to: new Date(query.endSeconds * 1000) };
  const root = await sql.query<{ id: number | string }>(ROOT_SQL, [query.rootObjectId]);
  if (root.rows.length === 0) return null;
  const rootId = Number(root.rows[0]!.id);

  const mode = query.relationMode;
  const [up, down] = await Promise.all([
    mode === "ancestors" || mode === "full" ? walkUp(sql, rootId, depth, range) : Promise.resolve([]),
    mode === "descendants" || mode === "full" ? walkDown(sql, rootId, depth, range) : Promise.resolve({ reached: [], links: [] }),
  ]);

  // The root's placement comes from the upward walk (its parent), else it is the top.
  const placements = new Map<number, Placement>([[rootId, { id: rootId, parentId: null, relation: null, level: 0 }]]);
  for (const p of up) placements.set(p.id, p);
  // A descendant that is also an ancestor (a circle) stays where the ancestors' line put it,
  // and what only it leads to is dropped with it: only the root and descendants take children.
  const descendants = down.reached.filter((id) => !placements.has(id));
  for (const { id, link, level } of placeDescendants(rootId, descendants, down.links, depth)) {
    placements.set(id, { id, parentId: link.fromId, relation: link.kind, level });
  }

  const ids = [...placements.keys()];
  const [objects, entries, related] = await Promise.all([
    sql.query<ObjectRow>(OBJECTS_SQL, [ids]),
    sql.query<EntryRow>(ENTRIES_SQL, [ids, range.from, range.to]),
    sql.query<RelatedRow>(RELATED_SQL, [ids, range.from, range.to, RELATED_LIMIT + 1, BUILTIN_HIERARCHICAL_KINDS]),
  ]);

  const objectById = new Map(objects.rows.map((row) => [Number(row.id), normalizeObject(row)]));
  // One write seen by audit and by a watch is shown once, as its audit entry (watchTwins.ts);
  // a twin may lie just outside the range.
  const loaded = entries.rows.map(normalizeEntry);
  const [startMicros, endMicros] = [query.startSeconds * 1_000_000, query.endSeconds * 1_000_000];
  const folded = foldWatchTwins(loaded, await loadOutsideCandidates(sql, loaded, startMicros, endMicros));
  const entriesById = new Map<number, TraceEntry[]>();
  for (const entry of folded) {
    const list = entriesById.get(entry.objectId);
    if (list) list.push(entry);
    else entriesById.set(entry.objectId, [entry]);
  }

  const nodes = new Map<number, TraceNode>();
  for (const p of placements.values()) {
    const object = objectById.get(p.id);
    // Deleted between the walk and the load (retention): leave it out.
    if (!object) continue;
    nodes.set(p.id, { object, parentId: p.parentId, relation: p.relation, level: p.level, entries: entriesById.get(p.id) ?? [], related: [], relatedTruncated: false });
  }
  attachRelated(nodes, related.rows);
  const ordered = orderTree(nodes, rootId);
  return {
    query: { ...query, depth },
    queriedObjectId: rootId,
    nodes: ordered,
    start: startMicros as EpochMicros,
    end: endMicros as EpochMicros,
  };
}

/** A TraceObject from a row of OBJECT_COLUMNS (ids and times as numbers). */
export function normalizeObject(row: ObjectRow): TraceObject {
  return {
    id: Number(row.id),
    cluster: row.cluster,
    apiGroup: row.apiGroup,
    apiVersion: row.apiVersion,
    resource: row.resource,
    kind: row.kind,
    namespace: row.namespace,
    name: row.name,
    uid: row.uid,
    firstSeen: Number(row.firstSeen) as EpochMicros,
    lastSeen: Number(row.lastSeen) as EpochMicros,
    deletedAt: row.deletedAt === null ? null : (Number(row.deletedAt) as EpochMicros),
  };
}

/** A TraceEntry from a row of ENTRY_COLUMNS (ids and times as numbers). */
export function normalizeEntry(row: EntryRow): TraceEntry {
  return {
    ...row,
    id: Number(row.id),
    objectId: Number(row.objectId),
    start: Number(row.start) as EpochMicros,
    end: Number(row.end) as EpochMicros,
  };
}

/** Lists each node's relations besides its tree edge to its parent (and to its tree children). */
function attachRelated(nodes: Map<number, TraceNode>, rows: RelatedRow[]): void {
  // RELATED_SQL returns up to RELATED_LIMIT + 1 rows per object and side: one more says there were more.
  const rowsPerSide = new Map<string, number>();
  for (const row of rows) {
    const node = nodes.get(Number(row.selfId));
    if (!node) continue;
    const { relationKind: kind, role } = row;
    const side = `${node.object.id}/${role}`;
    const count = (rowsPerSide.get(side) ?? 0) + 1;
    rowsPerSide.set(side, count);
    if (count > RELATED_LIMIT) {
      node.relatedTruncated = true;
      continue;
    }
    const other = normalizeObject(row);
    const hierarchical = isHierarchical(kind);
    // Hierarchical children are the walk's (custom kinds reach here; built-in ones are left out in SQL).
    if (hierarchical && role === "child") continue;
    // The tree edge itself.
    if (role === "parent" && other.id === node.parentId && kind === node.relation) continue;
    node.related.push({ kind, hierarchical, role, object: other } satisfies RelatedObject);
  }
  for (const node of nodes.values()) {
    node.related.sort((a, b) => compareText(a.kind, b.kind) || compareText(a.role, b.role) || compareText(a.object.namespace, b.object.namespace) || compareText(a.object.name, b.object.name) || a.object.id - b.object.id);
  }
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Pre-order of the tree from its topmost object, children by first activity. Drops the
 * subtrees below the queried object that have no entry in the range.
 */
function orderTree(nodes: Map<number, TraceNode>, rootId: number): TraceNode[] {
  let top = nodes.get(rootId);
  if (!top) return [];
  for (let parent = nodes.get(top.parentId ?? -1); parent; parent = nodes.get(top.parentId ?? -1)) top = parent;
  // An ancestor deleted between the walk and the load cuts the line: what remains starts here.
  if (top.parentId !== null) top = { ...top, parentId: null, relation: null };

  const children = new Map<number, TraceNode[]>();
  for (const node of nodes.values()) {
    if (node.parentId === null || !nodes.has(node.parentId)) continue;
    const list = children.get(node.parentId);
    if (list) list.push(node);
    else children.set(node.parentId, [node]);
  }

  const firstActivity = new Map<number, number>();
  const activity = (node: TraceNode): number => {
    const known = firstActivity.get(node.object.id);
    if (known !== undefined) return known;
    let first = node.entries[0]?.start ?? Number.POSITIVE_INFINITY;
    for (const child of children.get(node.object.id) ?? []) first = Math.min(first, activity(child));
    firstActivity.set(node.object.id, first);
    return first;
  };

  const ordered: TraceNode[] = [];
  const visit = (node: TraceNode): void => {
    ordered.push(node);
    const below = (children.get(node.object.id) ?? [])
      // Descendants without activity are left out; the queried object and its ancestors' line stay.
      .filter((child) => child.level <= 0 || activity(child) !== Number.POSITIVE_INFINITY)
      .sort((a, b) => activity(a) - activity(b) || a.object.firstSeen - b.object.firstSeen || a.object.id - b.object.id);
    for (const child of below) visit(child);
  };
  visit(top);
  return ordered;
}
