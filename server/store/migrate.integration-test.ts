import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { applyMigrations, matchesChecksum, pendingMigrations, readMigrations, MigrationError, type Migration } from "./migrate";
import { openPostgres } from "./postgres";
import { createPostgresDatabase, openTestDatabase, type StoreKind, type TestDatabase } from "../testing/databases";
import { incompressibleText } from "../testing/incompressibleText";
import { isLongEntry, isSlowEntry } from "../query/overlappingEntries";
import { ClusterRegistry } from "./clusters";
import { parseKubernetesVersion } from "../k8s/kubernetesVersion";
import { VersionTimeline } from "../k8s/kubernetesVersionTimeline";
import { recordReceipts } from "./auditWriter";
import { UntimedReceipts } from "./untimedReceipts";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function freshPostgres(): Promise<string> {
  const created = await createPostgresDatabase();
  cleanups.push(created.drop);
  return created.url;
}

describe("applyMigrations", () => {
  it("records each migration in _prisma_migrations the way prisma migrate deploy does", async () => {
    const test: TestDatabase = await openTestDatabase("postgres", { migrate: false });
    cleanups.push(test.dispose);
    const result = await applyMigrations(test.db);
    const migrations = readMigrations();
    expect(result.applied).toEqual(migrations.map((m) => m.name));

    const rows = await test.db.query<{ migration_name: string; checksum: string; finished_at: Date | null; applied_steps_count: number; rolled_back_at: Date | null; id: string }>(
      `SELECT id, migration_name, checksum, finished_at, applied_steps_count, rolled_back_at FROM _prisma_migrations ORDER BY migration_name`,
    );
    expect(rows.rows.map((r) => r.migration_name)).toEqual(migrations.map((m) => m.name));
    for (const [i, row] of rows.rows.entries()) {
      expect(row.checksum).toBe(migrations[i]!.checksum);
      expect(row.checksum).toMatch(/^[0-9a-f]{64}$/);
      expect(row.finished_at).not.toBeNull();
      expect(row.rolled_back_at).toBeNull();
      expect(row.applied_steps_count).toBe(1);
      expect(row.id).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect(await pendingMigrations(test.db)).toEqual([]);
  });

  it("applies nothing the second time", async () => {
    const test = await openTestDatabase("pglite");
    cleanups.push(test.dispose);
    const again = await applyMigrations(test.db);
    expect(again.applied).toEqual([]);
    expect(again.alreadyApplied).toEqual(readMigrations().map((m) => m.name));
  });

  it("lets concurrent start-ups apply each migration exactly once", async () => {
    const url = await freshPostgres();
    const servers = Array.from({ length: 4 }, () => openPostgres(url));
    cleanups.push(async () => void (await Promise.all(servers.map((db) => db.close()))));
    const results = await Promise.all(servers.map((db) => applyMigrations(db)));
    const appliedBy = results.filter((r) => r.applied.length > 0);
    expect(appliedBy).toHaveLength(1);
    const count = await servers[0]!.query<{ n: number }>(`SELECT count(*)::int AS n FROM _prisma_migrations`);
    expect(count.rows[0]!.n).toBe(readMigrations().length);
  });

  it.each(["postgres", "pglite"] as const)("rolls back a failing migration, records its log, and refuses to go on until it is resolved, on %s", async (kind) => {
    const test = await openTestDatabase(kind, { migrate: false });
    cleanups.push(test.dispose);
    const broken: Migration[] = [
      ...readMigrations(),
      { name: "29990101000000_broken", sql: `CREATE TABLE half_done (id int);\nSELECT * FROM no_such_table;`, checksum: "0".repeat(64) },
    ];
    await expect(applyMigrations(test.db, broken)).rejects.toThrow(/29990101000000_broken failed: .*no_such_table/);
    const half = await test.db.query<{ present: boolean }>(`SELECT to_regclass('half_done') IS NOT NULL AS present`);
    expect(half.rows[0]!.present).toBe(false);
    const row = await test.db.query<{ logs: string; finished_at: Date | null }>(`SELECT logs, finished_at FROM _prisma_migrations WHERE migration_name = '29990101000000_broken'`);
    expect(row.rows[0]!.finished_at).toBeNull();
    expect(row.rows[0]!.logs).toMatch(/no_such_table/);
    await expect(applyMigrations(test.db, broken)).rejects.toBeInstanceOf(MigrationError);
    expect(await pendingMigrations(test.db, broken)).toEqual(["29990101000000_broken"]);
  });

  it("refuses to go on after a failed migration whose folder is gone, as Prisma does", async () => {
    const test = await openTestDatabase("pglite", { migrate: false });
    cleanups.push(test.dispose);
    const broken: Migration = { name: "29990101000000_broken", sql: `SELECT * FROM no_such_table;`, checksum: "0".repeat(64) };
    await expect(applyMigrations(test.db, [...readMigrations(), broken])).rejects.toThrow(/29990101000000_broken failed/);
    // Renamed once fixed, and a later one added: neither may run until the failure is resolved.
    const fixed: Migration = { name: "29990101000000_broken_fixed", sql: `CREATE TABLE fixed (id int);`, checksum: "1".repeat(64) };
    const later: Migration = { name: "29990102000000_later", sql: `CREATE TABLE later (id int);`, checksum: "2".repeat(64) };
    await expect(applyMigrations(test.db, [...readMigrations(), fixed, later])).rejects.toThrow(
      "migration 29990101000000_broken failed earlier and was not rolled back; fix the database, then mark it rolled back (prisma migrate resolve --rolled-back 29990101000000_broken)",
    );
    const tables = await test.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_tables WHERE tablename IN ('fixed', 'later')`);
    expect(tables.rows[0]!.n).toBe(0);
    // Resolved as Prisma resolves it: the rest then runs.
    await test.db.query(`UPDATE _prisma_migrations SET rolled_back_at = now() WHERE migration_name = '29990101000000_broken'`);
    expect((await applyMigrations(test.db, [...readMigrations(), fixed, later])).applied).toEqual([fixed.name, later.name]);
  });

  it("runs a migration of one statement that cannot run in a transaction block, as Prisma sends it", async () => {
    const test = await openTestDatabase("postgres");
    cleanups.push(test.dispose);
    const concurrently: Migration = { name: "29990101000000_concurrent_index", sql: `CREATE INDEX CONCURRENTLY "objects_kind_idx" ON "objects" ("kind");\n`, checksum: "3".repeat(64) };
    expect((await applyMigrations(test.db, [...readMigrations(), concurrently])).applied).toEqual([concurrently.name]);
    const index = await test.db.query<{ present: boolean }>(`SELECT to_regclass('objects_kind_idx') IS NOT NULL AS present`);
    expect(index.rows[0]!.present).toBe(true);
  });

  it("refuses a migration folder without its migration.sql, as Prisma does", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kt-migrations-"));
    cleanups.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
    fs.mkdirSync(path.join(dir, "20260101000000_first"));
    fs.writeFileSync(path.join(dir, "20260101000000_first", "migration.sql"), "-- first\n");
    fs.mkdirSync(path.join(dir, "20260102000000_empty"));
    expect(() => readMigrations(dir)).toThrow(MigrationError);
    expect(() => readMigrations(dir)).toThrow(`migration 20260102000000_empty has no migration.sql (looked for ${path.join(dir, "20260102000000_empty", "migration.sql")})`);
  });

  it("takes a migration checked out with other line endings for the one applied, as Prisma does", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kt-migrations-"));
    cleanups.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
    fs.mkdirSync(path.join(dir, "20260101000000_first"));
    const file = path.join(dir, "20260101000000_first", "migration.sql");
    fs.writeFileSync(file, "-- first\nCREATE TABLE a (id int);\n");
    const [applied] = readMigrations(dir);
    fs.writeFileSync(file, "-- first\r\nCREATE TABLE a (id int);\r\n");
    const [crlf] = readMigrations(dir);
    expect(crlf!.checksum).not.toBe(applied!.checksum);
    expect(matchesChecksum(applied!.checksum, crlf!)).toBe(true);
    expect(matchesChecksum(crlf!.checksum, applied!)).toBe(true);
    fs.writeFileSync(file, "-- first\nCREATE TABLE a (id bigint);\n");
    expect(matchesChecksum(applied!.checksum, readMigrations(dir)[0]!)).toBe(false);
  });

  it("reads migrations in Prisma's folder layout, in name order", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kt-migrations-"));
    cleanups.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
    for (const name of ["20260102000000_second", "20260101000000_first"]) {
      fs.mkdirSync(path.join(dir, name));
      fs.writeFileSync(path.join(dir, name, "migration.sql"), `-- ${name}\n`);
    }
    fs.writeFileSync(path.join(dir, "migration_lock.toml"), 'provider = "postgresql"\n');
    expect(readMigrations(dir).map((m) => m.name)).toEqual(["20260101000000_first", "20260102000000_second"]);
  });

  it("is what npm run db:migrate does, once", async () => {
    const url = await freshPostgres();
    const run = () =>
      spawnSync(process.execPath, ["--import", "tsx", "scripts/migrate.ts"], { env: { ...process.env, DATABASE_URL: url }, encoding: "utf8" });
    const first = run();
    expect(first.status).toBe(0);
    for (const m of readMigrations()) expect(first.stdout).toContain(`applied ${m.name}`);
    const second = run();
    expect(second.status).toBe(0);
    expect(second.stdout).toMatch(/database is up to date/);
  });
});

/** A new database of `kind` with the migrations before `name` applied, and every migration, to apply the rest. */
async function migratedUpTo(kind: StoreKind, name: string): Promise<{ test: TestDatabase; migrations: Migration[] }> {
  const test = await openTestDatabase(kind, { migrate: false });
  cleanups.push(test.dispose);
  const migrations = readMigrations();
  const at = migrations.findIndex((m) => m.name === name);
  expect(at).toBeGreaterThan(0);
  await applyMigrations(test.db, migrations.slice(0, at));
  return { test, migrations };
}

describe("migrations that fill new columns from what was stored", () => {
  it("20261206150000 gives history stored before it the impersonator its details kept", async () => {
    const { test, migrations } = await migratedUpTo("pglite", "20261206150000_history_impersonator");
    await test.db.query(`INSERT INTO clusters (id, name) VALUES (1, 'prod')`);
    await test.db.query(`INSERT INTO history_entries (object_id, cluster_id, source, start_time, end_time, actor, verb, title, details)
      VALUES (1, 1, 'audit', now(), now(), 'bob', 'patch', 'bob patch', '{"impersonatedBy":{"username":"mallory","groups":["system:authenticated"]}}'),
             (1, 1, 'audit', now(), now(), 'alice', 'patch', 'alice patch', '{"userAgent":"kubectl"}')`);
    await applyMigrations(test.db, migrations);
    const rows = await test.db.query<{ actor: string; impersonator: string | null }>(`SELECT actor, impersonator FROM history_entries ORDER BY actor`);
    expect(rows.rows).toEqual([
      { actor: "alice", impersonator: null },
      { actor: "bob", impersonator: "mallory" },
    ]);
  });
});

describe("20261208120000: ranges take the entries that overlap them", () => {
  it.each(["pglite", "postgres"] as const)("makes instant the entries that end before they start, and indexes the long ones by end, on %s", async (kind) => {
    const { test, migrations } = await migratedUpTo(kind, "20261208120000_history_long_entries");
    await test.db.query(`INSERT INTO clusters (id, name) VALUES (1, 'minikube')`);
    // The exec session of server/testing/scenarios/sessions.ts (half an hour), a request whose
    // stage was stamped before it was received, and an instant one.
    await test.db.query(`INSERT INTO history_entries (object_id, cluster_id, source, start_time, end_time, actor, verb, subresource, title, details) VALUES
      (1, 1, 'audit', '2018-10-26T13:38:34.867Z', '2018-10-26T14:08:34.867Z', 'minikube-user', 'create', 'exec', 'minikube-user create exec', '{}'),
      (1, 1, 'audit', '2018-10-26T13:42:46.764Z', '2018-10-26T13:42:40.000Z', 'minikube-user', 'create', 'attach', 'minikube-user create attach', '{}'),
      (1, 1, 'audit', '2018-10-26T13:55:00.000Z', '2018-10-26T13:55:00.000Z', 'minikube-user', 'patch', '', 'minikube-user patch', '{}')`);
    // What the reverted 20261207120000_longest_history_entry left on a database that ran it.
    await test.db.query(`CREATE FUNCTION check_longest_entry(known bigint) RETURNS boolean LANGUAGE sql STABLE AS 'SELECT true'`);
    await test.db.query(`INSERT INTO settings (key, value) VALUES ('history_longest_entry_us', '1800000000')`);
    // A transaction that began before the migration and is still open when the index is read, as
    // the other test files' on the same server often are (see below).
    if (test.url !== null) {
      const other = new pg.Client({ connectionString: test.url });
      await other.connect();
      cleanups.push(() => other.end());
      await other.query(`BEGIN`);
      await other.query(`SELECT txid_current()`);
    }
    await applyMigrations(test.db, migrations);

    const instant = await test.db.query<{ subresource: string; instant: boolean }>(`SELECT subresource, end_time = start_time AS instant FROM history_entries ORDER BY start_time`);
    expect(instant.rows).toEqual([
      { subresource: "exec", instant: false },
      { subresource: "attach", instant: true },
      { subresource: "", instant: true },
    ]);
    // Read through the partial index alone (a bitmap scan reads nothing else): it holds the session only.
    // The migration's UPDATE changed end_time in place (a HOT update: no index had it yet), so the
    // index built next found a broken HOT chain, and Postgres marks it (pg_index.indcheckxmin) for
    // the planner to ignore in every snapshot that a transaction older than the index holds back:
    // on a server that other test files share, there was then no index to read, and this failed.
    // VACUUM FULL rewrites the table without HOT chains and rebuilds the index from the migration's
    // definition, which then serves at once.
    await test.db.query(`VACUUM FULL history_entries`);
    await test.db.transaction(async (tx) => {
      await tx.query(`SET LOCAL enable_seqscan = off`);
      await tx.query(`SET LOCAL enable_indexscan = off`);
      const text = `SELECT h.subresource FROM history_entries h WHERE ${isLongEntry("h")} AND h.end_time >= '2018-01-01'`;
      const plan = (await tx.query<{ "QUERY PLAN": string }>(`EXPLAIN ${text}`)).rows.map((r) => r["QUERY PLAN"]).join("\n");
      expect(plan).toMatch(/Bitmap Index Scan on history_long_end_time_idx/);
      expect((await tx.query<{ subresource: string }>(text)).rows).toEqual([{ subresource: "exec" }]);
    });
    const leftovers = await test.db.query<{ functions: number; settings: number }>(
      `SELECT (SELECT count(*) FROM pg_proc WHERE proname = 'check_longest_entry')::int AS functions,
              (SELECT count(*) FROM settings WHERE key = 'history_longest_entry_us')::int AS settings`,
    );
    expect(leftovers.rows).toEqual([{ functions: 0, settings: 0 }]);
  });
});

describe("20261209120000: the entries that lasted more than a second, by start", () => {
  it.each(["pglite", "postgres"] as const)("indexes the entries stored before it that lasted more than a second, and only those, on %s", async (kind) => {
    const { test, migrations } = await migratedUpTo(kind, "20261209120000_history_slow_entries");
    await test.db.query(`INSERT INTO clusters (id, name) VALUES (1, 'minikube')`);
    // The exec session of server/testing/scenarios/sessions.ts (half an hour), a delete that
    // waited five seconds, a patch of 45 ms (falco's slowest real write) and one of exactly a second.
    await test.db.query(`INSERT INTO history_entries (object_id, cluster_id, source, start_time, end_time, actor, verb, subresource, title, details) VALUES
      (1, 1, 'audit', '2018-10-26T13:38:34.867Z', '2018-10-26T14:08:34.867Z', 'minikube-user', 'create', 'exec', 'minikube-user create exec', '{}'),
      (1, 1, 'audit', '2018-10-26T13:40:00.000Z', '2018-10-26T13:40:05.000Z', 'minikube-user', 'delete', '', 'minikube-user delete', '{}'),
      (1, 1, 'audit', '2018-10-26T13:41:00.000Z', '2018-10-26T13:41:00.045Z', 'minikube-user', 'patch', 'status', 'minikube-user patch status', '{}'),
      (1, 1, 'audit', '2018-10-26T13:42:00.000Z', '2018-10-26T13:42:01.000Z', 'minikube-user', 'patch', 'scale', 'minikube-user patch scale', '{}')`);
    await applyMigrations(test.db, migrations);
    // Read through the partial index alone (a bitmap scan reads nothing else).
    await test.db.transaction(async (tx) => {
      await tx.query(`SET LOCAL enable_seqscan = off`);
      await tx.query(`SET LOCAL enable_indexscan = off`);
      const text = `SELECT h.verb FROM history_entries h WHERE ${isSlowEntry("h")} AND h.start_time >= '2018-01-01' ORDER BY h.start_time`;
      const plan = (await tx.query<{ "QUERY PLAN": string }>(`EXPLAIN ${text}`)).rows.map((r) => r["QUERY PLAN"]).join("\n");
      expect(plan).toMatch(/Bitmap Index Scan on history_slow_start_time_idx/);
      expect((await tx.query<{ verb: string }>(text)).rows).toEqual([{ verb: "create" }, { verb: "delete" }]);
    });
    const statistics = await test.db.query<{ name: string }>(`SELECT stxname AS name FROM pg_statistic_ext WHERE stxname = 'history_slow_entries_stats'`);
    expect(statistics.rows).toEqual([{ name: "history_slow_entries_stats" }]);
  });
});

describe("migrations that fill new columns from what was stored, from values ingest now refuses", () => {
  // Before 20261206150000 the impersonating user's name was kept in details only, unchecked: a NUL
  // (JSON's \u0000, which ->> cannot turn into text) or a name too long for a btree index entry
  // must not stop the migration, and with it every start-up.
  it.each(["pglite", "postgres"] as const)("20261206150000 reads history whose details hold a NUL or a name no index takes, on %s", async (kind) => {
    const { test, migrations } = await migratedUpTo(kind, "20261206150000_history_impersonator");
    await test.db.query(`INSERT INTO clusters (id, name) VALUES (1, 'prod')`);
    const details = (username: string) => JSON.stringify({ impersonatedBy: { username, groups: [] } });
    const rows: Array<[actor: string, details: string]> = [
      ["bob", details("mallory")],
      ["carol", details("mal\u0000lory")],
      ["dave", details(incompressibleText(4000))],
      // A NUL elsewhere (a ConfigMap's value in the patch kept in details): the name is still read.
      ["erin", JSON.stringify({ impersonatedBy: { username: "trent", groups: [] }, patch: { data: { blob: "a\u0000b" } } })],
      ["frank", JSON.stringify({ patch: { data: { blob: "a\u0000b", text: "\\u0000" } } })],
    ];
    for (const [actor, text] of rows) {
      await test.db.query(
        `INSERT INTO history_entries (object_id, cluster_id, source, start_time, end_time, actor, verb, title, details)
         VALUES (1, 1, 'audit', now(), now(), $1, 'patch', 'patch', $2)`,
        [actor, text],
      );
    }
    await applyMigrations(test.db, migrations);
    const stored = await test.db.query<{ actor: string; impersonator: string | null }>(`SELECT actor, impersonator FROM history_entries ORDER BY actor`);
    expect(stored.rows).toEqual([
      { actor: "bob", impersonator: "mallory" },
      { actor: "carol", impersonator: null },
      { actor: "dave", impersonator: null },
      { actor: "erin", impersonator: "trent" },
      { actor: "frank", impersonator: null },
    ]);
  });
});

describe("20261212120000: a cluster's stored version becomes its first sighting", () => {
  it.each(["pglite", "postgres"] as const)("keeps each cluster's version, first seen at the migration, and drops the column, on %s", async (kind) => {
    const { test, migrations } = await migratedUpTo(kind, "20261212120000_kubernetes_version_sightings");
    // What 20261210120000 left: a cluster whose kube-apiserver named 1.31, one whose version was
    // never seen, and one named like a key every object has.
    await test.db.query(`INSERT INTO clusters (id, name, kubernetes_version) VALUES (1, 'prod', 'v1.31.0'), (2, 'fresh', NULL), (3, 'constructor', 'v1.35.0')`);
    const before = Date.now();
    await applyMigrations(test.db, migrations);
    const after = Date.now();
    const rows = await test.db.query<{ cluster_id: number; version: string; first_seen: Date }>(`SELECT cluster_id, version, first_seen FROM kubernetes_version_sightings ORDER BY cluster_id`);
    expect(rows.rows.map((row) => [row.cluster_id, row.version])).toEqual([
      [1, "v1.31.0"],
      [3, "v1.35.0"],
    ]);
    for (const row of rows.rows) {
      // now(): the transaction's start, within the migration run (to the millisecond JavaScript reads).
      expect(new Date(row.first_seen).getTime()).toBeGreaterThanOrEqual(before - 1);
      expect(new Date(row.first_seen).getTime()).toBeLessThanOrEqual(after);
    }
    const column = await test.db.query(`SELECT 1 FROM information_schema.columns WHERE table_name = 'clusters' AND column_name = 'kubernetes_version'`);
    expect(column.rows).toEqual([]);
    // An ingestor started on it follows the stored version for a write of any time, as before
    // the migration, until a sighting says otherwise; a log that names it earlier moves it back.
    const clusters = new ClusterRegistry(test.db);
    expect(await clusters.idOf("prod")).toBe(1);
    expect(clusters.versionsOf("prod").versionAt(new Date("2021-09-13T14:53:16Z"))).toEqual(parseKubernetesVersion("v1.31.0"));
    expect(clusters.versionsOf("prod").versionAt(new Date(after + 60_000))).toEqual(parseKubernetesVersion("v1.31.0"));
    await clusters.idOf("fresh");
    expect(clusters.versionsOf("fresh").isEmpty).toBe(true);
    await clusters.idOf("constructor");
    expect(clusters.versionsOf("constructor").newest()).toEqual(parseKubernetesVersion("v1.35.0"));
    const earlier = new VersionTimeline();
    earlier.note(parseKubernetesVersion("v1.31.0")!, new Date("2024-08-20T10:00:00Z"));
    clusters.noteSightings("prod", earlier);
    await clusters.storeSightings("prod");
    const moved = await test.db.query<{ first_seen: Date }>(`SELECT first_seen FROM kubernetes_version_sightings WHERE cluster_id = 1`);
    expect(new Date(moved.rows[0]!.first_seen).toISOString()).toBe("2024-08-20T10:00:00.000Z");
  });
});

describe("20261216120000: audit receipts keyed by the request's time too", () => {
  it.each(["pglite", "postgres"] as const)("keeps the receipts stored before, untimed, which still take an event of their auditID and stage received before them for a retry, on %s", async (kind) => {
    const { test, migrations } = await migratedUpTo(kind, "20261216120000_audit_receipts_request_time");
    // Receipts as the version before stored them: by auditID and stage alone (the auditID of
    // falco's recorded create of a ConfigMap, shared/fixtures/real/falco-k8s-audit-traces).
    const auditId = "155b887c-c27c-4fdb-9667-999f74512d0a";
    await test.db.query(`INSERT INTO clusters (id, name) VALUES (1, 'prod'), (2, 'staging')`);
    await test.db.query(`INSERT INTO audit_receipts (cluster_id, audit_id, stage, received_at)
      VALUES (1, $1, 'ResponseComplete', '2026-12-01T00:00:00Z'), (1, $1, 'RequestReceived', '2026-12-01T00:00:00Z')`, [auditId]);
    await applyMigrations(test.db, migrations);

    const rows = await test.db.query<{ stage: string; untimed: boolean; received_at: Date }>(
      `SELECT stage, request_received_at = '-infinity' AS untimed, received_at FROM audit_receipts ORDER BY stage`,
    );
    expect(rows.rows.map((row) => [row.stage, row.untimed, new Date(row.received_at).toISOString()])).toEqual([
      ["RequestReceived", true, "2026-12-01T00:00:00.000Z"],
      ["ResponseComplete", true, "2026-12-01T00:00:00.000Z"],
    ]);
    const untimed = new UntimedReceipts();
    expect(await untimed.mayExist(test.db, 1)).toBe(true);
    expect(await untimed.mayExist(test.db, 2)).toBe(false);

    // A re-import of the file imported before the upgrade: its events are duplicates, whatever
    // their request's time; a stage never stored, and another cluster's, are new.
    const requestReceived = "2018-10-26T13:13:03.539180Z";
    const again = await recordReceipts(test.db, 1, [
      { auditId, stage: "ResponseComplete", requestReceived },
      { auditId, stage: "ResponseStarted", requestReceived },
    ], true);
    expect(again.count).toBe(1);
    expect(again.isNew({ auditId, stage: "ResponseComplete", requestReceived })).toBe(false);
    expect(again.isNew({ auditId, stage: "ResponseStarted", requestReceived })).toBe(true);
    expect((await recordReceipts(test.db, 2, [{ auditId, stage: "ResponseComplete", requestReceived }], false)).count).toBe(1);
  });
});
