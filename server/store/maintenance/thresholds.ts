/** What the catalog and the cumulative statistics say of one table (read by pass.ts). */
export interface TableActivity {
  table: string;
  /** pg_class.reltuples: rows at the last ANALYZE or VACUUM; -1 if neither ever ran. */
  reltuples: number;
  /** pg_class.relpages: the file's pages at the last ANALYZE or VACUUM. */
  relpages: number;
  /** The file's pages now (pg_relation_size / block size). */
  pages: number;
  /** pg_stat_user_tables.n_mod_since_analyze. */
  modifiedSinceAnalyze: number;
  /** pg_stat_user_tables.n_dead_tup. */
  deadRows: number;
}

export interface MaintenanceNeed {
  analyze: boolean;
  vacuum: boolean;
}

// Autovacuum's defaults (autovacuum_analyze_threshold/_scale_factor, autovacuum_vacuum_threshold/_scale_factor).
const ANALYZE_THRESHOLD = 50;
const ANALYZE_SCALE_FACTOR = 0.1;
const VACUUM_THRESHOLD = 50;
const VACUUM_SCALE_FACTOR = 0.2;
/** Growth of the file since the last ANALYZE or VACUUM that calls for both, in a fraction of it plus pages. */
const GROWTH_SCALE_FACTOR = 0.2;
const GROWTH_PAGES = 8;

/**
 * Whether a table wants ANALYZE and VACUUM, by autovacuum's rules. Two more, because PGlite
 * forgets its cumulative statistics when it is closed (Postgres saves them to pg_stat/ at a clean
 * shutdown; PGlite 0.5.16's close() leaves that folder empty): every start counts from zero again. So a
 * table that holds rows and was never analysed is analysed, and one whose file grew by more than a
 * fifth since its last ANALYZE or VACUUM (which set relpages, kept in the catalog) gets both: that
 * growth is rows inserted, or dead rows that pushed new versions to new pages.
 */
export function maintenanceNeeded(activity: TableActivity): MaintenanceNeed {
  const rows = Math.max(activity.reltuples, 0);
  const neverAnalysed = activity.reltuples < 0 && activity.pages > 0;
  const grown = activity.reltuples >= 0 && activity.pages > activity.relpages * (1 + GROWTH_SCALE_FACTOR) + GROWTH_PAGES;
  return {
    analyze: neverAnalysed || grown || activity.modifiedSinceAnalyze > ANALYZE_THRESHOLD + ANALYZE_SCALE_FACTOR * rows,
    vacuum: grown || activity.deadRows > VACUUM_THRESHOLD + VACUUM_SCALE_FACTOR * rows,
  };
}
