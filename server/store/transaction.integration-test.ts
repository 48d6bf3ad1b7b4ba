import net from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { STORE_KINDS, openTestDatabase, type TestDatabase } from "../testing/databases";

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

  it("refuses the statements sent after one that failed", async () => {
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
    expect(String(later)).toMatch(/current transaction is aborted/);
    expect(await values()).toEqual([]);
  });

  it("fails with the statement that failed first, not with those refused after it", async () => {
    test = await openTestDatabase(kind);
    await test.db.query(`CREATE TABLE probe (seq serial, v int CHECK (v < 10))`);
    // The COPY behind the failing INSERT is refused ("current transaction is aborted"), and its
    // rejection may reach the work before the INSERT's: the transaction still names the cause.
    for (let i = 0; i < 5; i++) {
      await expect(
        test.db.transaction(async (tx) => {
          await Promise.all([tx.query(`INSERT INTO probe (v) VALUES (99)`), tx.copyFrom("probe", ["v"], "1\n"), tx.query(`SELECT 1`)]);
        }),
      ).rejects.toThrow(/probe_v_check/);
    }
    expect(await values()).toEqual([]);
  });

  it("copies rows sent with the COPY statement, between other statements, and fails with a COPY that fails", async () => {
    test = await openTestDatabase(kind);
    await test.db.query(`CREATE TABLE probe (seq serial, v int)`);
    await test.db.transaction(async (tx) => {
      const statements = [tx.query(`INSERT INTO probe (v) VALUES (1)`), tx.copyFrom("probe", ["v"], "2\n3\n"), tx.query(`INSERT INTO probe (v) VALUES (4)`)];
      expect(await Promise.all(statements)).toMatchObject([{ rowCount: 1 }, 2, { rowCount: 1 }]);
    });
    await expect(
      test.db.transaction(async (tx) => {
        const statements = [tx.copyFrom("probe", ["v"], "5\nnot a number\n"), tx.query(`INSERT INTO probe (v) VALUES (6)`)];
        await Promise.all(statements);
      }),
    ).rejects.toThrow(/invalid input syntax for type integer/);
    // The connection is still usable, in its pool, after rows that were sent for a COPY that failed.
    for (let i = 0; i < 12; i++) await test.db.transaction((tx) => tx.query(`SELECT 1`));
    expect(await values()).toEqual([1, 2, 3, 4]);
  });
});

describe("transactions on Postgres", () => {
  let test: TestDatabase;
  afterEach(() => {
    vi.restoreAllMocks();
    return test.dispose();
  });

  it("send the statements and COPYs the work sends together in one socket write", async () => {
    test = await openTestDatabase("postgres");
    await test.db.query(`CREATE TABLE probe (seq serial, v int)`);
    const writes: number[] = [];
    await test.db.transaction(async (tx) => {
      // Counted from here: BEGIN has been answered.
      const countWrite = () => writes.push(1);
      const single = net.Socket.prototype._write;
      const gathered = net.Socket.prototype._writev!;
      vi.spyOn(net.Socket.prototype, "_write").mockImplementation(function (this: net.Socket, ...args) {
        countWrite();
        return single.apply(this, args);
      });
      vi.spyOn(net.Socket.prototype, "_writev").mockImplementation(function (this: net.Socket, ...args) {
        countWrite();
        return gathered.apply(this, args);
      });
      const statements = [
        ...[1, 2, 3].map((v) => tx.query({ name: "probe_insert", text: `INSERT INTO probe (v) VALUES ($1)` }, [v])),
        tx.copyFrom("probe", ["v"], "4\n5\n"),
        tx.query(`SELECT count(*) FROM probe`),
      ];
      await Promise.all(statements);
      vi.restoreAllMocks();
    });
    expect(writes.length).toBe(1);
    expect((await test.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM probe`)).rows[0]!.n).toBe(5);
  });
});
