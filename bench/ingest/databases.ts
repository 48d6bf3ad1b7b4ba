import fs from "node:fs";
import pg from "pg";

/** The benchmark's own Postgres databases, created fresh and dropped at the end. */

/** Where a Postgres on this machine listens locally (Debian's default socket directory). */
const LOCAL_SOCKET_DIR = "/var/run/postgresql";

/**
 * A server and a database to connect to in order to create and drop databases. The server
 * and the COPY baseline reach the same server the same way. By default that is the local Unix
 * socket when there is one: the way to reach a Postgres on the same machine, and on this
 * 2-core VM about 15% less CPU per ingested event than loopback TCP (docs/benchmarks.md).
 */
export const ADMIN_URL = process.env.KUBETRAIL_BENCH_POSTGRES_URL || defaultAdminUrl();

function defaultAdminUrl(): string {
  return fs.existsSync(`${LOCAL_SOCKET_DIR}/.s.PGSQL.5432`)
    ? `postgresql://postgres@localhost/postgres?host=${LOCAL_SOCKET_DIR}`
    : "postgresql://postgres@127.0.0.1:5432/postgres";
}

/** How the benchmark reaches Postgres, for the report. */
export function connectionOf(url: string): string {
  const socketDir = new URL(url).searchParams.get("host");
  return socketDir?.startsWith("/") ? `Unix socket in ${socketDir}` : `TCP to ${new URL(url).host}`;
}

export function databaseUrl(name: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const SAFE_NAME = /^[a-z_][a-z0-9_]*$/;

/** Creates an empty database; returns its URL. */
export async function createDatabase(name: string): Promise<string> {
  if (!SAFE_NAME.test(name)) throw new Error(`not a plain database name: ${name}`);
  await withClient(ADMIN_URL, (c) => c.query(`CREATE DATABASE ${name}`));
  return databaseUrl(name);
}

export async function dropDatabase(name: string): Promise<void> {
  if (!SAFE_NAME.test(name)) throw new Error(`not a plain database name: ${name}`);
  await withClient(ADMIN_URL, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}

/** Writes dirty pages out now, so that a checkpoint started by an earlier phase doesn't land in the next one's timing. */
export async function checkpoint(): Promise<void> {
  await withClient(ADMIN_URL, (c) => c.query("CHECKPOINT"));
}

/** Server settings that bear on write throughput, for the report. */
const REPORTED_SETTINGS = ["server_version", "shared_buffers", "synchronous_commit", "fsync", "wal_level", "max_wal_size", "checkpoint_timeout", "autovacuum"];

export async function postgresSettings(): Promise<Record<string, string>> {
  return withClient(ADMIN_URL, async (c) => {
    const result = await c.query<{ name: string; setting: string; unit: string | null }>(
      "SELECT name, setting, unit FROM pg_settings WHERE name = ANY($1::text[])",
      [REPORTED_SETTINGS],
    );
    const byName = new Map(result.rows.map((row) => [row.name, row]));
    return Object.fromEntries(
      REPORTED_SETTINGS.filter((name) => byName.has(name)).map((name) => {
        const { setting, unit } = byName.get(name)!;
        return [name, unit ? `${setting} × ${unit}` : setting];
      }),
    );
  });
}
