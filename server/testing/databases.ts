import crypto from "node:crypto";
import pg from "pg";
import type { Database } from "../store/database";
import { openPglite } from "../store/pglite";
import { openPostgres } from "../store/postgres";
import { applyMigrations } from "../store/migrate";

/**
 * Test databases. Integration tests run against both stores Kubetrail supports: a real
 * Postgres server and the embedded PGlite. Each call makes a new, empty, migrated database.
 *
 * KUBETRAIL_TEST_POSTGRES_URL names a server and a database we may connect to in order to
 * create databases (default: the local server's `postgres` database, as on CI).
 */
export const TEST_POSTGRES_ADMIN_URL = process.env.KUBETRAIL_TEST_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

export type StoreKind = "postgres" | "pglite";
export const STORE_KINDS: StoreKind[] = ["postgres", "pglite"];

function urlWithDatabase(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Creates an empty Postgres database and returns its URL and a function that drops it. */
export async function createPostgresDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `kubetrail_test_${crypto.randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return {
    url: urlWithDatabase(TEST_POSTGRES_ADMIN_URL, name),
    async drop() {
      const c = new pg.Client({ connectionString: TEST_POSTGRES_ADMIN_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

export interface TestDatabase {
  db: Database;
  /** For Postgres: the connection string (to open more connections or a server on it). */
  url: string | null;
  dispose(): Promise<void>;
}

/** A fresh, migrated database of the given kind. */
export async function openTestDatabase(kind: StoreKind, options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  if (kind === "pglite") {
    const db = await openPglite("memory");
    if (options.migrate ?? true) await applyMigrations(db);
    return { db, url: null, dispose: () => db.close() };
  }
  const created = await createPostgresDatabase();
  // Small pools: test files run in parallel against one server, next to whatever else uses it.
  const db = openPostgres(created.url, { maxConnections: 4 });
  if (options.migrate ?? true) await applyMigrations(db);
  return {
    db,
    url: created.url,
    async dispose() {
      await db.close();
      await created.drop();
    },
  };
}
