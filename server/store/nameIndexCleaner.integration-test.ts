import { afterEach, describe, expect, it, vi } from "vitest";
import { STORE_KINDS, openTestDatabase, type TestDatabase } from "../testing/databases";
import { NAME_INDEX, NameIndexCleaner, cleanNameIndexPendingList } from "./nameIndexCleaner";

/** Objects named like the benchmark's Pods, inserted as ingest's COPY does: their names go to the index's pending list. */
async function addObjects(test: TestDatabase, count: number): Promise<void> {
  await test.db.query(`INSERT INTO objects (id, cluster_id, api_group, api_version, resource, kind, namespace, name, first_seen, last_seen)
    SELECT g, 1, '', 'v1', 'pods', 'Pod', 'default', 'nginx-deployment-' || md5(g::text), now(), now() FROM generate_series(1, ${count}) g`);
}

describe.each(STORE_KINDS)("the name index's pending list on %s", (kind) => {
  let test: TestDatabase;
  afterEach(() => {
    vi.useRealTimers();
    return test.dispose();
  });

  it("is allowed to grow to 64 MB, so that inserts leave moving it to the cleaner", async () => {
    test = await openTestDatabase(kind);
    const options = await test.db.query<{ reloptions: string[] }>(`SELECT reloptions FROM pg_class WHERE relname = $1`, [NAME_INDEX]);
    expect(options.rows[0]!.reloptions).toEqual(["gin_pending_list_limit=65536"]);
  });

  it("is moved into the index by a clean, and names are found as before", async () => {
    test = await openTestDatabase(kind);
    await addObjects(test, 2_000);
    expect(await cleanNameIndexPendingList(test.db)).toBeGreaterThan(0);
    expect(await cleanNameIndexPendingList(test.db)).toBe(0);
    const found = await test.db.query<{ count: number }>(`SELECT count(*)::int AS count FROM objects WHERE name LIKE '%' || md5('1234') || '%'`);
    expect(found.rows[0]!.count).toBe(1);
  });

  it("is cleaned on a started cleaner's tick, and stopping waits for the clean in progress", async () => {
    test = await openTestDatabase(kind);
    await addObjects(test, 2_000);
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    const stop = new NameIndexCleaner(test.db).start(60_000);
    vi.advanceTimersByTime(60_000);
    await stop();
    expect(await cleanNameIndexPendingList(test.db)).toBe(0);
  });

  it("logs a failure once, not on every tick", async () => {
    test = await openTestDatabase(kind, { migrate: false }); // no objects table, no index: every clean fails
    const logs: string[] = [];
    const cleaner = new NameIndexCleaner(test.db, (message) => logs.push(message));
    await cleaner.runOnce();
    await cleaner.runOnce();
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(/name index: could not move its pending list .*objects_name_trgm_idx/);
  });
});
