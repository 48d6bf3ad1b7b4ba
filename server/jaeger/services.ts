import type { Sql } from "../store/database";
import { serviceNameOf } from "../query/trace/display/common";

/**
 * Jaeger's "Service" is the kind of object a trace is about, named as trace assembly names
 * every span's process (serviceNameOf): the kind for Kubernetes' own groups (`Pod`,
 * `Deployment`), `Kind.group` for others (`Rollout.argoproj.io`); and `*` for any kind.
 * `Kind.group` is accepted for Kubernetes' groups too (`Deployment.apps`).
 */
export const ANY_KIND = "*";

/** How to find a service's objects: a kind in a group, or — for objects no source told their kind — a resource in a group. */
export type KindFilter = { kind: string; apiGroup: string } | { resource: string; apiGroup: string };

interface KindRow {
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

const kindRows = async (sql: Sql) => (await sql.query<KindRow>(KINDS_SQL)).rows;

/** `*`, then the service name of every kind of object in the store, sorted. */
export async function listServices(sql: Sql): Promise<string[]> {
  const names = [...new Set((await kindRows(sql)).map(serviceNameOf))].sort((a, b) => a.localeCompare(b));
  return [ANY_KIND, ...names];
}

/** Whether a service name asks for any kind. */
export function isAnyService(name: string | undefined): boolean {
  const text = (name ?? "").trim();
  return text === "" || text === ANY_KIND;
}

/**
 * The filters that find a service's objects: null for any kind, [] for a name no object in
 * the store goes by. Usually one; more when a kind lives in several of Kubernetes' groups
 * (Ingress in extensions and networking.k8s.io).
 */
export async function serviceFilters(sql: Sql, name: string | undefined): Promise<KindFilter[] | null> {
  if (isAnyService(name)) return null;
  const text = name!.trim();
  const filters = new Map<string, KindFilter>();
  for (const row of await kindRows(sql)) {
    if (serviceNameOf(row) !== text && (row.kind === null || `${row.kind}.${row.apiGroup}` !== text)) continue;
    const filter: KindFilter = row.kind !== null ? { kind: row.kind, apiGroup: row.apiGroup } : { resource: row.resource, apiGroup: row.apiGroup };
    filters.set(JSON.stringify(filter), filter);
  }
  return [...filters.values()];
}
