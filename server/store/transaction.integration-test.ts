import { afterEach, describe, expect, it } from "vitest";
import { STORE_KINDS, openTestDatabase, type TestDatabase } from "../testing/databases";
import { EarlierStatementFailedError } from "./pipelinedTransaction";

describe.each(STORE_KINDS)("transactions with statements sent without waiting on %s", (kind) => {
  let test: TestDatabase;
  afterEach(() => test.dispose());

  const values = async () => (await test.db.query<{ v: number }>(`SELECT v FROM probe ORDER BY seq`)).rows.map((r) => r.v);

  it("runs them in the order they were sent and commits them all, also those the work did not wait for", async () => {
    test = await openTestDatabase(kind);
    await test.db.query(`CREATE TABLE probe (seq serial, v int)`);
    const seen = await test.db.transaction(async (tx) => {
      const inserts = [1, 2, 3].map((v) => tx.query(`INSERT INTO probe (v) VALUES ($1)`, [v]));
      // Sent after the inserts, so it sees them, though none was awaited yet.
      const count = tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM probe`);
      await Promise.all(inserts);
      // Left running when the work returns: the transaction waits for it before COMMIT.
      tx.query(`INSERT INTO probe (v) VALUES (4)`).catch(() => undefined);
      return (await count).rows[0]!.n;
    });
    expect(seen).toBe(3);
    expect(await values()).toEqual([1, 2, 3, 4]);
  });

  it("rolls everything back when a statement it did not wait for fails, and says why", async () => {
    test = await openTestDatabase(kind);
    await test.db.query(`CREATE TABLE probe (seq serial, v int CHECK (v < 10))`);
    await expect(
      test.db.transaction(async (tx) => {
        await tx.query(`INSERT INTO probe (v) VALUES (1)`);
        tx.query(`INSERT INTO probe (v) VALUES (99)`).catch(() => undefined);
      }),
    ).rejects.toThrow(/probe_v_check/);
    expect(await values()).toEqual([]);
  });

  it("sends nothing after a statement that failed", async () => {
    test = await openTestDatabase(kind);
    await test.db.query(`CREATE TABLE probe (seq serial, v int CHECK (v < 10))`);
    let later: unknown = null;
    await expect(
      test.db.transaction(async (tx) => {
        const failing = tx.query(`INSERT INTO probe (v) VALUES (99)`);
        const after = tx.query(`INSERT INTO probe (v) VALUES (1)`).catch((error) => (later = error));
        await Promise.allSettled([failing, after]);
        await failing;
      }),
    ).rejects.toThrow(/probe_v_check/);
    if (kind === "postgres") expect(later).toBeInstanceOf(EarlierStatementFailedError);
    else expect(String(later)).toMatch(/aborted|probe_v_check/); // PGlite: sent, and refused by the aborted transaction
    expect(await values()).toEqual([]);
  });
});
