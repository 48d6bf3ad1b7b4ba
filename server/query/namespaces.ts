import type { Sql } from "../store/database";

/** Namespaces listed at most: a choice list longer than this helps nobody. */
export const MAX_NAMESPACES = 1000;

/**
 * The distinct namespaces of objects, in order, by skipping through
 * objects_namespace_first_seen_idx (namespace, first_seen): one probe per namespace, where
 * SELECT DISTINCT would read every object. Cluster-scoped objects' "" is left out.
 */
export const NAMESPACES_SQL = `WITH RECURSIVE namespaces AS (
  (SELECT namespace FROM objects WHERE namespace > '' ORDER BY namespace LIMIT 1)
  UNION ALL
  SELECT next.namespace FROM namespaces n CROSS JOIN LATERAL (
    SELECT o.namespace FROM objects o WHERE o.namespace > n.namespace ORDER BY o.namespace LIMIT 1
  ) next
)
SELECT namespace FROM namespaces LIMIT $1`;

/** The namespaces of the objects in the store, every cluster's, sorted; at most `limit`. */
export async function listNamespaces(sql: Sql, limit = MAX_NAMESPACES): Promise<string[]> {
  return (await sql.query<{ namespace: string }>(NAMESPACES_SQL, [limit])).rows.map((row) => row.namespace);
}
