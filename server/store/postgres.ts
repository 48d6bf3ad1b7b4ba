import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import pg from "pg";
import { from as copyFromStdin } from "pg-copy-streams";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/client";
import type { Database, Sql, SqlResult } from "./database";
import { PipelinedTransaction, type StatementRunner } from "./pipelinedTransaction";
import { copyStatement } from "./copyText";

// node-postgres returns int8 as strings by default; ids and counts fit in a double.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

function sqlOf(client: pg.Pool | pg.PoolClient): Sql {
  return {
    async query<Row>(text: string, params?: unknown[]): Promise<SqlResult<Row>> {
      const result = await client.query(text, params as unknown[] | undefined);
      return { rows: result.rows as Row[], rowCount: result.rowCount ?? 0 };
    },
  };
}

/** One connection's statements and COPYs, for a PipelinedTransaction. */
function runnerOf(client: pg.PoolClient): StatementRunner {
  return {
    query: (text, params) => client.query(text, params as unknown[] | undefined),
    async copyFrom(table, columns, text) {
      const sink = client.query(copyFromStdin(copyStatement(table, columns)));
      await pipeline(Readable.from([Buffer.from(text, "utf8")]), sink);
      return sink.rowCount;
    },
  };
}

/** Opens a pool to a Postgres server. */
export function openPostgres(connectionString: string, options: { maxConnections?: number } = {}): Database {
  const pool = new pg.Pool({ connectionString, max: options.maxConnections ?? 10 });
  // An idle client that loses its connection must not crash the process.
  pool.on("error", (error) => console.error(`postgres pool: ${error.message}`));
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  const direct = sqlOf(pool);

  return {
    kind: "postgres",
    prisma,
    query: direct.query,
    async transaction(work) {
      const client = await pool.connect();
      const tx = new PipelinedTransaction(runnerOf(client));
      try {
        const result = await work(tx);
        await tx.commit();
        return result;
      } catch (error) {
        await tx.rollback();
        throw error;
      } finally {
        client.release();
      }
    },
    async execScript(sql) {
      await pool.query(sql);
    },
    async withSessionLock(lockId, work) {
      const client = await pool.connect();
      try {
        await client.query("SELECT pg_advisory_lock($1)", [lockId]);
        try {
          return await work({ ...sqlOf(client), execScript: async (sql) => void (await client.query(sql)) });
        } finally {
          await client.query("SELECT pg_advisory_unlock($1)", [lockId]);
        }
      } finally {
        client.release();
      }
    },
    async close() {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}
