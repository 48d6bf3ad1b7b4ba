import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { loadConfig, type Config } from "../../config/config";
import { convertOptionsOf, createAuditIngestor, type CommittedBatch } from "../audit/ingest";
import { hmacFingerprint } from "../../model/redact/redact";
import { openTestDatabase, type TestDatabase } from "../../testing/databases";
import { falcoEvents } from "../../testing/fixtures";
import { eventList, rolloutScenario } from "../../testing/scenarios/rollout";
import { IngestWorkerPool } from "./pool";

const body = (value: unknown) => Buffer.from(typeof value === "string" ? value : JSON.stringify(value));
const EXITING_WORKER = path.join(import.meta.dirname, "testing", "exitingWorker.mjs");

describe("ingest worker threads on Postgres", () => {
  let database: TestDatabase;
  let config: Config;
  let pool: IngestWorkerPool;
  const committed: CommittedBatch[] = [];

  beforeAll(async () => {
    database = await openTestDatabase("postgres");
    config = loadConfig({ DATABASE_URL: database.url!, KUBETRAIL_INGEST_WORKERS: "2", KUBETRAIL_REDACTION_KEY: "test-redaction-key-0123" });
    pool = await IngestWorkerPool.start({ workers: config.ingestWorkers, config, onCommitted: (batch) => committed.push(batch), log: () => {} });
  });
  afterAll(async () => {
    await pool?.close();
    await database?.dispose();
  });

  it("starts the configured number of workers", () => {
    expect(pool.running).toBe(2);
  });

  it("stores a real batch and tells this thread what was committed", async () => {
    const events = falcoEvents("create_configmap.json");
    const outcome = await pool.ingest("workers", body(eventList(events)));
    expect(outcome).toEqual({ ok: true, summary: expect.objectContaining({ received: events.length, accepted: events.length, history: 1, rejected: [] }) });
    const rows = await database.db.query<{ audit_id: string }>(
      `SELECT h.audit_id FROM history_entries h JOIN clusters c ON c.id = h.cluster_id WHERE c.name = 'workers'`,
    );
    expect(rows.rows.map((r) => r.audit_id)).toEqual([events[0]!.auditID]);
    await vi.waitFor(() => expect(committed.flatMap((b) => b.historyEntries.map((e) => e.auditId))).toContain(events[0]!.auditID));
    expect(committed.find((b) => b.cluster === "workers")?.clusterId).toEqual(expect.any(Number));
  });

  it("stores a batch sent to each worker once: the other worker sees the first one's receipts", async () => {
    const events = falcoEvents("create_service.json");
    const [first, second] = await Promise.all([pool.ingest("workers-retry", body(eventList(events))), pool.ingest("workers-retry", body(eventList(events)))]);
    const accepted = [first, second].map((o) => (o.ok ? o.summary.accepted : -1)).sort();
    expect(accepted).toEqual([0, events.length]);
  });

  it("diffs a rollout sent step by step to each worker in turn as one ingestor does", async () => {
    // One batch at a time goes to the workers in turn (both have none in hand), so every step is
    // diffed by the worker that did not store the step before: its own cache holds an older
    // version of the Deployment, if any, and the diff must be against the state read back.
    const steps = rolloutScenario();
    for (const { event } of steps) expect(await pool.ingest("workers-rollout", body(eventList([event])))).toMatchObject({ ok: true, summary: { accepted: 1 } });
    const reference = createAuditIngestor(database.db, convertOptionsOf(config, hmacFingerprint(config.redactionKey!)));
    for (const { event } of steps) await reference.ingest("one-ingestor", [event]);

    const diffsIn = async (cluster: string) =>
      (
        await database.db.query<{ title: string; diff: unknown; noop: boolean }>(
          `SELECT h.title, h.diff, h.noop FROM history_entries h JOIN clusters c ON c.id = h.cluster_id WHERE c.name = $1 ORDER BY h.start_time, h.id`,
          [cluster],
        )
      ).rows;
    const byWorkers = await diffsIn("workers-rollout");
    expect(byWorkers).toHaveLength(steps.length);
    expect(byWorkers.filter((row) => Array.isArray(row.diff) && row.diff.length > 0).length).toBeGreaterThanOrEqual(4);
    expect(byWorkers).toEqual(await diffsIn("one-ingestor"));
  });

  it("answers bodies that are not an EventList with what is wrong, as the webhook does", async () => {
    expect(await pool.ingest("workers", body("{not json"))).toMatchObject({ ok: false, code: "invalid_json", message: expect.stringMatching(/not valid JSON/) });
    expect(await pool.ingest("workers", body({ kind: "PodList", apiVersion: "v1", items: [] }))).toMatchObject({
      ok: false,
      code: "invalid_event_list",
      message: expect.stringMatching(/kind: expected "EventList"/),
    });
    expect(await pool.ingest("workers", Buffer.from([0x7b, 0xff, 0x7d]))).toMatchObject({ ok: false, code: "invalid_encoding" });
  });

  it("moves a body that spans its buffer to the worker, and copies one that is a view into a larger buffer", async () => {
    const events = falcoEvents("create_nginx_pod_unprivileged.json");
    const whole = new Uint8Array(body(eventList(events)));
    expect(await pool.ingest("workers-moved", whole)).toMatchObject({ ok: true, summary: { accepted: events.length } });
    expect(whole.byteLength).toBe(0); // detached: its memory went with the message

    const text = body(eventList(falcoEvents("create_deployment.json")));
    const larger = new Uint8Array(text.byteLength + 8);
    larger.set(text, 4);
    const view = larger.subarray(4, 4 + text.byteLength);
    expect(await pool.ingest("workers-moved", view)).toMatchObject({ ok: true });
    expect(Buffer.from(view).equals(text)).toBe(true);

    // A small Buffer is a view into Node's shared pool, as are its neighbours: moving the pool's
    // memory would empty them too.
    const small = Buffer.from(JSON.stringify(eventList([])));
    const neighbour = Buffer.from("a neighbour in the pool");
    expect(small.buffer).toBe(neighbour.buffer);
    expect(await pool.ingest("workers-moved", small)).toMatchObject({ ok: true, summary: { received: 0 } });
    expect(neighbour.toString()).toBe("a neighbour in the pool");
    expect(small.byteLength).toBeGreaterThan(0);
  });

  it("finishes the batches in hand when closed", async () => {
    const closing = await IngestWorkerPool.start({ workers: 1, config, log: () => {} });
    const events = falcoEvents("delete_configmap.json");
    const stored = closing.ingest("workers-closing", body(eventList(events)));
    const closed = closing.close();
    // Refused from the moment closing starts, while the worker is still finishing.
    await expect(closing.ingest("workers-closing", body(eventList(events)))).rejects.toThrow(/ingest workers are closing/);
    await closed;
    expect(await stored).toMatchObject({ ok: true, summary: { accepted: events.length } });
    expect(closing.running).toBe(0);
  });

  it("does not start when a worker cannot, and says why", async () => {
    const broken = loadConfig({ DATABASE_URL: database.url!, KUBETRAIL_PLUGINS: "./no/such/plugin.mjs" });
    await expect(IngestWorkerPool.start({ workers: 2, config: broken, log: () => {} })).rejects.toThrow(/ingest worker \d could not start: .*no\/such\/plugin/);
  });
});

describe("a worker that stops", () => {
  it("fails the batch it held, and is started again", async () => {
    const logged: string[] = [];
    const pool = await IngestWorkerPool.start({ workers: 1, config: loadConfig({}), log: (m) => logged.push(m), entry: EXITING_WORKER });
    try {
      expect(await pool.ingest("ok", body("{}"))).toMatchObject({ ok: true, summary: { received: 2 } });
      await expect(pool.ingest("exit", body("{}"))).rejects.toThrow(/ingest worker 1 stopped \(exit code 3\) before the batch was stored/);
      // Until it is back, batches are refused (the webhook answers 503 and the apiserver retries).
      await expect(pool.ingest("ok", body("{}"))).rejects.toThrow(/no ingest worker is running/);
      await vi.waitFor(() => expect(pool.running).toBe(1), { timeout: 10_000 });
      expect(await pool.ingest("ok", body("{}"))).toMatchObject({ ok: true });
      expect(logged).toContainEqual(expect.stringMatching(/ingest worker 1 stopped \(exit code 3\); starting it again/));
    } finally {
      await pool.close();
    }
  });
});
