import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createAuditIngestor } from "../ingest/audit/ingest";
import { DEFAULT_SKIP_RESOURCES, DEFAULT_SKIP_USER_AGENT_SUBSTRINGS } from "../ingest/audit/defaults";
import { DEFAULT_SENSITIVE_RULES, hmacFingerprint } from "../model/redact/redact";
import { historyOfObject } from "../query/history";
import { startTestApp, type TestApp } from "../testing/appHarness";
import { createPostgresDatabase, openTestDatabase, STORE_KINDS, type StoreKind } from "../testing/databases";
import { eventList } from "../testing/scenarios/rollout";
import { completedSession, DURING_EXEC, EXEC_AUDIT_ID, SESSION_POD } from "../testing/scenarios/sessions";
import { statementText, type Database, type Statement, type Transaction } from "./database";
import { knownLongestEntry, longestEntry } from "./longestEntry";
import { applyMigrations } from "./migrate";
import { openPglite } from "./pglite";
import { openPostgres } from "./postgres";

/**
 * The longest a history entry has lasted, which every query over a time range reads back by
 * (longestEntry.ts): kept by ingest in the transaction that stores a longer entry, durable, never
 * lowered by a writer that knows less, and sent only by batches that hold a longer entry. The
 * entries are the real exec and attach sessions of server/testing/scenarios/sessions.ts, each
 * given its own auditID (a session of its own) and length.
 */
const options = {
  skipResources: DEFAULT_SKIP_RESOURCES,
  skipUserAgentSubstrings: DEFAULT_SKIP_USER_AGENT_SUBSTRINGS,
  sensitive: DEFAULT_SENSITIVE_RULES,
  fingerprint: hmacFingerprint("test-key-0123456789"),
};
const MINUTE_US = 60 * 1e6;

/** An exec session into the Pod lasting `minutes`, as one of its own. */
const execSession = (minutes: number) => completedSession("exec_pod.json", minutes, `ca1ed9f4-7bf4-4c85-81a8-${String(minutes).padStart(12, "0")}`);

/** `db`, with the names of the statements its transactions send listed in `sent`. */
function recording(db: Database, sent: string[]): Database {
  const nameOf = (statement: Statement) => (typeof statement === "string" ? statementText(statement) : statement.name);
  const recordingTx = (tx: Transaction): Transaction =>
    new Proxy(tx, {
      get(target, property) {
        if (property === "query") return (statement: Statement, params?: unknown[]) => (sent.push(nameOf(statement)), target.query(statement, params));
        const value = Reflect.get(target, property) as unknown;
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  return new Proxy(db, {
    get(target, property) {
      if (property === "transaction") return <T>(work: (tx: Transaction) => Promise<T>) => target.transaction((tx) => work(recordingTx(tx)));
      const value = Reflect.get(target, property) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describe.each(STORE_KINDS)("the longest history entry on %s", (kind) => {
  it("is raised with the batch that stores a longer entry, and costs the other batches no statement", async () => {
    const test = await openTestDatabase(kind);
    cleanups.push(test.dispose);
    expect(await longestEntry(test.db)).toBe(0);
    const sent: string[] = [];
    const ingestor = createAuditIngestor(recording(test.db, sent), options);
    const raises = () => sent.filter((name) => name === "kt_raise_longest_entry").length;

    await ingestor.ingest("minikube", [execSession(30), completedSession("attach_pod.json", 2)]);
    expect(await longestEntry(test.db)).toBe(30 * MINUTE_US);
    expect(raises()).toBe(1);

    // Shorter than the bound this ingestor stored: nothing to send.
    await ingestor.ingest("minikube", [execSession(10)]);
    expect(raises()).toBe(1);
    await ingestor.ingest("minikube", [execSession(45)]);
    expect(raises()).toBe(2);
    expect(await longestEntry(test.db)).toBe(45 * MINUTE_US);
  });

  it("is learnt by an ingestor only once its transaction has committed", async () => {
    const test = await openTestDatabase(kind);
    cleanups.push(test.dispose);
    // Every batch that stores history fails at COMMIT, after its statements (the raise among them) succeeded.
    await test.db.execScript(`
      CREATE FUNCTION refuse_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused at commit'; END $$;
      CREATE CONSTRAINT TRIGGER refuse_at_commit AFTER INSERT ON history_entries DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION refuse_at_commit();`);
    const ingestor = createAuditIngestor(test.db, options);
    await expect(ingestor.ingest("minikube", [execSession(30)])).rejects.toThrow(/refused at commit/);
    expect(await longestEntry(test.db)).toBe(0);

    await test.db.execScript(`DROP TRIGGER refuse_at_commit ON history_entries; DROP FUNCTION refuse_at_commit();`);
    // The same ingestor stores it again: the bound its failed transaction returned was never stored.
    expect(await ingestor.ingest("minikube", [execSession(30)])).toMatchObject({ accepted: 1, history: 1 });
    expect(await longestEntry(test.db)).toBe(30 * MINUTE_US);
  });

  it("survives a restart, and a restarted ingestor that knows nothing of it does not lower it", async () => {
    const { open, dispose } = await durableStore(kind);
    cleanups.push(dispose);
    const before = await open();
    await createAuditIngestor(before, options).ingest("minikube", [execSession(30)]);
    await before.close();

    const after = await open();
    try {
      expect(await longestEntry(after)).toBe(30 * MINUTE_US);
      // Its first batch raises the bound to what it holds, as it knows no bound yet: greatest() keeps the longer one.
      await createAuditIngestor(after, options).ingest("minikube", [execSession(5)]);
      expect(await longestEntry(after)).toBe(30 * MINUTE_US);
      const podId = Number((await after.query<{ id: number }>(`SELECT id FROM objects WHERE name = $1`, [SESSION_POD])).rows[0]!.id);
      // The half-hour session runs into the range, the five-minute one ended before it.
      expect((await historyOfObject(after, podId, DURING_EXEC)).map((h) => h.auditId)).toEqual([execSession(30).auditID]);
    } finally {
      await after.close();
    }
  });
});

/** A store that outlives the Database opened on it: a Postgres database, or PGlite's data directory. */
async function durableStore(kind: StoreKind): Promise<{ open: () => Promise<Database>; dispose: () => Promise<void> }> {
  if (kind === "postgres") {
    const created = await createPostgresDatabase();
    return {
      async open() {
        const db = openPostgres(created.url, { maxConnections: 2 });
        await applyMigrations(db);
        return db;
      },
      dispose: created.drop,
    };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kt-longest-"));
  return {
    async open() {
      const db = await openPglite(dir);
      await applyMigrations(db);
      return db;
    },
    dispose: async () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

describe("the longest history entry under concurrent ingest (Postgres: PGlite has one connection)", () => {
  it("ends as the longest of what concurrent writers stored, each knowing only its own", async () => {
    const test = await openTestDatabase("postgres");
    cleanups.push(test.dispose);
    // Eight writers (replicas, or a server's ingest workers), each with its own idea of the bound.
    const lengths = [10, 80, 20, 70, 30, 60, 40, 50];
    const writers = lengths.map(() => createAuditIngestor(test.db, options));
    await Promise.all(writers.map((writer, i) => writer.ingest("minikube", [execSession(lengths[i]!)])));
    expect(await longestEntry(test.db)).toBe(80 * MINUTE_US);

    // The one that stored 10 minutes knows no more than that: a longer entry makes it send the
    // raise, which keeps the 80, and it learns them; then a 75-minute one needs nothing from it.
    const sent: string[] = [];
    const first = createAuditIngestor(recording(test.db, sent), options);
    await first.ingest("minikube", [execSession(15)]);
    await first.ingest("minikube", [execSession(75)]);
    expect(sent.filter((name) => name === "kt_raise_longest_entry")).toHaveLength(1);
    expect(await longestEntry(test.db)).toBe(80 * MINUTE_US);
  });
});

describe("queries on a store whose longest entry another process raised", () => {
  let app: TestApp;
  afterEach(() => app.close());

  it("learn the longer bound and find the entries that overlap their range", async () => {
    // Ingest on two worker threads, each with its own module state: this thread's queries know
    // nothing of the bound the workers store, and have to find it out.
    app = await startTestApp("postgres", { KUBETRAIL_INGEST_WORKERS: "2" });
    const known = knownLongestEntry();
    // Longer than any other session of this file: the bound grows past what this thread knows.
    const sessions = [execSession(90), execSession(85), execSession(88)];
    const answers = await Promise.all(sessions.map((session) => app.postAudit(eventList([session]), { cluster: "minikube" })));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
    expect(await longestEntry(app.context.db)).toBe(90 * MINUTE_US);
    expect(knownLongestEntry()).toBe(known);

    const podId = Number((await app.context.db.query<{ id: number }>(`SELECT id FROM objects WHERE name = $1`, [SESSION_POD])).rows[0]!.id);
    // An hour and a half after they began: the 90- and 88-minute sessions run into it, the 85-minute one ended before.
    const range = { from: new Date("2018-10-26T15:06:00Z"), to: new Date("2018-10-26T15:10:00Z") };
    const found = await historyOfObject(app.context.db, podId, range);
    expect(found.map((h) => h.auditId).sort()).toEqual([sessions[0]!.auditID, sessions[2]!.auditID].sort());
    expect(found.map((h) => h.auditId)).not.toContain(EXEC_AUDIT_ID);
    expect(knownLongestEntry()).toBe(90 * MINUTE_US);
  });
});
