import fs from "node:fs";
import path from "node:path";
import { PGlite, types } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { PrismaClient } from "./generated/client";
import { statementText, type Database, type Sql, type SqlResult, type Statement, type Transaction } from "./database";
import { copyStatement } from "./copyText";
import { acquireDirectoryLock } from "./directoryLock";
import { isArrayParam, plainArray } from "./arrayParam";

interface Queryable {
  query<Row>(text: string, params?: unknown[], options?: { blob?: Blob }): Promise<{ rows: Row[]; affectedRows?: number }>;
  exec(sql: string): Promise<unknown>;
}

function sqlOf(target: Queryable): Sql {
  return {
    async query<Row>(statement: Statement, params?: unknown[]): Promise<SqlResult<Row>> {
      // Array parameters as plain arrays, which PGlite serialises itself (arrayParam.ts). One
      // process, one connection: nothing to gain from preparing statements by name.
      const result = await target.query<Row>(statementText(statement), params?.map((param) => (isArrayParam(param) ? plainArray(param) : param)));
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
    },
  };
}

/**
 * PGlite runs one statement at a time, in the order they are sent, so statements sent without
 * waiting need no queue here; they are tracked only so that the transaction waits for them
 * (and fails with them) before it commits, as Database.transaction promises.
 */
function transactionOf(target: Queryable): Transaction & { settle(): Promise<void>; firstFailure(): Promise<unknown> } {
  const outstanding: Array<Promise<unknown>> = [];
  const track = <T>(statement: Promise<T>): Promise<T> => {
    outstanding.push(statement);
    return statement;
  };
  const sql = sqlOf(target);
  return {
    query: (text, params) => track(sql.query(text, params)),
    copyFrom(table, columns, text) {
      // PGlite has no COPY sub-protocol: it reads the rows from a blob named /dev/blob.
      return track(target.query(copyStatement(table, columns, "'/dev/blob'"), [], { blob: new Blob(typeof text === "string" ? [text] : [...text]) }).then((result) => result.affectedRows ?? 0));
    },
    async settle() {
      const failed = (await Promise.allSettled(outstanding)).find((outcome) => outcome.status === "rejected");
      if (failed) throw (failed as PromiseRejectedResult).reason;
    },
    async firstFailure() {
      const failed = (await Promise.allSettled(outstanding)).find((outcome) => outcome.status === "rejected");
      return failed ? (failed as PromiseRejectedResult).reason : null;
    },
  };
}

/**
 * Opens (creating when needed) the embedded database in `<dataDir>/pglite`. PGlite is one
 * in-process Postgres: only one process may open a directory, which a lock file enforces
 * with a clear error instead of a corrupted database.
 */
export async function openPglite(dataDir: string | "memory"): Promise<Database> {
  let releaseLock = () => {};
  let location: string | undefined;
  if (dataDir !== "memory") {
    location = path.join(dataDir, "pglite");
    fs.mkdirSync(location, { recursive: true });
    releaseLock = acquireDirectoryLock(path.join(dataDir, "pglite.lock"));
  }
  let db: PGlite;
  try {
    db = await PGlite.create(location, {
      extensions: { pg_trgm },
      // Same as node-postgres in postgres.ts: int8 as numbers.
      parsers: { [types.INT8]: (value: string) => Number(value) },
    });
  } catch (error) {
    releaseLock();
    throw error;
  }
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(db) });
  const direct = sqlOf(db as unknown as Queryable);
  const execScript = async (sql: string) => void (await db.exec(sql));

  return {
    kind: "pglite",
    prisma,
    query: direct.query,
    transaction: (work) =>
      db.transaction(async (pgliteTx) => {
        const tx = transactionOf(pgliteTx as unknown as Queryable);
        try {
          const result = await work(tx);
          await tx.settle();
          return result;
        } catch (error) {
          // The first statement that failed, in the order sent, is the cause; what failed after it
          // ("current transaction is aborted") and code waiting on it is not.
          throw (await tx.firstFailure()) ?? error;
        }
      }),
    execScript,
    // One connection only: the advisory lock still guards against re-entry within the process.
    async withSessionLock(lockId, work) {
      await db.query("SELECT pg_advisory_lock($1)", [lockId]);
      try {
        return await work({ ...direct, execScript });
      } finally {
        await db.query("SELECT pg_advisory_unlock($1)", [lockId]);
      }
    },
    async close() {
      await prisma.$disconnect();
      await db.close();
      releaseLock();
    },
  };
}
