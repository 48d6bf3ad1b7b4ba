import type { Database } from "../database";
import { runMaintenancePass } from "./pass";

/** KUBETRAIL_MAINTENANCE: "auto" maintains the tables where nothing else does; "off" never. */
export type MaintenanceMode = "auto" | "off";

/**
 * Time between passes. Autovacuum looks every minute; a pass on a quiet database only reads the
 * catalog, but on PGlite each of its statements takes the one connection ingest and queries share.
 */
export const MAINTENANCE_INTERVAL_MS = 5 * 60_000;

/**
 * Whether Kubetrail keeps its own tables analysed and vacuumed: always on PGlite, which runs no
 * autovacuum launcher (its `SHOW autovacuum` still says "on"), and on a Postgres server only when
 * its autovacuum is off; there autovacuum does this better (by the server's own settings, with
 * cost limits) and a second maintainer would only compete with it.
 */
export function maintenanceApplies(mode: MaintenanceMode, kind: Database["kind"], autovacuum: string): boolean {
  if (mode === "off") return false;
  return kind === "pglite" || autovacuum !== "on";
}

/**
 * Runs a maintenance pass (pass.ts) every `intervalMs`, the first one interval after start, when
 * maintenanceApplies. Resolves with a stop function that also waits for a pass under way, so that
 * the database can be closed after it. Errors are logged, never thrown.
 */
export async function startMaintenance(
  db: Database,
  mode: MaintenanceMode,
  log: (message: string) => void,
  intervalMs = MAINTENANCE_INTERVAL_MS,
): Promise<() => Promise<void>> {
  const autovacuum = mode === "off" ? "" : await readAutovacuum(db, log);
  if (autovacuum === null || !maintenanceApplies(mode, db.kind, autovacuum)) return async () => {};
  log(`maintenance: analysing and vacuuming Kubetrail's tables every ${intervalMs / 60_000} min (${db.kind === "pglite" ? "the embedded database runs no autovacuum" : "autovacuum is off"})`);
  let running: Promise<void> | null = null;
  const tick = () => {
    if (running) return;
    running = runMaintenancePass(db, log)
      .then(() => undefined)
      .catch((error: unknown) => log(`maintenance: pass failed: ${(error as Error).message}`))
      .finally(() => {
        running = null;
      });
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}

/**
 * One pass now, where maintenanceApplies. Run by `npm run import` and `npm run import:events` when
 * they are done: they run with the server stopped (the embedded database serves one process at a
 * time), and what they stored would otherwise be planned without statistics until the server's
 * first pass, an interval after it starts. Errors are logged, never thrown.
 */
export async function maintainOnce(db: Database, mode: MaintenanceMode, log: (message: string) => void): Promise<void> {
  const autovacuum = mode === "off" ? "" : await readAutovacuum(db, log);
  if (autovacuum === null || !maintenanceApplies(mode, db.kind, autovacuum)) return;
  try {
    await runMaintenancePass(db, log);
  } catch (error) {
    log(`maintenance: pass failed: ${(error as Error).message}`);
  }
}

/** The server's autovacuum setting; null (logged) if it cannot be read: then no maintenance is started. */
async function readAutovacuum(db: Database, log: (message: string) => void): Promise<string | null> {
  try {
    const result = await db.query<{ autovacuum: string }>("SHOW autovacuum");
    return result.rows[0]!.autovacuum;
  } catch (error) {
    log(`maintenance: not started, could not read the autovacuum setting: ${(error as Error).message}`);
    return null;
  }
}
