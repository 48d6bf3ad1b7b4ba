import { afterEach, describe, expect, it } from "vitest";
import { STORE_KINDS, openTestDatabase, type TestDatabase } from "../testing/databases";
import { prepared } from "./database";

describe("prepared", () => {
  it("keeps one text per name", () => {
    const first = prepared("test_one_text_per_name", "SELECT 1");
    expect(prepared("test_one_text_per_name", "SELECT 1")).toEqual(first);
    expect(() => prepared("test_one_text_per_name", "SELECT 2")).toThrow(/already defined with another text/);
  });
});

describe.each(STORE_KINDS)("prepared statements on %s", (kind) => {
  let test: TestDatabase;
  afterEach(() => test.dispose());

  const insert = prepared(`test_insert_probe`, `INSERT INTO probe (v) SELECT unnest($1::int[]) RETURNING v`);
  const sum = prepared(`test_sum_probe`, `SELECT coalesce(sum(v), 0)::int AS total FROM probe`);

  it("run again and again, on every connection, in and out of transactions", async () => {
    test = await openTestDatabase(kind);
    await test.db.query(`CREATE TABLE probe (v int CHECK (v < 100))`);
    for (let i = 0; i < 3; i++) expect((await test.db.query(insert, [[1]])).rows).toEqual([{ v: 1 }]);
    // Several transactions at once: several connections, each preparing the statements itself.
    await Promise.all(
      Array.from({ length: 6 }, () =>
        test.db.transaction(async (tx) => {
          await Promise.all([tx.query(insert, [[2, 3]]), tx.query(insert, [[4]])]);
        }),
      ),
    );
    expect((await test.db.query<{ total: number }>(sum)).rows[0]!.total).toBe(3 + 6 * 9);
  });

  it("still run after a transaction in which they were first sent behind a failure", async () => {
    test = await openTestDatabase(kind);
    await test.db.query(`CREATE TABLE probe (v int CHECK (v < 100))`);
    const failOnce = prepared(`test_first_behind_failure`, `SELECT count(*)::int AS n FROM probe WHERE v > $1`);
    // The statement is first sent on this connection after a failed one: Postgres refuses it
    // unparsed, and it must be parsed again the next time, not taken as prepared.
    await expect(
      test.db.transaction(async (tx) => {
        const failing = tx.query(insert, [[500]]);
        const refused = tx.query(failOnce, [0]);
        await Promise.allSettled([failing, refused]);
        await failing;
      }),
    ).rejects.toThrow(/probe_v_check/);
    for (let i = 0; i < 3; i++) {
      const counted = await test.db.transaction((tx) => tx.query<{ n: number }>(failOnce, [0]));
      expect(counted.rows).toEqual([{ n: 0 }]);
    }
    expect((await test.db.query<{ n: number }>(failOnce, [0])).rows).toEqual([{ n: 0 }]);
  });
});
