import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { openTestDatabase, type TestDatabase } from "../testing/databases";
import type { Sql } from "./database";

/**
 * A plan the planner takes for an expensive one, a hundred million rows it never reads: as it
 * took the dashboard search's count of watch twins on a small cluster's month (its estimate per
 * object is the table's watch entries over its few objects; docs/benchmarks.md, "JIT and the
 * search's count"). Explained, never run.
 */
const EXPENSIVE_PLAN = `EXPLAIN SELECT count(*) FROM generate_series(1, 100000000) g`;

const planOf = async (sql: Sql) => (await sql.query<{ "QUERY PLAN": string }>(EXPENSIVE_PLAN)).rows.map((row) => row["QUERY PLAN"]).join("\n");
const jitOf = async (sql: Sql) => (await sql.query<{ jit: string }>(`SHOW jit`)).rows[0]!.jit;

describe("Kubetrail's connections to a Postgres server", () => {
  let test: TestDatabase;
  afterEach(() => test.dispose());

  it("compile no statement with JIT, whatever the server's default: single statements, transactions, Prisma's", async () => {
    test = await openTestDatabase("postgres");
    // The server's own default, as any other client of it gets it.
    const other = new pg.Client({ connectionString: test.url! });
    await other.connect();
    try {
      const available = (await other.query<{ available: boolean }>(`SELECT pg_jit_available() AS available`)).rows[0]!.available;
      // (A server built without LLVM, or set to jit = off, compiles nothing for anyone.)
      if (available && (await jitOf(other)) === "on") expect(await planOf(other)).toMatch(/JIT:/);
    } finally {
      await other.end();
    }

    expect(await jitOf(test.db)).toBe("off");
    expect(await planOf(test.db)).not.toMatch(/JIT/);
    expect(await test.db.transaction(async (tx) => [await jitOf(tx), await planOf(tx)])).toEqual(["off", expect.not.stringMatching(/JIT/)]);
    expect(await test.db.prisma.$queryRawUnsafe<Array<{ jit: string }>>(`SHOW jit`)).toEqual([{ jit: "off" }]);
  });
});
