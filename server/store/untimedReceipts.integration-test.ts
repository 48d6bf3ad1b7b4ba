import { afterEach, describe, expect, it } from "vitest";
import { openTestDatabase, type TestDatabase } from "../testing/databases";
import { UntimedReceipts } from "./untimedReceipts";

describe("UntimedReceipts", () => {
  let test: TestDatabase;
  afterEach(() => test.dispose());

  it("answers each cluster from the store at most once a minute, so that receipts a replica of the version before stores are seen within it", async () => {
    test = await openTestDatabase("pglite");
    await test.db.query(`INSERT INTO clusters (id, name) VALUES (1, 'prod'), (2, 'staging')`);
    let now = 1_000_000;
    const untimed = new UntimedReceipts(60_000, () => now);
    expect(await untimed.mayExist(test.db, 1)).toBe(false);
    // A replica of the version before, mid rolling deploy, stores a receipt without its request's time.
    await test.db.query(`INSERT INTO audit_receipts (cluster_id, audit_id, stage) VALUES (1, '155b887c-c27c-4fdb-9667-999f74512d0a', 'ResponseComplete')`);
    now += 59_999;
    expect(await untimed.mayExist(test.db, 1)).toBe(false);
    now += 1;
    expect(await untimed.mayExist(test.db, 1)).toBe(true);
    // Per cluster: the other one has none.
    expect(await untimed.mayExist(test.db, 2)).toBe(false);
    // Retention pruned it: no longer looked for, a minute on.
    await test.db.query(`DELETE FROM audit_receipts`);
    now += 60_000;
    expect(await untimed.mayExist(test.db, 1)).toBe(false);
  });
});
