import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { STORE_KINDS, openTestDatabase, type TestDatabase } from "../../testing/databases";
import { falcoEvents, openshiftItems } from "../../testing/fixtures";
import { rolloutScenario } from "../../testing/scenarios/rollout";
import type { Database, Transaction } from "../../store/database";
import { openPostgres } from "../../store/postgres";
import { loadConfig } from "../../config/config";
import { DEFAULT_SENSITIVE_RULES, hmacFingerprint } from "../../model/redact/redact";
import { DEFAULT_SKIP_RESOURCES, DEFAULT_SKIP_USER_AGENT_SUBSTRINGS, MAX_EVENTS_PER_TRANSACTION } from "./defaults";
import { readLockTableSize, TRANSACTION_LIMITS } from "./transactionParts";
import { createAuditIngestor, createConfiguredAuditIngestor } from "./ingest";
import type { DiffEntry } from "./types";

const options = {
  skipResources: DEFAULT_SKIP_RESOURCES,
  skipUserAgentSubstrings: DEFAULT_SKIP_USER_AGENT_SUBSTRINGS,
  sensitive: DEFAULT_SENSITIVE_RULES,
  fingerprint: hmacFingerprint("test-key-0123456789"),
};

/** `count` creates of distinct ConfigMaps, each the real falco create_configmap event renamed. */
function configMapCreates(count: number, prefix: string): Record<string, any>[] {
  const real = falcoEvents("create_configmap.json")[0]!;
  return Array.from({ length: count }, (_, i) => {
    const event = structuredClone(real);
    const name = `${prefix}-${i}`;
    event.auditID = `${prefix}-${i}`;
    event.objectRef.name = event.requestObject.metadata.name = event.responseObject.metadata.name = name;
    event.objectRef.uid = event.responseObject.metadata.uid = `${prefix}-uid-${i}`;
    return event;
  });
}

/**
 * Creates of `count` EndpointSlices, each listing `podsPerSlice` Pods of its own: the slice the
 * EndpointSlice controller keeps for openshift-apiserver's Service (its real Pods' shape, as in
 * endpointSlice.test.ts), renamed, in the real falco create event's envelope.
 */
function endpointSliceCreates(count: number, podsPerSlice: number, prefix = "api"): Record<string, any>[] {
  const envelope = falcoEvents("create_configmap.json")[0]!;
  const pod = openshiftItems("openshift-apiserver", "core/pods.yaml")[0]!;
  return Array.from({ length: count }, (_, s) => {
    const event = structuredClone(envelope);
    const name = `${prefix}-${s}-7x2kq`;
    event.auditID = `${prefix}-slice-${s}`;
    event.requestURI = "/apis/discovery.k8s.io/v1/namespaces/openshift-apiserver/endpointslices";
    event.objectRef = { resource: "endpointslices", namespace: "openshift-apiserver", name, apiGroup: "discovery.k8s.io", apiVersion: "v1" };
    delete event.requestObject;
    event.responseObject = {
      apiVersion: "discovery.k8s.io/v1",
      kind: "EndpointSlice",
      metadata: {
        name,
        namespace: "openshift-apiserver",
        uid: `${prefix}-slice-uid-${s}`,
        resourceVersion: String(100_000 + s),
        labels: { "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io", "kubernetes.io/service-name": `${prefix}-${s}` },
        ownerReferences: [{ apiVersion: "v1", kind: "Service", name: `${prefix}-${s}`, uid: `${prefix}-service-uid-${s}`, controller: true, blockOwnerDeletion: true }],
      },
      addressType: "IPv4",
      endpoints: Array.from({ length: podsPerSlice }, (_, p) => ({
        addresses: [pod.status.podIP],
        conditions: { ready: true, serving: true, terminating: false },
        nodeName: pod.spec.nodeName,
        targetRef: { kind: "Pod", namespace: pod.metadata.namespace, name: `${pod.metadata.name}-${prefix}-${s}-${p}`, uid: `${prefix}-pod-uid-${s}-${p}` },
      })),
      ports: [{ name: "https", port: 8443, protocol: "TCP" }],
    };
    return event;
  });
}

/** The real database, counting its transactions, and failing the one numbered `failing` (from 1) before it begins. */
function countingTransactions(db: Database, failing?: number): { db: Database; transactions: () => number } {
  let count = 0;
  const wrapped = new Proxy(db, {
    get(target, property, receiver) {
      if (property !== "transaction") return Reflect.get(target, property, receiver);
      return (work: Parameters<Database["transaction"]>[0]) => {
        count++;
        if (count === failing) return Promise.reject(new Error("connection lost"));
        return target.transaction(work);
      };
    },
  });
  return { db: wrapped, transactions: () => count };
}

const historyOf = async (db: Database, cluster: string) =>
  (
    await db.query<{ audit_id: string; diff: DiffEntry[] | null }>(
      `SELECT h.audit_id, h.diff FROM history_entries h JOIN clusters c ON c.id = h.cluster_id WHERE c.name = $1`,
      [cluster],
    )
  ).rows;

describe.each(STORE_KINDS)("a batch larger than one transaction takes, on %s", (kind) => {
  let test: TestDatabase;
  beforeEach(async () => {
    test = await openTestDatabase(kind);
  });
  afterEach(() => test.dispose());

  it("is stored whole in transactions of at most MAX_EVENTS_PER_TRANSACTION events, in order", async () => {
    const steps = rolloutScenario();
    const create = steps.find((s) => s.label === "create")!.event;
    const scaleUp = steps.find((s) => s.label === "scale up")!.event;
    // The Deployment's create first and its scale-up last: two transactions apart.
    const batch = [create, ...configMapCreates(998, "big"), scaleUp];
    expect(batch.length).toBeGreaterThan(2 * MAX_EVENTS_PER_TRANSACTION);
    const counted = countingTransactions(test.db);
    const ingestor = createAuditIngestor(counted.db, options);
    await ingestor.ingest("big", [configMapCreates(1, "first")[0]]); // the cluster's row, on its own
    const before = counted.transactions();

    const summary = await ingestor.ingest("big", batch);
    expect(summary).toMatchObject({ received: 1000, accepted: 1000, duplicates: 0, history: 1000, rejected: [] });
    expect(counted.transactions() - before).toBe(Math.ceil(1000 / MAX_EVENTS_PER_TRANSACTION));
    const history = await historyOf(test.db, "big");
    expect(history).toHaveLength(1001);
    // Diffed against the state the first transaction stored.
    const scaled = history.find((h) => h.audit_id === scaleUp.auditID)!;
    expect(scaled.diff?.map((d) => d.path)).toContain("spec.replicas");
  });

  it("keeps the parts stored before one that failed, and stores only the rest when the batch is resent", async () => {
    const batch = configMapCreates(1000, "resent");
    const first = createAuditIngestor(test.db, options);
    await first.ingest("resent", [configMapCreates(1, "first")[0]]);
    // The cluster is known: the batch's transactions are its first, second and third.
    const failing = countingTransactions(test.db, 2);
    await expect(createAuditIngestor(failing.db, options).ingest("resent", batch)).rejects.toThrow("connection lost");
    expect(await historyOf(test.db, "resent")).toHaveLength(1 + MAX_EVENTS_PER_TRANSACTION);

    const again = await first.ingest("resent", batch);
    expect(again).toMatchObject({ received: 1000, accepted: 1000 - MAX_EVENTS_PER_TRANSACTION, duplicates: MAX_EVENTS_PER_TRANSACTION, history: 1000 - MAX_EVENTS_PER_TRANSACTION });
    expect(await historyOf(test.db, "resent")).toHaveLength(1001);
  });
});

describe.each(STORE_KINDS)("a webhook batch whose relations name more objects than one transaction may lock, on %s", (kind) => {
  let test: TestDatabase;
  beforeEach(async () => {
    test = await openTestDatabase(kind);
  });
  afterEach(() => test.dispose());

  // 400 EndpointSlices of 20 Pods each: some 16,000 advisory locks in one transaction, which
  // ran Postgres's lock table out ("out of shared memory"), every time the batch was resent.
  it("is stored whole, in transactions within the lock budget, with every relation", async () => {
    const counted = countingTransactions(test.db);
    const ingestor = createAuditIngestor(counted.db, options);
    await ingestor.ingest("slices", [configMapCreates(1, "first")[0]]);
    const before = counted.transactions();
    const summary = await ingestor.ingest("slices", endpointSliceCreates(400, 20));
    expect(summary).toMatchObject({ received: 400, accepted: 400, history: 400, rejected: [] });
    // Each slice: itself, its Service and 20 Pods, the last two counted twice (TransactionLimits).
    const slicesPerTransaction = Math.floor(TRANSACTION_LIMITS.locks / (1 + 2 * 21));
    expect(counted.transactions() - before).toBe(Math.ceil(400 / slicesPerTransaction));
    const { rows } = await test.db.query<{ kind: string; n: number }>(`SELECT kind, count(*)::int AS n FROM relations GROUP BY kind ORDER BY kind`);
    expect(rows).toEqual([
      { kind: "controller-owner", n: 400 },
      { kind: "endpoint-target", n: 400 * 20 },
      { kind: "service-endpointslice", n: 400 },
    ]);
  });
});

describe.each(STORE_KINDS)("the lock table's size, on %s", (kind) => {
  it("is read from the server's settings", async () => {
    const test = await openTestDatabase(kind, { migrate: false });
    try {
      const { rows } = await test.db.query<{ name: string; setting: string }>(
        `SELECT name, setting FROM pg_settings WHERE name IN ('max_locks_per_transaction', 'max_connections', 'max_prepared_transactions')`,
      );
      const setting = (name: string) => Number(rows.find((r) => r.name === name)!.setting);
      const size = await readLockTableSize(test.db);
      expect(size).toBe(setting("max_locks_per_transaction") * (setting("max_connections") + setting("max_prepared_transactions")));
      // The embedded database runs on Postgres's defaults.
      if (kind === "pglite") expect(size).toBe(64 * 100);
    } finally {
      await test.dispose();
    }
  });
});

/** The real database, recording how many advisory locks each transaction held at its end (all of them: they last until COMMIT). */
function countingLocks(db: Database): { db: Database; locksHeld: number[] } {
  const locksHeld: number[] = [];
  const wrapped = new Proxy(db, {
    get(target, property, receiver) {
      if (property !== "transaction") return Reflect.get(target, property, receiver);
      return <T,>(work: (tx: Transaction) => Promise<T>) =>
        target.transaction(async (tx) => {
          const result = await work(tx);
          const { rows } = await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()`);
          locksHeld.push(rows[0]!.n);
          return result;
        });
    },
  });
  return { db: wrapped, locksHeld };
}

describe("sixteen writers at once on postgres (KUBETRAIL_INGEST_CONCURRENCY=16)", () => {
  let test: TestDatabase;
  let pool: Database;
  beforeEach(async () => {
    test = await openTestDatabase("postgres");
    // As an ingest worker opens it: a connection for each batch the admission gate lets in.
    pool = openPostgres(test.url!, { maxConnections: 16 });
  });
  afterEach(async () => {
    await pool.close();
    await test.dispose();
  });

  // At 1,000 locks each (what each of four writers may take), sixteen transactions at once could
  // take 16,000 entries of a lock table of 6,400 (nominal; it failed at about 12,000 here):
  // "out of shared memory". Each writer now takes its share of the table.
  it("keep every transaction within its share of the lock table, and store every batch", async () => {
    const config = loadConfig({ DATABASE_URL: test.url!, KUBETRAIL_INGEST_CONCURRENCY: "16", KUBETRAIL_REDACTION_KEY: "test-redaction-key-0123" });
    const counted = countingLocks(pool);
    const ingestor = await createConfiguredAuditIngestor(counted.db, config);
    await ingestor.ingest("writers", [configMapCreates(1, "first")[0]]);
    const batches = Array.from({ length: 16 }, (_, b) => endpointSliceCreates(100, 20, `w${b}`));
    const summaries = await Promise.all(batches.map((batch) => ingestor.ingest("writers", batch)));
    for (const summary of summaries) expect(summary).toMatchObject({ received: 100, accepted: 100, history: 100, rejected: [] });

    const lockTable = await readLockTableSize(test.db);
    const share = Math.floor((lockTable * 5) / 8 / 16);
    expect(Math.max(...counted.locksHeld)).toBeLessThanOrEqual(share);
    expect(counted.locksHeld.length).toBeGreaterThan(1 + 16); // the batches were split to fit
    const { rows } = await test.db.query<{ kind: string; n: number }>(`SELECT kind, count(*)::int AS n FROM relations GROUP BY kind ORDER BY kind`);
    expect(rows).toEqual([
      { kind: "controller-owner", n: 1600 },
      { kind: "endpoint-target", n: 1600 * 20 },
      { kind: "service-endpointslice", n: 1600 },
    ]);
  });
});

describe("a batch of 20,000 objects on postgres", () => {
  let test: TestDatabase;
  beforeEach(async () => {
    test = await openTestDatabase("postgres");
  });
  afterEach(() => test.dispose());

  // In one transaction, its advisory locks (one per object) ran out Postgres's shared lock
  // table, with its default max_locks_per_transaction: "out of shared memory", every time.
  it("is stored", async () => {
    const summary = await createAuditIngestor(test.db, options).ingest("many", configMapCreates(20_000, "many"));
    expect(summary).toMatchObject({ received: 20_000, accepted: 20_000, history: 20_000, rejected: [] });
  });
});
