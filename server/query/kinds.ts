import type { Sql } from "../store/database";

/** One (group, resource, kind) of the objects in the store; kind null for objects no source told it. */
export interface KindRow {
  kind: string | null;
  apiGroup: string;
  resource: string;
}

/**
 * Every distinct (group, resource, kind) of objects, by skipping through objects_kinds_idx: one
 * probe per kind, where SELECT DISTINCT read the whole table (the kinds are dozens, the objects
 * millions). From each one, the next is the same resource's next kind, else its objects whose
 * kind no source told (NULL sorts last), else the first kind of the next resource.
 */
export const KINDS_SQL = `WITH RECURSIVE kinds AS (
  (SELECT api_group, resource, kind FROM objects ORDER BY api_group, resource, kind LIMIT 1)
  UNION ALL
  SELECT next.* FROM kinds k CROSS JOIN LATERAL (
    (SELECT o.api_group, o.resource, o.kind FROM objects o
      WHERE k.kind IS NOT NULL AND o.api_group = k.api_group AND o.resource = k.resource AND o.kind > k.kind
      ORDER BY o.api_group, o.resource, o.kind LIMIT 1)
    UNION ALL
    (SELECT o.api_group, o.resource, o.kind FROM objects o
      WHERE k.kind IS NOT NULL AND o.api_group = k.api_group AND o.resource = k.resource AND o.kind IS NULL LIMIT 1)
    UNION ALL
    (SELECT o.api_group, o.resource, o.kind FROM objects o
      WHERE (o.api_group, o.resource) > (k.api_group, k.resource)
      ORDER BY o.api_group, o.resource, o.kind LIMIT 1)
    LIMIT 1
  ) next
)
SELECT kind, api_group AS "apiGroup", resource FROM kinds`;

/** The kinds of object in the store (Jaeger's services, the dashboard's kind choices). */
export async function listKinds(sql: Sql): Promise<KindRow[]> {
  return (await sql.query<KindRow>(KINDS_SQL)).rows;
}

/** The distinct kind names of the objects in the store, sorted; a kind in several groups (Ingress) once. */
export async function listKindNames(sql: Sql): Promise<string[]> {
  const names = new Set((await listKinds(sql)).flatMap((row) => (row.kind === null ? [] : [row.kind])));
  return [...names].sort((a, b) => a.localeCompare(b));
}
