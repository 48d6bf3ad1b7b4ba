import { afterEach, describe, expect, it } from "vitest";
import type { Database, Sql } from "../database";
import { STORE_KINDS } from "../../testing/databases";
import { startTestApp, type TestApp } from "../../testing/appHarness";
import { allFalcoEvents } from "../../testing/fixtures";
import { runMaintenancePass } from "./pass";

let app: TestApp | null = null;
afterEach(async () => {
  await app?.close();
  app = null;
});

/** The real falco audit traces (shared/fixtures/real/falco-k8s-audit-traces), stored by the app's ingestor. */
async function appWithFalcoHistory(kind: (typeof STORE_KINDS)[number]): Promise<TestApp> {
  app = await startTestApp(kind);
  await app.context.ingestor.ingest("default", allFalcoEvents());
  await untilCountsArrived(app.database.db, ["objects", "history_entries"]);
  return app;
}

/**
 * Waits until the cumulative statistics count every row of `tables`. On Postgres, ingest's pool
 * connections send their counts up to 10 s after they went idle; counts arriving after a pass
 * would read as changes since its ANALYZE.
 */
async function untilCountsArrived(db: Database, tables: string[]): Promise<void> {
  for (;;) {
    await db.query("SELECT pg_stat_force_next_flush()");
    let behind = false;
    for (const table of tables) {
      const rows = await db.query<{ n: number }>(`SELECT count(*)::int8 AS n FROM ${table}`);
      const counted = await db.query<{ n: number }>("SELECT n_tup_ins AS n FROM pg_stat_user_tables WHERE relname = $1", [table]);
      if (Number(counted.rows[0]!.n) < Number(rows.rows[0]!.n)) behind = true;
    }
    if (!behind) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function tableState(sql: Sql, table: string) {
  await sql.query("SELECT pg_stat_force_next_flush()");
  const result = await sql.query<{ reltuples: number; last_analyze: Date | null; last_vacuum: Date | null; n_dead_tup: number; n_mod_since_analyze: number }>(
    `SELECT c.reltuples::float8 AS reltuples, s.last_analyze, s.last_vacuum, s.n_dead_tup, s.n_mod_since_analyze
       FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid WHERE s.relname = $1`,
    [table],
  );
  return result.rows[0]!;
}

/**
 * Runs `statements` in one transaction whose counts reach the cumulative statistics as it ends. A
 * connection sends them at most once a second, else after 10 s idle: on Postgres the pass's
 * connection may be another of the pool, whose own forced flush does not carry this one's.
 */
async function writeCounted(db: Database, statements: string[]): Promise<void> {
  await db.transaction(async (tx) => {
    for (const statement of statements) await tx.query(statement);
    await tx.query("SELECT pg_stat_force_next_flush()");
  });
}

const done = (actions: Array<{ table: string; statement: string }>) => actions.map((a) => `${a.statement} ${a.table}`);

describe.each(STORE_KINDS)("a maintenance pass (%s)", (kind) => {
  it("analyses the tables ingest filled, then leaves alone tables changed less than the threshold", async () => {
    const { db } = (await appWithFalcoHistory(kind)).database;
    expect((await tableState(db, "history_entries")).reltuples).toBe(-1);

    const first = await runMaintenancePass(db, () => {});
    expect(done(first)).toEqual(expect.arrayContaining(["ANALYZE history_entries", "ANALYZE objects"]));
    expect(first.every((action) => action.error === undefined)).toBe(true);
    const analysed = await tableState(db, "history_entries");
    expect(analysed.reltuples).toBe(Number((await db.query<{ n: number }>("SELECT count(*)::int AS n FROM history_entries")).rows[0]!.n));
    expect(analysed.last_analyze).not.toBeNull();
    // Tables ingest left empty are not touched.
    expect(done(first)).not.toContain("ANALYZE watched_states");

    // Ten changed rows of objects: under 50 + 10% of them.
    await writeCounted(db, ["UPDATE objects SET last_seen = last_seen WHERE id IN (SELECT id FROM objects ORDER BY id LIMIT 10)"]);
    expect((await tableState(db, "objects")).n_mod_since_analyze).toBe(10);
    const before = await tableState(db, "objects");
    expect(await runMaintenancePass(db, () => {})).toEqual([]);
    expect((await tableState(db, "objects")).last_analyze).toEqual(before.last_analyze);
  });

  it("vacuums a table with more dead rows than the threshold, and analyses it", async () => {
    const { db } = (await appWithFalcoHistory(kind)).database;
    await runMaintenancePass(db, () => {});
    const objects = Number((await db.query<{ n: number }>("SELECT count(*)::int AS n FROM objects")).rows[0]!.n);
    // Each update of every row leaves as many dead versions: enough over 50 + 20% of the rows. In one
    // transaction, as a batch of ingest writes, so that no page is pruned of them between updates.
    const rounds = Math.ceil((50 + 0.2 * objects) / objects) + 1;
    await writeCounted(db, Array.from({ length: rounds }, () => "UPDATE objects SET last_seen = last_seen"));
    expect((await tableState(db, "objects")).n_dead_tup).toBeGreaterThan(50 + 0.2 * objects);

    const logs: string[] = [];
    const actions = await runMaintenancePass(db, (message) => logs.push(message));
    expect(done(actions)).toEqual(["VACUUM objects", "ANALYZE objects"]);
    const after = await tableState(db, "objects");
    expect(after.n_dead_tup).toBe(0);
    expect(after.last_vacuum).not.toBeNull();
    expect(logs).toEqual([expect.stringMatching(/^maintenance: VACUUM objects took \d+ ms$/), expect.stringMatching(/^maintenance: ANALYZE objects took \d+ ms$/)]);
  });

  it("logs a failing statement and goes on with the next table", async () => {
    const { db } = (await appWithFalcoHistory(kind)).database;
    // The real database, but the statement on one table fails as a lock timeout or a damaged file would.
    const failingOnHistory: Sql = {
      query: (statement, params) =>
        statement === 'ANALYZE "history_entries"' ? Promise.reject(new Error("canceling statement due to lock timeout")) : db.query(statement, params),
    };
    const logs: string[] = [];
    const actions = await runMaintenancePass(failingOnHistory, (message) => logs.push(message));
    expect(actions.find((a) => a.table === "history_entries")?.error).toBe("canceling statement due to lock timeout");
    expect(logs).toContainEqual(expect.stringMatching(/^maintenance: ANALYZE history_entries failed after \d+ ms: canceling statement due to lock timeout$/));
    // Tables after it in the pass (by name) were still analysed.
    expect(done(actions)).toContain("ANALYZE objects");
    expect((await tableState(db, "objects")).last_analyze).not.toBeNull();
  });
});
