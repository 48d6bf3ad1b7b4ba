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
  /** Puts on the wire now whatever was sent so far (a runner may hold writes back to gather them). */
  flush(): void;
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
 * Nothing is sent behind BEGIN before it is answered: were it to fail, the statements behind it
 * would each run, and commit, on their own. But the work does not wait for that answer: it
 * starts at once, and the statements it asks for meanwhile are held here, in order, and sent
 * the moment BEGIN succeeds. So work done before the first statement (ingest parses and
 * converts a batch there, several milliseconds) hides the BEGIN round trip.
 */
export class PipelinedTransaction implements Transaction {
  private readonly outstanding: Array<Promise<unknown>> = [];
  /** The failed statement sent first: rejections may settle out of order (promise chains differ in length). */
  private failure: { index: number; error: unknown } | null = null;
  private ended = false;
  /** Until BEGIN is answered: the sends asked for meanwhile, in order. Null once it has been. */
  private held: Array<() => void> | null = [];
  /** Why BEGIN failed, once it has. */
  private beginFailure: { error: unknown } | null = null;
  /** Settles (never rejects) when BEGIN is answered. */
  private readonly begun: Promise<void>;

  private constructor(private readonly connection: StatementRunner) {
    this.begun = connection.query("BEGIN").then(
      () => this.release(),
      (error: unknown) => {
        this.beginFailure = { error };
        this.release();
      },
    );
    // Out now, not when the runner would next gather writes: the work that follows may run for
    // milliseconds without yielding, and the round trip is meant to happen meanwhile.
    connection.flush();
  }

  /** Sends BEGIN and returns at once; see the class comment. */
  static begin(connection: StatementRunner): PipelinedTransaction {
    return new PipelinedTransaction(connection);
  }

  query<Row>(statement: Statement, params?: unknown[]): Promise<SqlResult<Row>> {
    return this.track(this.send(() => this.connection.query(statement, params))).then((result) => ({ rows: result.rows as Row[], rowCount: result.rowCount ?? 0 }));
  }

  copyFrom(table: string, columns: readonly string[], text: string | CopyText): Promise<number> {
    return this.track(this.send(() => this.connection.copyFrom(table, columns, text)));
  }

  /** Sends now once BEGIN has succeeded; before that, holds the send back, behind those held already. */
  private send<T>(sendNow: () => Promise<T>): Promise<T> {
    if (this.beginFailure) return Promise.reject(this.beginFailure.error);
    const held = this.held;
    if (held === null) return sendNow();
    return new Promise<T>((resolve, reject) => {
      held.push(() => {
        if (this.beginFailure) reject(this.beginFailure.error);
        else sendNow().then(resolve, reject);
      });
    });
  }

  private release(): void {
    const held = this.held ?? [];
    this.held = null;
    for (const sendHeld of held) sendHeld();
  }

  /**
   * Sends COMMIT behind every statement sent so far and resolves once the transaction is
   * committed. Rejects with the first failure, also of statements the work did not wait for;
   * the transaction is then rolled back.
   */
  async commit(): Promise<void> {
    const committing = this.send(() => this.connection.query("COMMIT"));
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
    await Promise.allSettled([this.begun, ...this.outstanding]);
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
