import type { CopyText } from "./copyText";
import type { SqlResult, Statement, Transaction } from "./database";

/**
 * What a pipelined transaction needs of a connection: statements and COPYs that go out when
 * called, without waiting for those sent before them (node-postgres's pipeline mode), and are
 * answered in order.
 */
export interface StatementRunner {
  query(statement: Statement, params?: unknown[]): Promise<{ rows: unknown[]; rowCount: number | null; command?: string }>;
  copyFrom(table: string, columns: readonly string[], text: string | CopyText): Promise<number>;
}

/**
 * A transaction on a pipelined connection: every statement is sent when the work asks for it,
 * behind those still running, so that statements that do not depend on each other's results
 * cost one round trip together instead of one each. On a busy server the round trip is the
 * lesser part: a reply waits in the socket until this thread is done with whatever else it is
 * doing (other batches' parsing and diffing, milliseconds each) while the transaction holds its
 * locks. COMMIT is sent the same way, behind the last statement, even one the work did not wait
 * for. Postgres runs the statements in the order sent; after one fails, it refuses the rest
 * ("current transaction is aborted") and answers COMMIT with a rollback.
 *
 * Only BEGIN is waited for before anything else is sent: were it to fail, the statements behind
 * it would each run, and commit, on their own.
 */
export class PipelinedTransaction implements Transaction {
  private readonly outstanding: Array<Promise<unknown>> = [];
  /** The failed statement sent first: rejections may settle out of order (promise chains differ in length). */
  private failure: { index: number; error: unknown } | null = null;
  private ended = false;

  private constructor(private readonly connection: StatementRunner) {}

  static async begin(connection: StatementRunner): Promise<PipelinedTransaction> {
    await connection.query("BEGIN");
    return new PipelinedTransaction(connection);
  }

  query<Row>(statement: Statement, params?: unknown[]): Promise<SqlResult<Row>> {
    return this.track(this.connection.query(statement, params)).then((result) => ({ rows: result.rows as Row[], rowCount: result.rowCount ?? 0 }));
  }

  copyFrom(table: string, columns: readonly string[], text: string | CopyText): Promise<number> {
    return this.track(this.connection.copyFrom(table, columns, text));
  }

  /**
   * Sends COMMIT behind every statement sent so far and resolves once the transaction is
   * committed. Rejects with the first failure, also of statements the work did not wait for;
   * the transaction is then rolled back.
   */
  async commit(): Promise<void> {
    const committing = this.connection.query("COMMIT");
    const [commitOutcome] = await Promise.allSettled([committing, ...this.outstanding]);
    this.ended = true;
    if (this.failure) throw this.failure.error;
    if (commitOutcome.status === "rejected") throw commitOutcome.reason;
    // COMMIT of a transaction that failed is answered as a ROLLBACK, not as an error.
    const command = commitOutcome.value.command;
    if (command !== undefined && command !== "COMMIT") throw new Error(`the transaction was not committed (${command})`);
  }

  /**
   * The first statement that failed, in the order sent: the cause, where the statements after it
   * (and code waiting on them) fail with "current transaction is aborted". Call after rollback().
   */
  firstFailure(): unknown {
    return this.failure?.error ?? null;
  }

  /** Waits for whatever was sent, then rolls back unless the transaction has ended; never rejects. */
  async rollback(): Promise<void> {
    await Promise.allSettled(this.outstanding);
    if (this.ended) return;
    this.ended = true;
    await this.connection.query("ROLLBACK").catch(() => undefined);
  }

  private track<T>(statement: Promise<T>): Promise<T> {
    const index = this.outstanding.length;
    this.outstanding.push(
      statement.catch((error) => {
        if (!this.failure || index < this.failure.index) this.failure = { index, error };
      }),
    );
    return statement;
  }
}
