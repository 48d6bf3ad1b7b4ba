import type { CopyText } from "./copyText";
import type { PrismaClient } from "./generated/client";

/** The result of one SQL statement, the same for node-postgres and PGlite. */
export interface SqlResult<Row> {
  rows: Row[];
  rowCount: number;
}

/**
 * A statement whose text never varies, run often: a Postgres connection parses, analyses and
 * plans it once (the first time it runs there) and then only binds and executes it. For the
 * bulk statements of ingest that work was about a fifth of Postgres's CPU time. Made by
 * `prepared`, which keeps names unique.
 */
export interface PreparedStatement {
  readonly name: string;
  readonly text: string;
}

/** SQL text, or a prepared statement. */
export type Statement = string | PreparedStatement;

const preparedTexts = new Map<string, string>();

/** The statement `text` under `name`; a name stands for one text in the whole process. */
export function prepared(name: string, text: string): PreparedStatement {
  const known = preparedTexts.get(name);
  if (known === undefined) preparedTexts.set(name, text);
  else if (known !== text) throw new Error(`prepared statement "${name}" was already defined with another text`);
  return { name, text };
}

export const statementText = (statement: Statement): string => (typeof statement === "string" ? statement : statement.text);

/** Anything that runs SQL: the database itself or an open transaction. */
export interface Sql {
  query<Row = Record<string, unknown>>(statement: Statement, params?: unknown[]): Promise<SqlResult<Row>>;
}

/**
 * An open transaction. It can also bulk-load rows with `COPY … FROM STDIN`, the cheapest way
 * into Postgres (no statement per row, no parameter encoding): the hot ingest path uses it.
 */
export interface Transaction extends Sql {
  /**
   * Loads `text`, rows in COPY's text format (server/store/copyText.ts), whole or in pieces,
   * into `table`'s `columns`; resolves with the number of rows loaded.
   */
  copyFrom(table: string, columns: readonly string[], text: string | CopyText): Promise<number>;
}

/**
 * Kubetrail's handle on its store: raw SQL for the hot paths (bulk ingest), Prisma
 * for everything else. Both go to the same database: a Postgres server (`DATABASE_URL`)
 * or the embedded PGlite database in the data directory.
 */
export interface Database extends Sql {
  readonly kind: "postgres" | "pglite";
  /**
   * Runs `work` in one transaction: committed when it resolves, rolled back when it throws.
   * Statements the work sends without waiting for them are part of it: the transaction commits
   * once they have completed, and fails (rolled back) if any of them failed. (The work must
   * still handle such a statement's rejection, or Node reports it as unhandled.) On Postgres
   * the work starts before the server has answered BEGIN, and its statements are held until it
   * has (PipelinedTransaction): work done before the first statement hides that round trip.
   */
  transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T>;
  /** Runs a multi-statement SQL script (a migration) outside of any transaction. */
  execScript(sql: string): Promise<void>;
  /** Runs `work` on one connection that holds a session-level advisory lock. */
  withSessionLock<T>(lockId: number, work: (session: Sql & { execScript(sql: string): Promise<void> }) => Promise<T>): Promise<T>;
  readonly prisma: PrismaClient;
  close(): Promise<void>;
}
