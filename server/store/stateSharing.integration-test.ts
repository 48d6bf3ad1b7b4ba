import { BroadcastChannel } from "node:worker_threads";
import { afterEach, describe, expect, it } from "vitest";
import { STORE_KINDS, openTestDatabase, type TestDatabase } from "../testing/databases";
import { createAuditIngestor, newStateCache, type AuditIngestor } from "../ingest/audit/ingest";
import { DEFAULT_SKIP_RESOURCES, DEFAULT_SKIP_USER_AGENT_SUBSTRINGS } from "../ingest/audit/defaults";
import { DEFAULT_SENSITIVE_RULES, hmacFingerprint } from "../model/redact/redact";
import { rolloutScenario } from "../testing/scenarios/rollout";
import type { Database, Statement, Transaction } from "./database";
import { packStates, receiveStates } from "./stateSharing";

const options = {
  skipResources: DEFAULT_SKIP_RESOURCES,
  skipUserAgentSubstrings: DEFAULT_SKIP_USER_AGENT_SUBSTRINGS,
  sensitive: DEFAULT_SENSITIVE_RULES,
  fingerprint: hmacFingerprint("test-key-0123456789"),
};

/** The database, with the names of the prepared statements its transactions run recorded in `names`. */
function recordingStatements(db: Database): { db: Database; names: string[] } {
  const names: string[] = [];
  const record = (statement: Statement) => names.push(typeof statement === "string" ? "(text)" : statement.name);
  const recorded: Database = Object.create(db, {
    transaction: {
      value: <T>(work: (tx: Transaction) => Promise<T>) =>
        db.transaction((tx) =>
          work(
            Object.create(tx, {
              query: { value: (statement: Statement, params?: unknown[]) => (record(statement), tx.query(statement, params)) },
            }) as Transaction,
          ),
        ),
    },
  });
  return { db: recorded, names };
}

/** An ingestor as an ingest worker makes it: its own cache, shared on `channel` (see workerMain.ts). */
function workerLikeIngestor(db: Database, channelName: string | null): { ingestor: AuditIngestor; received(count: number): Promise<void>; close(): void } {
  const cache = newStateCache();
  const channel = channelName === null ? null : new BroadcastChannel(channelName);
  let messages = 0;
  const waiting: Array<{ count: number; resolve(): void }> = [];
  if (channel) {
    channel.onmessage = (event) => {
      receiveStates(cache, event.data);
      messages++;
      for (const waiter of waiting.filter((w) => w.count <= messages)) waiter.resolve();
    };
  }
  /** Resolves once `count` messages in all have arrived. */
  const received = (count: number) => (messages >= count ? Promise.resolve() : new Promise<void>((resolve) => waiting.push({ count, resolve })));
  const ingestor = createAuditIngestor(
    db,
    options,
    {
      onStatesCommitted: (states) => {
        const packed = packStates(states);
        if (packed) channel?.postMessage(packed);
      },
    },
    undefined,
    cache,
  );
  return { ingestor, received, close: () => channel?.close() };
}

const STATES_READ = "kt_states_by_id";

describe.each(STORE_KINDS)("object states shared between ingest workers on %s", (kind) => {
  let test: TestDatabase;
  const closers: Array<() => void> = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) close();
    await test.dispose();
  });

  const step = (label: string) => rolloutScenario().find((s) => s.label === label)!.event;
  const lastDiffPaths = async () =>
    (
      await test.db.query<{ diff: Array<{ path: string }> }>(`SELECT diff FROM history_entries WHERE diff IS NOT NULL ORDER BY start_time DESC LIMIT 1`)
    ).rows[0]!.diff.map((d) => d.path).sort();

  it("spares a worker reading back the state another worker stored, and diffs the same", async () => {
    test = await openTestDatabase(kind);
    const channel = `kubetrail-test-${kind}-${process.pid}-${Date.now()}`;
    const first = workerLikeIngestor(test.db, channel);
    const recording = recordingStatements(test.db);
    const second = workerLikeIngestor(recording.db, channel);
    closers.push(first.close, second.close);

    await first.ingestor.ingest("c", [step("create")]);
    await second.received(1);
    await second.ingestor.ingest("c", [step("status generation 1")]);
    // The create's body had no status: the controller's first status update adds it whole.
    expect(await lastDiffPaths()).toEqual(["status"]);

    await first.received(1);
    await first.ingestor.ingest("c", [step("scale up")]);
    await second.received(2);
    await second.ingestor.ingest("c", [step("status generation 2")]);
    expect(await lastDiffPaths()).toEqual(["status.observedGeneration", "status.replicas", "status.updatedReplicas"]);
    expect(recording.names).not.toContain(STATES_READ);
    expect(recording.names).toContain("kt_upsert_states");
  });

  it("reads the state back when the writer that stored it shares nothing", async () => {
    test = await openTestDatabase(kind);
    const first = workerLikeIngestor(test.db, null);
    const recording = recordingStatements(test.db);
    const second = workerLikeIngestor(recording.db, null);

    await first.ingestor.ingest("c", [step("create")]);
    await second.ingestor.ingest("c", [step("status generation 1")]);
    expect(recording.names.filter((name) => name === STATES_READ)).toHaveLength(1);
    expect(await lastDiffPaths()).toEqual(["status"]);
  });
});
