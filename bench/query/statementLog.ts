import type { Sql, SqlResult } from "../../server/store/database";

/** One SQL statement a case ran, with how long it took (ms, as the client saw it). */
export interface LoggedStatement {
  text: string;
  params: unknown[];
  ms: number;
  rows: number;
}

/**
 * An Sql that records every statement run through it: how many statements a case runs, how
 * long they take, and which to EXPLAIN. Concurrent statements overlap, so their times can add
 * up to more than the case's wall time.
 */
export class StatementLog implements Sql {
  readonly statements: LoggedStatement[] = [];

  constructor(private readonly inner: Sql) {}

  async query<Row = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<SqlResult<Row>> {
    const started = performance.now();
    const result = await this.inner.query<Row>(text, params);
    this.statements.push({ text, params, ms: performance.now() - started, rows: result.rowCount });
    return result;
  }

  get totalMs(): number {
    return this.statements.reduce((sum, s) => sum + s.ms, 0);
  }
}
