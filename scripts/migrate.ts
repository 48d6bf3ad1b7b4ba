// `npm run db:migrate`: applies pending migrations to the configured database and exits.
import { loadConfig } from "../server/config/config";
import { openDatabase } from "../server/store/open";
import { applyMigrations } from "../server/store/migrate";

try {
  const config = loadConfig();
  const db = await openDatabase(config, { migrate: false });
  try {
    const result = await applyMigrations(db);
    for (const name of result.applied) console.log(`applied ${name}`);
    console.log(result.applied.length ? `${result.applied.length} migration(s) applied` : "database is up to date");
  } finally {
    await db.close();
  }
} catch (error) {
  console.error(`db:migrate: ${(error as Error).message}`);
  process.exit(1);
}
