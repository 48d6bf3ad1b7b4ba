import type { SqlResult, Transaction } from "./database";

/** What a pipelined transaction needs of a connection: run one statement, or one COPY. */
export interface StatementRunner {
  query(text: string, params?: unknown[]): Promise<{ rows: unknown[]; rowCount: number | null; command?: string }>;
  copyFrom(table: string, columns: readonly string[], text: string): Promise<number>;
}

/** Thrown by statements sent after one that failed: they never reached the database. */
export class EarlierStatementFailedError extends Error {
  constructor(readonly cause: unknown) {
    super(`not sent: an earlier statement of this transaction failed (${(cause as Error)?.message ?? cause})`);
  }
}

/**
 * A transaction on one connection whose statements are sent as soon as the one before them
 * has completed, without waiting for the caller to ask for the next one.
 *
 * The caller may send several statements without awaiting each: they queue here in order, and
 * each goes out from the completion of the one before, in the same turn of the event loop. On
 * a busy server that turn matters: a reply otherwise waits in the socket until this thread is
 * done with whatever else it is doing (other batches' parsing and diffing, milliseconds each),
 * while the transaction holds its locks. BEGIN is queued the same way, in front of the first
 * statement, and COMMIT right behind the last, even one the work did not wait for.
 *
 * After a statement fails, nothing more is sent (the database would refuse it anyway): later
 * statements reject with EarlierStatementFailedError, and commit() rolls back and rejects.
 */
export class PipelinedTransaction implements Transaction {
  private tail: Promise<unknown> = Promise.resolve();
  private readonly outstanding: Array<Promise<unknown>> = [];
  private failure: { error: unknown } | null = null;
  private ended = false;

  constructor(private readonly connection: StatementRunner) {
    void this.enqueue(() => connection.query("BEGIN")).catch(() => undefined);
  }

  query<Row>(text: string, params?: unknown[]): Promise<SqlResult<Row>> {
    return this.enqueue(() => this.connection.query(text, params)).then((result) => ({ rows: result.rows as Row[], rowCount: result.rowCount ?? 0 }));
  }

  copyFrom(table: string, columns: readonly string[], text: string): Promise<number> {
    return this.enqueue(() => this.connection.copyFrom(table, columns, text));
  }

  /**
   * Sends COMMIT behind every statement sent so far, waits for all of them, and resolves once
   * the transaction is committed. Rejects with the first failure (the transaction is then rolled
   * back) — also for statements the work sent and did not wait for.
   */
  async commit(): Promise<void> {
    const committed = this.failure ? null : this.enqueue(() => this.connection.query("COMMIT"));
    await Promise.allSettled(this.outstanding);
    if (this.failure) {
      await this.rollback();
      throw this.failure.error;
    }
    // COMMIT of a transaction that failed is answered as a ROLLBACK, not an error.
    const result = await committed!;
    this.ended = true;
    if (result.command !== undefined && result.command !== "COMMIT") throw new Error(`the transaction was not committed (${result.command})`);
  }

  /** Waits for whatever was sent, then rolls back (once); never rejects. */
  async rollback(): Promise<void> {
    await Promise.allSettled(this.outstanding);
    if (this.ended) return;
    this.ended = true;
    await this.connection.query("ROLLBACK").catch(() => undefined);
  }

  private enqueue<T>(send: () => Promise<T>): Promise<T> {
    const run = this.tail.then(() => {
      if (this.failure) throw new EarlierStatementFailedError(this.failure.error);
      return send();
    });
    this.tail = run.catch(() => undefined);
    this.outstanding.push(
      run.catch((error) => {
        this.failure ??= { error };
      }),
    );
    return run;
  }
}
