import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { STORE_KINDS } from "../../testing/databases";
import { startTestApp, type TestApp } from "../../testing/appHarness";
import { falcoEvents } from "../../testing/fixtures";
import { eventList } from "../../testing/scenarios/rollout";
import { advisoryLockIdOf, objectKeyOf } from "../../store/objectKey";

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

/**
 * Holds the store busy the way a slow database would: on Postgres, another session holds
 * the lock of the object being written; on PGlite (one connection), an open transaction.
 */
async function holdStore(app: TestApp, clusterId: number, object: { apiGroup: string; resource: string; namespace: string; name: string }): Promise<() => Promise<void>> {
  if (app.database.url) {
    const client = new pg.Client({ connectionString: app.database.url });
    await client.connect();
    await client.query("SELECT pg_advisory_lock($1)", [advisoryLockIdOf(objectKeyOf(clusterId, object))]);
    return async () => {
      await client.query("SELECT pg_advisory_unlock_all()");
      await client.end();
    };
  }
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let started!: () => void;
  const isHeld = new Promise<void>((resolve) => (started = resolve));
  const transaction = app.context.db.transaction(async () => {
    started();
    await held;
  });
  await isHeld;
  return async () => {
    release();
    await transaction;
  };
}

describe.each(STORE_KINDS)("overload on %s", (kind) => {
  let app: TestApp;
  afterEach(() => app.close());

  it("answers 429 with Retry-After once the writers and the queue are full, and loses nothing it accepted", async () => {
    app = await startTestApp(kind, { KUBETRAIL_INGEST_CONCURRENCY: "1", KUBETRAIL_INGEST_QUEUE: "1", KUBETRAIL_RETRY_AFTER_SECONDS: "3" });
    const [event] = falcoEvents("create_configmap.json");
    const batch = (n: number) => eventList([{ ...event, auditID: `0e0e0000-0000-4000-8000-00000000000${n}` }]);
    // The cluster must exist before the store is held, so that its lock id is known.
    expect((await app.postAudit(batch(0))).status).toBe(200);
    const clusterId = (await app.context.db.query<{ id: number }>(`SELECT id FROM clusters WHERE name = 'default'`)).rows[0]!.id;
    const release = await holdStore(app, clusterId, { apiGroup: "", resource: "configmaps", namespace: "default", name: "my-config" });

    const first = app.postAudit(batch(1));
    const second = app.postAudit(batch(2));
    await until(() => app.context.gate.stats.pendingBatches === 2);

    const refused = await app.postAudit(batch(3));
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("3");
    // The refused body is read and dropped, so the connection is kept (refusalHeaders).
    expect(refused.headers.get("connection")).not.toBe("close");
    expect((await refused.json()).error.code).toBe("overloaded");

    await release();
    expect((await first).status).toBe(200);
    expect((await second).status).toBe(200);
    const stored = await app.context.db.query<{ audit_id: string }>(`SELECT audit_id FROM history_entries ORDER BY audit_id`);
    expect(stored.rows.map((r) => r.audit_id.slice(-1))).toEqual(["0", "1", "2"]);
    expect(app.context.gate.stats).toEqual({ running: 0, pendingBatches: 0, pendingBytes: 0 });
  });
});
