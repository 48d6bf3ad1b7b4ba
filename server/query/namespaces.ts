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

/**
 * The (resource, namespace) pairs a cluster's objects have, skipped through objects_identity_idx
 * (cluster_id, resource, namespace, …): one probe per pair. No index leads with (cluster,
 * namespace), and one would cost every object's insert on the ingest path; the pairs are a few
 * thousand at most (dozens of resources over the namespaces), where the cluster's objects are
 * millions. `$2` bounds the probes: a cluster with more pairs is listed in part, in resource order.
 */
export const CLUSTER_NAMESPACES_SQL = `WITH RECURSIVE pairs AS (
  (SELECT o.resource, o.namespace FROM objects o
    WHERE o.cluster_id = (SELECT id FROM clusters WHERE name = $1) ORDER BY o.resource, o.namespace LIMIT 1)
  UNION ALL
  SELECT next.resource, next.namespace FROM pairs p CROSS JOIN LATERAL (
    SELECT o.resource, o.namespace FROM objects o
     WHERE o.cluster_id = (SELECT id FROM clusters WHERE name = $1) AND (o.resource, o.namespace) > (p.resource, p.namespace)
     ORDER BY o.resource, o.namespace LIMIT 1
  ) next
)
SELECT DISTINCT namespace FROM (SELECT namespace FROM pairs LIMIT $2) bounded WHERE namespace > '' ORDER BY namespace LIMIT $3`;

/** Pairs of (resource, namespace) read at most for one cluster's namespaces. */
export const MAX_CLUSTER_NAMESPACE_PAIRS = 20_000;

/**
 * The namespaces of the objects in the store, sorted, at most `limit`: every cluster's, or only
 * those of the cluster named (none for a cluster the store does not have).
 */
export async function listNamespaces(sql: Sql, options: { cluster?: string; limit?: number } = {}): Promise<string[]> {
  const limit = options.limit ?? MAX_NAMESPACES;
  const rows =
    options.cluster === undefined
      ? (await sql.query<{ namespace: string }>(NAMESPACES_SQL, [limit])).rows
      : (await sql.query<{ namespace: string }>(CLUSTER_NAMESPACES_SQL, [options.cluster, MAX_CLUSTER_NAMESPACE_PAIRS, limit])).rows;
  return rows.map((row) => row.namespace);
}
