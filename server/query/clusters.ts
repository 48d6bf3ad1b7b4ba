import type { Sql } from "../store/database";

export interface ClusterSummary {
  name: string;
  /** How many objects of the cluster are stored (deleted ones included). */
  objects: number;
}

export const CLUSTERS_SQL = `
  SELECT c.name, (SELECT count(*) FROM objects o WHERE o.cluster_id = c.id)::int AS objects
  FROM clusters c ORDER BY c.name`;

/** Every cluster, by name. A deployment has a handful, so counting their objects is cheap enough. */
export async function listClusters(sql: Sql): Promise<ClusterSummary[]> {
  const result = await sql.query<ClusterSummary>(CLUSTERS_SQL);
  return result.rows.map((row) => ({ name: row.name, objects: Number(row.objects) }));
}
