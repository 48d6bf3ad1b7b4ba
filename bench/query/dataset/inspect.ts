import type { Sql } from "../../../server/store/database";
import { round } from "../../ingest/stats";
import type { QueryReport } from "../report";

/** What the database holds once loaded, for the report (counted, not taken from the generator). */
export async function dataStats(sql: Sql, cluster: string, window: { from: Date; to: Date }): Promise<Omit<QueryReport["data"], "load" | "loadSeconds" | "window">> {
  const one = async <T>(text: string, params: unknown[] = []) => (await sql.query<T>(text, params)).rows[0]!;
  const totals = await one<{ objects: number; entries: number; relations: number }>(
    `SELECT (SELECT count(*) FROM objects) AS objects, (SELECT count(*) FROM history_entries) AS entries, (SELECT count(*) FROM relations) AS relations`,
  );
  const byResource = (
    await sql.query<{ resource: string; objects: number; entries: number; entriesInWindow: number }>(
      `SELECT o.resource, count(DISTINCT o.id) AS objects, count(h.id) AS entries,
              count(h.id) FILTER (WHERE h.start_time >= $2 AND h.start_time < $3) AS "entriesInWindow"
         FROM objects o JOIN clusters c ON c.id = o.cluster_id LEFT JOIN history_entries h ON h.object_id = o.id
        WHERE c.name = $1 GROUP BY o.resource ORDER BY count(h.id) DESC`,
      [cluster, window.from, window.to],
    )
  ).rows.map((row) => ({ resource: row.resource, objects: Number(row.objects), entries: Number(row.entries), entriesInWindow: Number(row.entriesInWindow) }));
  const sizes = await one<{ database: number; heap: number; toast: number; indexes: number }>(
    `SELECT pg_database_size(current_database()) AS database, pg_relation_size('history_entries') AS heap,
            pg_total_relation_size(reltoastrelid) AS toast, pg_indexes_size('history_entries') AS indexes
       FROM pg_class WHERE oid = 'history_entries'::regclass`,
  );
  const clusterEntries = byResource.reduce((sum, row) => sum + row.entries, 0);
  const mib = (bytes: number) => round(Number(bytes) / 2 ** 20, 0);
  return {
    cluster,
    objects: Number(totals.objects),
    entries: Number(totals.entries),
    relations: Number(totals.relations),
    byResource,
    templateEntries: Number(totals.entries) - clusterEntries,
    databaseMiB: mib(sizes.database),
    historyEntriesMiB: { heap: mib(sizes.heap), toast: mib(sizes.toast), indexes: mib(sizes.indexes) },
  };
}
