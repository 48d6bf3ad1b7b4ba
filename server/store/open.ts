import type { Config } from "../config/config";
import type { Database } from "./database";
import { applyMigrations } from "./migrate";
import { openPglite } from "./pglite";
import { openPostgres } from "./postgres";

/** Opens the configured database (Postgres or embedded PGlite) and brings its schema up to date. */
export async function openDatabase(config: Pick<Config, "databaseUrl" | "dataDir">, options: { migrate?: boolean } = {}): Promise<Database> {
  const db = config.databaseUrl ? openPostgres(config.databaseUrl) : await openPglite(config.dataDir);
  if (options.migrate ?? true) {
    try {
      await applyMigrations(db);
    } catch (error) {
      await db.close().catch(() => undefined);
      throw error;
    }
  }
  return db;
}
