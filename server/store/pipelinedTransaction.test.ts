import { describe, expect, it } from "vitest";
import { statementText, type Statement } from "./database";
import { PipelinedTransaction, type StatementRunner } from "./pipelinedTransaction";

/**
 * A connection that records what goes on the wire and answers BEGIN only when told to: the
 * order and timing of sends are what is under test, and a real server answers BEGIN before a
 * test could look (server/store/transaction.integration-test.ts runs the real thing).
 */
function connection() {
  const sent: string[] = [];
  let flushes = 0;
  let answerBegin!: { resolve: () => void; reject: (error: Error) => void };
  const runner: StatementRunner = {
    query(statement: Statement) {
      const text = statementText(statement);
      sent.push(text);
      if (text === "BEGIN") return new Promise((resolve, reject) => (answerBegin = { resolve: () => resolve({ rows: [], rowCount: null }), reject }));
      return Promise.resolve({ rows: [], rowCount: 0, command: text === "COMMIT" ? "COMMIT" : undefined });
    },
    copyFrom(table: string) {
      sent.push(`COPY ${table}`);
      return Promise.resolve(0);
    },
    flush() {
      flushes++;
    },
  };
  return { runner, sent, flushes: () => flushes, answerBegin: () => answerBegin };
}

const settled = () => new Promise((resolve) => setImmediate(resolve));

describe("PipelinedTransaction", () => {
  it("returns before BEGIN is answered, holds what the work sends meanwhile, then sends it in order", async () => {
    const c = connection();
    const tx = PipelinedTransaction.begin(c.runner);
    expect(c.sent).toEqual(["BEGIN"]);
    // BEGIN goes out at once, not when the connection would next gather writes.
    expect(c.flushes()).toBe(1);

    const first = tx.query("SELECT 1");
    const copy = tx.copyFrom("history_entries", ["a"], "1\n");
    const second = tx.query("SELECT 2");
    await settled();
    expect(c.sent).toEqual(["BEGIN"]);

    c.answerBegin().resolve();
    await Promise.all([first, copy, second]);
    expect(c.sent).toEqual(["BEGIN", "SELECT 1", "COPY history_entries", "SELECT 2"]);

    // Once BEGIN is answered, a statement goes out when asked for.
    void tx.query("SELECT 3");
    expect(c.sent.at(-1)).toBe("SELECT 3");
    await tx.commit();
    expect(c.sent.at(-1)).toBe("COMMIT");
  });

  it("sends nothing behind a BEGIN that failed, and fails every statement and the commit with its error", async () => {
    const c = connection();
    const tx = PipelinedTransaction.begin(c.runner);
    const held = tx.query("INSERT INTO audit_receipts VALUES (1)");
    c.answerBegin().reject(new Error("the database system is shutting down"));
    await expect(held).rejects.toThrow(/shutting down/);
    await expect(tx.query("SELECT 1")).rejects.toThrow(/shutting down/);
    await expect(tx.commit()).rejects.toThrow(/shutting down/);
    expect(c.sent).toEqual(["BEGIN"]);
    expect(tx.firstFailure()).toBeInstanceOf(Error);
  });

  it("rolls back once BEGIN is answered when the work fails before sending anything", async () => {
    const c = connection();
    const tx = PipelinedTransaction.begin(c.runner);
    const rolledBack = tx.rollback();
    await settled();
    expect(c.sent).toEqual(["BEGIN"]);
    c.answerBegin().resolve();
    await rolledBack;
    expect(c.sent).toEqual(["BEGIN", "ROLLBACK"]);
    expect(tx.firstFailure()).toBeNull();
  });
});
