import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { Database, Sql } from "./database";

/**
 * Applies the SQL migrations in prisma/migrations without Prisma's schema-engine binary
 * (it cannot be downloaded everywhere Kubetrail runs). Applied migrations are recorded in
 * `_prisma_migrations` exactly as `prisma migrate deploy` records them, so Prisma's own
 * CLI agrees about the state on a machine that has the engine.
 */

/**
 * Resolved from the working directory, not from this module: inside the Next.js server
 * bundle a module's own location is somewhere under .next/. Every entry point (npm start,
 * npm run …, the tests) runs in the project folder.
 */
export const MIGRATIONS_DIR = path.join(/*turbopackIgnore: true*/ process.cwd(), "prisma", "migrations");

/** Arbitrary but fixed: concurrent start-ups queue on this lock instead of racing. */
const MIGRATION_LOCK_ID = 0x6b747261; // "ktra"

export interface Migration {
  name: string;
  sql: string;
  /** SHA-256 of the file, hex: what Prisma stores as the checksum. */
  checksum: string;
}

export function readMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(dir, entry.name, "migration.sql")))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const bytes = fs.readFileSync(path.join(dir, name, "migration.sql"));
      return { name, sql: bytes.toString("utf8"), checksum: crypto.createHash("sha256").update(bytes).digest("hex") };
    });
}

// The table as Prisma's migration engine creates it.
const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

export class MigrationError extends Error {}

export interface MigrationResult {
  applied: string[];
  alreadyApplied: string[];
}

async function appliedMigrations(sql: Sql): Promise<AppliedRow[]> {
  const result = await sql.query<AppliedRow>(
    `SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" ORDER BY started_at`,
  );
  return result.rows;
}

/** Applies every migration not yet applied, in name order, each in its own transaction. */
export async function applyMigrations(db: Database, migrations: Migration[] = readMigrations()): Promise<MigrationResult> {
  return db.withSessionLock(MIGRATION_LOCK_ID, async (session) => {
    await session.execScript(CREATE_MIGRATIONS_TABLE);
    const rows = await appliedMigrations(session);
    const result: MigrationResult = { applied: [], alreadyApplied: [] };

    for (const migration of migrations) {
      const records = rows.filter((row) => row.migration_name === migration.name && row.rolled_back_at === null);
      const finished = records.find((row) => row.finished_at !== null);
      if (finished) {
        if (finished.checksum !== migration.checksum) {
          // Prisma warns and goes on; so do we: editing an applied migration is a mistake to fix, not a reason to stop serving.
          console.warn(`migration ${migration.name} was modified after it was applied (checksum differs)`);
        }
        result.alreadyApplied.push(migration.name);
        continue;
      }
      if (records.length > 0) {
        throw new MigrationError(
          `migration ${migration.name} failed earlier and was not rolled back; fix the database, then mark it rolled back (prisma migrate resolve --rolled-back ${migration.name})`,
        );
      }

      const id = crypto.randomUUID();
      await session.query(
        `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count) VALUES ($1, $2, $3, now(), 0)`,
        [id, migration.checksum, migration.name],
      );
      try {
        await session.execScript(`BEGIN;\n${migration.sql}\n;COMMIT;`);
      } catch (error) {
        await session.execScript("ROLLBACK").catch(() => undefined);
        await session.query(`UPDATE "_prisma_migrations" SET logs = $2 WHERE id = $1`, [id, String((error as Error).message)]);
        throw new MigrationError(`migration ${migration.name} failed: ${(error as Error).message}`);
      }
      await session.query(`UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1`, [id]);
      result.applied.push(migration.name);
    }
    return result;
  });
}

/** The migrations in `migrations` not yet applied to the database (empty: ready). */
export async function pendingMigrations(db: Sql, migrations: Migration[] = readMigrations()): Promise<string[]> {
  const exists = await db.query<{ present: boolean }>(`SELECT to_regclass('"_prisma_migrations"') IS NOT NULL AS present`);
  if (!exists.rows[0]?.present) return migrations.map((m) => m.name);
  const rows = await appliedMigrations(db);
  const done = new Set(rows.filter((r) => r.finished_at !== null && r.rolled_back_at === null).map((r) => r.migration_name));
  return migrations.map((m) => m.name).filter((name) => !done.has(name));
}
