import type { Socket } from "node:net";
import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/client";
import type { Database, Sql, SqlResult, Statement } from "./database";
import { PipelinedTransaction, type StatementRunner } from "./pipelinedTransaction";
import { copyStatement } from "./copyText";
import { EagerCopyQuery } from "./eagerCopy";
import { binaryArray, isArrayParam } from "./arrayParam";

// node-postgres returns int8 as strings by default; ids and counts fit in a double.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

/** Bind parameters as node-postgres takes them: array parameters in binary (arrayParam.ts). */
function driverParams(params: unknown[] | undefined): unknown[] | undefined {
  if (!params?.some(isArrayParam)) return params;
  return params.map((param) => (isArrayParam(param) ? binaryArray(param) : param));
}

/** A statement as node-postgres takes it: a prepared one by name (it parses it once per connection). */
function driverQuery(statement: Statement, params: unknown[] | undefined): pg.QueryConfig {
  const values = driverParams(params);
  return typeof statement === "string" ? { text: statement, values } : { name: statement.name, text: statement.text, values };
}

function sqlOf(client: pg.Pool | pg.PoolClient): Sql {
  return {
    async query<Row>(statement: Statement, params?: unknown[]): Promise<SqlResult<Row>> {
      const result = await client.query(driverQuery(statement, params));
      return { rows: result.rows as Row[], rowCount: result.rowCount ?? 0 };
    },
  };
}

/**
 * Holds a connection's writes until the code that is running now is done (Node's next tick),
 * then sends them in one write. node-postgres writes each protocol message as it makes it: a
 * prepared statement is four (Bind, Describe, Execute, Sync), each its own system call, and on
 * the benchmark's VMs those calls (writev) were 6% of an ingest worker's time for about ten
 * statements and one COPY per batch. Statements a step sends together now share one call.
 */
function writesGatheredPerTick(client: pg.PoolClient): { gather(): void; flush(): void } {
  const socket = (client as unknown as { connection: { stream: Socket } }).connection.stream;
  let gathering = false;
  const flush = () => {
    if (!gathering) return;
    gathering = false;
    socket.uncork();
  };
  return {
    gather() {
      if (gathering) return;
      gathering = true;
      socket.cork();
      process.nextTick(flush);
    },
    flush,
  };
}

/** One pipelined connection's statements and COPYs, for a PipelinedTransaction. */
function runnerOf(client: pg.PoolClient): StatementRunner {
  const writes = writesGatheredPerTick(client);
  return {
    query(statement, params) {
      writes.gather();
      return client.query(driverQuery(statement, params));
    },
    copyFrom(table, columns, text) {
      writes.gather();
      return new Promise((resolve, reject) => {
        client.query(new EagerCopyQuery(copyStatement(table, columns), typeof text === "string" ? [text] : text, (error, result) => (error ? reject(error) : resolve(result.rowCount ?? 0))));
      });
    },
    flush: writes.flush,
  };
}

/**
 * Settings of every connection, sent as it opens (an `options` in the URL takes their place).
 * jit off: the server compiles a statement whose estimated cost passes jit_above_cost, tens of
 * milliseconds each time it runs, to save CPU over millions of rows; Kubetrail's statements read
 * an index's few thousand rows, and an estimate made from the table's averages passes that cost
 * where the rows are few (the search's count of watch twins on a small cluster: 15 ms became
 * 60–98, docs/benchmarks.md "JIT and the search's count").
 */
const SESSION_OPTIONS = "-c jit=off";

/** Opens a pool to a Postgres server. */
export function openPostgres(connectionString: string, options: { maxConnections?: number } = {}): Database {
  const max = options.maxConnections ?? 10;
  const pool = new pg.Pool({ connectionString, max, options: SESSION_OPTIONS });
  // Transactions (ingest's, the pruner's) have their own connections, in pipeline mode: see
  // PipelinedTransaction. Prisma and single statements keep the ordinary ones.
  const transactionPool = new pg.Pool({ connectionString, max, pipeline: true, options: SESSION_OPTIONS });
  // An idle client that loses its connection must not crash the process.
  for (const p of [pool, transactionPool]) p.on("error", (error) => console.error(`postgres pool: ${error.message}`));
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  const direct = sqlOf(pool);

  return {
    kind: "postgres",
    prisma,
    query: direct.query,
    async transaction(work) {
      const client = await transactionPool.connect();
      // The work starts while BEGIN is on its way (see PipelinedTransaction).
      const tx = PipelinedTransaction.begin(runnerOf(client));
      try {
        const result = await work(tx);
        await tx.commit();
        return result;
      } catch (error) {
        await tx.rollback();
        throw tx.firstFailure() ?? error;
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
      await Promise.all([pool.end(), transactionPool.end()]);
    },
  };
}
