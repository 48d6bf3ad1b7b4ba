import { afterEach, describe, expect, it } from "vitest";
import { STORE_KINDS, openTestDatabase, type TestDatabase } from "../testing/databases";
import { ObjectIdPool } from "./objectIdPool";

describe.each(STORE_KINDS)("object ids drawn ahead on %s", (kind) => {
  let test: TestDatabase;
  afterEach(() => test.dispose());

  const sequenceValue = async () => (await test.db.query<{ v: number }>(`SELECT last_value AS v FROM objects_id_seq`)).rows[0]!.v;

  it("draws a block from the sequence and hands its ids out once", async () => {
    test = await openTestDatabase(kind);
    const pool = new ObjectIdPool(10);
    const first = await pool.take(test.db, 3);
    expect(await sequenceValue()).toBe(10);
    expect(pool.size).toBe(7);
    const second = await pool.take(test.db, 7);
    expect(await sequenceValue()).toBe(10); // no statement: the block had them
    expect([...first, ...second].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it("hands ids given back out again before drawing more", async () => {
    test = await openTestDatabase(kind);
    const pool = new ObjectIdPool(4);
    const taken = await pool.take(test.db, 4);
    pool.giveBack(taken.slice(2));
    expect(await pool.take(test.db, 2)).toEqual(taken.slice(2));
    expect(await sequenceValue()).toBe(4);
  });

  it("draws what a large request lacks, and never gives two concurrent takers the same id", async () => {
    test = await openTestDatabase(kind);
    const pool = new ObjectIdPool(8);
    const takers = await Promise.all(Array.from({ length: 6 }, (_, i) => pool.take(test.db, 5 + i)));
    const all = takers.flat();
    expect(takers.map((ids) => ids.length)).toEqual([5, 6, 7, 8, 9, 10]);
    expect(new Set(all).size).toBe(all.length);
    expect(Math.max(...all)).toBeLessThanOrEqual(await sequenceValue());
  });
});
