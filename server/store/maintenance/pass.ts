import type { Sql } from "../database";
import { maintenanceNeeded, type TableActivity } from "./thresholds";

export interface MaintenanceAction {
  table: string;
  statement: "ANALYZE" | "VACUUM";
  ms: number;
  /** Why the statement failed; undefined when it succeeded. */
  error?: string;
}

/**
 * Every table of Kubetrail's schema, with what the catalog and the cumulative statistics say of
 * it. pg_stat_force_next_flush() first: a backend (PGlite's one, or a pool connection) sends its
 * counts to the shared statistics at most once a second, at the end of a transaction, so what it
 * just wrote would otherwise read as zeros. Its call is a statement of its own: the flush happens
 * as it ends.
 */
async function readActivity(sql: Sql): Promise<TableActivity[]> {
  // Postgres before 15 has no such function; there counts arrive within 10 s anyway.
  await sql.query("SELECT pg_stat_force_next_flush()").catch(() => undefined);
  const result = await sql.query<{ table: string; reltuples: number; relpages: number; pages: number; modified: number; dead: number }>(
    `SELECT s.relname AS table, c.reltuples::float8 AS reltuples, c.relpages::int AS relpages,
            (pg_relation_size(c.oid) / current_setting('block_size')::int)::int8 AS pages,
            s.n_mod_since_analyze AS modified, s.n_dead_tup AS dead
       FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
      WHERE s.schemaname = current_schema()
      ORDER BY s.relname`,
  );
  return result.rows.map((row) => ({
    table: row.table,
    reltuples: Number(row.reltuples),
    relpages: Number(row.relpages),
    pages: Number(row.pages),
    modifiedSinceAnalyze: Number(row.modified),
    deadRows: Number(row.dead),
  }));
}

const quoted = (identifier: string) => `"${identifier.replaceAll('"', '""')}"`;

/**
 * One maintenance pass: VACUUM each table with enough dead rows and ANALYZE each that changed
 * enough (thresholds.ts), what autovacuum would do where it does not run. Each statement is sent
 * on its own, outside any transaction (VACUUM cannot run in one), so that on PGlite's single
 * connection ingest's statements run between them. A failing statement is logged and the pass
 * goes on with the next.
 */
export async function runMaintenancePass(sql: Sql, log: (message: string) => void): Promise<MaintenanceAction[]> {
  const actions: MaintenanceAction[] = [];
  for (const activity of await readActivity(sql)) {
    const need = maintenanceNeeded(activity);
    // VACUUM first: ANALYZE then counts live rows without the dead ones just removed.
    const statements = [...(need.vacuum ? (["VACUUM"] as const) : []), ...(need.analyze ? (["ANALYZE"] as const) : [])];
    for (const statement of statements) {
      const started = performance.now();
      try {
        await sql.query(`${statement} ${quoted(activity.table)}`);
        const ms = Math.round(performance.now() - started);
        actions.push({ table: activity.table, statement, ms });
        log(`maintenance: ${statement} ${activity.table} took ${ms} ms`);
      } catch (error) {
        const ms = Math.round(performance.now() - started);
        const message = (error as Error).message;
        actions.push({ table: activity.table, statement, ms, error: message });
        log(`maintenance: ${statement} ${activity.table} failed after ${ms} ms: ${message}`);
      }
    }
  }
  return actions;
}
