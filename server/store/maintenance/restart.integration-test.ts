import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Database } from "../database";
import { openPglite } from "../pglite";
import { runMaintenancePass } from "./pass";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

async function state(db: Database, table: string) {
  await db.query("SELECT pg_stat_force_next_flush()");
  const result = await db.query<{ reltuples: number; n_mod_since_analyze: number }>(
    "SELECT c.reltuples::float8 AS reltuples, s.n_mod_since_analyze FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid WHERE s.relname = $1",
    [table],
  );
  return result.rows[0]!;
}

describe("a maintenance pass after the embedded database was reopened", () => {
  it("analyses and vacuums a table that grew before the restart, though the counters of that growth are gone", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "kt-maintenance-"));
    dirs.push(dataDir);
    const first = await openPglite(dataDir);
    await first.query("CREATE TABLE grown (id int, note text)");
    await first.query("INSERT INTO grown SELECT g, repeat('x', 100) FROM generate_series(1, 1000) g");
    expect((await runMaintenancePass(first, () => {})).map((a) => `${a.statement} ${a.table}`)).toEqual(["ANALYZE grown"]);
    // Ten times the rows, then closed before any pass saw them.
    await first.query("INSERT INTO grown SELECT g, repeat('x', 100) FROM generate_series(1001, 11000) g");
    await first.close();

    const second = await openPglite(dataDir);
    try {
      expect(await state(second, "grown")).toEqual({ reltuples: 1000, n_mod_since_analyze: 0 });
      expect((await runMaintenancePass(second, () => {})).map((a) => `${a.statement} ${a.table}`)).toEqual(["VACUUM grown", "ANALYZE grown"]);
      expect((await state(second, "grown")).reltuples).toBe(11000);
      // Maintained: the next pass has nothing to do.
      expect(await runMaintenancePass(second, () => {})).toEqual([]);
    } finally {
      await second.close();
    }
  });
});
