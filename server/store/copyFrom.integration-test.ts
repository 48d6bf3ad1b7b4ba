import { afterEach, describe, expect, it } from "vitest";
import { STORE_KINDS, openTestDatabase, type TestDatabase } from "../testing/databases";
import { copyRow } from "./copyText";

describe.each(STORE_KINDS)("COPY FROM in a transaction on %s", (kind) => {
  let test: TestDatabase;
  afterEach(() => test.dispose());

  const tricky = ["tab\there", "line\nbreak\r\n", "back\\slash \\N", "üñí ☃", "", '{"k":"v\\"q"}'];

  it("loads every row exactly as given, nulls and escapes included", async () => {
    test = await openTestDatabase(kind);
    await test.db.query(`CREATE TABLE copy_probe (id int, t text, j json, n int)`);
    const loaded = await test.db.transaction((tx) =>
      tx.copyFrom("copy_probe", ["id", "t", "j", "n"], tricky.map((t, i) => copyRow([i, t, JSON.stringify({ t }), i % 2 ? null : i])).join("")),
    );
    expect(loaded).toBe(tricky.length);
    const rows = await test.db.query<{ id: number; t: string; j: { t: string }; n: number | null }>(`SELECT id, t, j, n FROM copy_probe ORDER BY id`);
    expect(rows.rows.map((r) => r.t)).toEqual(tricky);
    expect(rows.rows.map((r) => r.j.t)).toEqual(tricky);
    expect(rows.rows.map((r) => r.n)).toEqual(tricky.map((_, i) => (i % 2 ? null : i)));
  });

  it("loads nothing when the transaction rolls back", async () => {
    test = await openTestDatabase(kind);
    await test.db.query(`CREATE TABLE copy_probe (id int)`);
    await expect(
      test.db.transaction(async (tx) => {
        await tx.copyFrom("copy_probe", ["id"], copyRow([1]) + copyRow([2]));
        throw new Error("changed my mind");
      }),
    ).rejects.toThrow("changed my mind");
    expect((await test.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM copy_probe`)).rows[0]!.n).toBe(0);
  });

  it("fails the transaction with Postgres's message on a malformed row", async () => {
    test = await openTestDatabase(kind);
    await test.db.query(`CREATE TABLE copy_probe (id int)`);
    await expect(test.db.transaction((tx) => tx.copyFrom("copy_probe", ["id"], "not-a-number\n"))).rejects.toThrow(/invalid input syntax for type integer/);
  });
});
