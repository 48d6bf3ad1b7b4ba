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

/**
 * The advisory lock Prisma's migration engine takes on Postgres: concurrent start-ups queue on
 * it instead of racing, and so does a `prisma migrate deploy` run beside them.
 */
const MIGRATION_LOCK_ID = 72707369;

export interface Migration {
  name: string;
  sql: string;
  /** SHA-256 of the file, hex: what Prisma stores as the checksum. */
  checksum: string;
}

/**
 * Every migration folder of `dir`, in name order. A folder without its migration.sql is an
 * error, as it is to Prisma (P3015): skipping it would apply the migrations after it without it.
 */
export function readMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const file = path.join(dir, name, "migration.sql");
      if (!fs.existsSync(file)) throw new MigrationError(`migration ${name} has no migration.sql (looked for ${file})`);
      const bytes = fs.readFileSync(file);
      return { name, sql: bytes.toString("utf8"), checksum: crypto.createHash("sha256").update(bytes).digest("hex") };
    });
}

const sha256 = (text: string) => crypto.createHash("sha256").update(text, "utf8").digest("hex");

/**
 * Whether `checksum` (recorded when the migration was applied) is this migration's, as Prisma
 * compares them: also with its line endings the other way round, so that a checkout with CRLF
 * line endings (git's autocrlf on Windows) is not taken for an edited migration.
 */
export function matchesChecksum(checksum: string, migration: Migration): boolean {
  if (checksum === migration.checksum) return true;
  const lf = migration.sql.replaceAll("\r\n", "\n");
  return checksum === sha256(lf) || checksum === sha256(lf.replaceAll("\n", "\r\n"));
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

/**
 * Applies every migration not yet applied, in name order, each sent as one script, as Prisma
 * sends it: Postgres runs a script of several statements as one implicit transaction, and a
 * script of one statement that may not run in a transaction (CREATE INDEX CONCURRENTLY) alone.
 */
export async function applyMigrations(db: Database, migrations: Migration[] = readMigrations()): Promise<MigrationResult> {
  return db.withSessionLock(MIGRATION_LOCK_ID, async (session) => {
    await session.execScript(CREATE_MIGRATIONS_TABLE);
    const rows = await appliedMigrations(session);
    // Any failed migration stops them all, as with Prisma (P3009), whether or not its folder is
    // still here: one renamed after it failed would otherwise let the rest go on without it.
    const failed = rows.find((row) => row.finished_at === null && row.rolled_back_at === null);
    if (failed) {
      throw new MigrationError(
        `migration ${failed.migration_name} failed earlier and was not rolled back; fix the database, then mark it rolled back (prisma migrate resolve --rolled-back ${failed.migration_name})`,
      );
    }
    const result: MigrationResult = { applied: [], alreadyApplied: [] };

    for (const migration of migrations) {
      const records = rows.filter((row) => row.migration_name === migration.name && row.rolled_back_at === null);
      const finished = records.find((row) => row.finished_at !== null);
      if (finished) {
        if (!matchesChecksum(finished.checksum, migration)) {
          // Prisma warns and goes on; so do we: editing an applied migration is a mistake to fix, not a reason to stop serving.
          console.warn(`migration ${migration.name} was modified after it was applied (checksum differs)`);
        }
        result.alreadyApplied.push(migration.name);
        continue;
      }

      const id = crypto.randomUUID();
      await session.query(
        `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count) VALUES ($1, $2, $3, now(), 0)`,
        [id, migration.checksum, migration.name],
      );
      try {
        await session.execScript(migration.sql);
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
