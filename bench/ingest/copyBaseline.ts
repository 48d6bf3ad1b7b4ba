import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type pg from "pg";
import { from as copyFrom, to as copyTo } from "pg-copy-streams";
import { applyMigrations } from "../../server/store/migrate";
import { openPostgres } from "../../server/store/postgres";
import { withClient } from "./databases";

/**
 * The raw limit: the rows the app wrote, loaded into an empty database of the same schema
 * with COPY, the fastest way into Postgres. Same rows, same indexes, same constraints, same
 * server: what remains of the app's time is its own work (parsing, converting, diffing,
 * the extra statements of dedup and locking, the round trips).
 */

/** Tables that are not the ingest's writes: bookkeeping, and the clusters row (copied before timing, rows refer to it). */
const NOT_INGEST_TABLES = new Set(["_prisma_migrations", "settings", "clusters"]);

/**
 * The tables the ingest writes (every table of the schema but NOT_INGEST_TABLES, so that a
 * table a later migration adds is not left out), parents before children so that the
 * foreign keys hold while loading.
 */
async function ingestTables(client: pg.Client): Promise<string[]> {
  const tables = (
    await client.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY c.relname`,
    )
  ).rows.map((row) => row.name).filter((name) => !NOT_INGEST_TABLES.has(name));
  const references = (
    await client.query<{ child: string; parent: string }>(
      `SELECT ch.relname AS child, pa.relname AS parent FROM pg_constraint k
         JOIN pg_class ch ON ch.oid = k.conrelid JOIN pg_class pa ON pa.oid = k.confrelid
        WHERE k.contype = 'f' AND k.conrelid <> k.confrelid`,
    )
  ).rows;
  const ordered: string[] = [];
  const visit = (table: string, path: string[]) => {
    if (ordered.includes(table)) return;
    if (path.includes(table)) throw new Error(`foreign keys form a cycle: ${[...path, table].join(" -> ")}`);
    for (const { parent } of references.filter((r) => r.child === table)) if (tables.includes(parent)) visit(parent, [...path, table]);
    ordered.push(table);
  };
  for (const table of tables) visit(table, []);
  return ordered;
}

export interface ExportedTable {
  table: string;
  chunks: Buffer[];
  bytes: number;
  rows: number;
}

async function exportTable(client: pg.Client, table: string): Promise<ExportedTable> {
  const stream = client.query(copyTo(`COPY ${table} TO STDOUT`));
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return { table, chunks, bytes: chunks.reduce((sum, c) => sum + c.length, 0), rows: stream.rowCount };
}

/** The rows of the ingest tables (and the clusters they refer to), in COPY text format, in memory, from one snapshot. */
export async function exportIngestRows(url: string): Promise<{ clusters: ExportedTable; tables: ExportedTable[] }> {
  return withClient(url, async (client) => {
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    const clusters = await exportTable(client, "clusters");
    const tables: ExportedTable[] = [];
    for (const table of await ingestTables(client)) tables.push(await exportTable(client, table));
    await client.query("COMMIT");
    return { clusters, tables };
  });
}

async function copyInto(client: pg.Client, table: ExportedTable): Promise<number> {
  const sink = client.query(copyFrom(`COPY ${table.table} FROM STDIN`));
  await pipeline(Readable.from(table.chunks), sink);
  return sink.rowCount;
}

/** Applies the app's migrations to an empty database, as the server does at start-up. */
export async function migrate(url: string): Promise<void> {
  const db = openPostgres(url, { maxConnections: 1 });
  try {
    await applyMigrations(db);
  } finally {
    await db.close();
  }
}

export interface CopyTiming {
  /** BEGIN to COMMIT, all tables. */
  ms: number;
  tables: Array<{ table: string; rows: number; bytes: number; ms: number }>;
}

/** Loads the exported rows into `url` (migrated, empty) in one transaction, timed. The clusters row goes first, untimed. */
export async function timeCopy(url: string, exported: { clusters: ExportedTable; tables: ExportedTable[] }): Promise<CopyTiming> {
  return withClient(url, async (client) => {
    await copyInto(client, exported.clusters);
    const tables: CopyTiming["tables"] = [];
    const started = performance.now();
    await client.query("BEGIN");
    for (const table of exported.tables) {
      const tableStarted = performance.now();
      const rows = await copyInto(client, table);
      if (rows !== table.rows) throw new Error(`COPY ${table.table}: loaded ${rows} rows of ${table.rows}`);
      tables.push({ table: table.table, rows, bytes: table.bytes, ms: performance.now() - tableStarted });
    }
    await client.query("COMMIT");
    return { ms: performance.now() - started, tables };
  });
}
