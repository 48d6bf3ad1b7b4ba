import type { Sql } from "../store/database";
import { serviceNameOf } from "../query/trace/display/common";

/**
 * Jaeger's service dependencies, read as the relation graph between kinds: every relation
 * valid at some point of [start, end) counts one call from the parent's kind to the child's
 * (a Deployment owning a ReplicaSet, a Service's EndpointSlice).
 */
export interface DependencyLink {
  parent: string;
  child: string;
  callCount: number;
}

export const DEPENDENCIES_SQL = `
  SELECT f.kind AS "parentKind", f.api_group AS "parentGroup", f.resource AS "parentResource",
         t.kind AS "childKind", t.api_group AS "childGroup", t.resource AS "childResource", count(*)::int AS "callCount"
    FROM relations r
    JOIN objects f ON f.id = r.from_object_id
    JOIN objects t ON t.id = r.to_object_id
   WHERE r.valid_from < $2 AND (r.valid_to IS NULL OR r.valid_to > $1)
   GROUP BY f.kind, f.api_group, f.resource, t.kind, t.api_group, t.resource`;

interface Row {
  parentKind: string | null;
  parentGroup: string;
  parentResource: string;
  childKind: string | null;
  childGroup: string;
  childResource: string;
  callCount: number;
}

/**
 * Calls between services (kinds, named as spans name their process), most first. A window that
 * holds no time (start at or after end, as Jaeger's `lookback` of 0 or less gives) has none: the
 * query alone would count the relations that hold at the instant `end`.
 */
export async function kindDependencies(sql: Sql, range: { start: Date; end: Date }): Promise<DependencyLink[]> {
  if (range.start.getTime() >= range.end.getTime()) return [];
  const links = new Map<string, DependencyLink>();
  for (const row of (await sql.query<Row>(DEPENDENCIES_SQL, [range.start, range.end])).rows) {
    const parent = serviceNameOf({ kind: row.parentKind, apiGroup: row.parentGroup, resource: row.parentResource });
    const child = serviceNameOf({ kind: row.childKind, apiGroup: row.childGroup, resource: row.childResource });
    const key = JSON.stringify([parent, child]);
    const link = links.get(key) ?? { parent, child, callCount: 0 };
    link.callCount += Number(row.callCount);
    links.set(key, link);
  }
  return [...links.values()].sort((a, b) => b.callCount - a.callCount || a.parent.localeCompare(b.parent) || a.child.localeCompare(b.child));
}
