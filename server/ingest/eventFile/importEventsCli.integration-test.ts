import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPglite } from "../../store/pglite";
import { FIXTURES_DIR } from "../../testing/fixtures";
import { createPostgresDatabase, STORE_KINDS, type StoreKind } from "../../testing/databases";
import { mustGatherEventItems, mustGatherEventsFile, watchOnlyJson } from "../../testing/eventFileForms";
import { runImportScript, summaryCount } from "../../testing/importScript";

/** The real openshift-apiserver Events of the must-gather: 163 core/v1 Events in one EventList. */
const EVENTS_FILE = mustGatherEventsFile("openshift-apiserver");
const EVENT_COUNT = 163;
/** A real file of the same must-gather that holds no Events: a DeploymentList. */
const DEPLOYMENTS_FILE = path.join(FIXTURES_DIR, "openshift-must-gather-azure/namespaces/openshift-apiserver/apps/deployments.yaml");

/** Where a run stores: a Postgres database (DATABASE_URL) or an embedded one (KUBETRAIL_DATA_DIR). */
interface Store {
  env: Record<string, string>;
  query(sql: string): Promise<Array<Record<string, unknown>>>;
  dispose(): Promise<void>;
}

async function openStore(kind: StoreKind, dir: string): Promise<Store> {
  if (kind === "pglite") {
    const dataDir = path.join(dir, "data");
    return {
      env: { KUBETRAIL_DATA_DIR: dataDir },
      async query(sql) {
        // The embedded database serves one process at a time: opened only between runs.
        const db = await openPglite(dataDir);
        try {
          return (await db.query<Record<string, unknown>>(sql)).rows;
        } finally {
          await db.close();
        }
      },
      dispose: async () => undefined,
    };
  }
  const database = await createPostgresDatabase();
  return {
    env: { DATABASE_URL: database.url, KUBETRAIL_DATA_DIR: path.join(dir, "unused") },
    async query(sql) {
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        return (await client.query<Record<string, unknown>>(sql)).rows;
      } finally {
        await client.end();
      }
    },
    dispose: () => database.drop(),
  };
}

/** Runs `npm run import:events`'s script, with `stdin` as its standard input. */
const runImport = (env: Record<string, string>, args: string[], stdin: string | Buffer = "") => runImportScript("scripts/import-events.ts", env, args, stdin);
const count = summaryCount;

describe.each(STORE_KINDS)("npm run import:events on %s", (kind) => {
  let dir: string;
  let store: Store;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "kubetrail-import-events-"));
    store = await openStore(kind, dir);
  });

  afterAll(async () => {
    await store?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("imports a must-gather's events.yaml once: each Event a history entry of its object; a second import finds only duplicates", async () => {
    const first = await runImport(store.env, [EVENTS_FILE]);
    expect(first.stderr).not.toMatch(/^import:events:/m);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`Imported ${EVENTS_FILE} into cluster "default"`);
    expect(count(first.stdout, "read")).toBe(EVENT_COUNT);
    expect(count(first.stdout, "stored")).toBe(EVENT_COUNT);
    expect(count(first.stdout, "duplicates")).toBe(0);
    expect(count(first.stdout, "rejected")).toBe(0);
    // Nothing else is in this database: every object the Events name is first seen through them.
    const [objects] = await store.query("SELECT count(*)::int AS n FROM objects");
    expect(count(first.stdout, "new objects")).toBe(objects!.n);
    expect(objects!.n).toBeGreaterThan(0);

    const second = await runImport(store.env, [EVENTS_FILE, "--batch-size", "7"]);
    expect(second.code).toBe(0);
    expect(count(second.stdout, "read")).toBe(EVENT_COUNT);
    expect(count(second.stdout, "stored")).toBe(0);
    expect(count(second.stdout, "duplicates")).toBe(EVENT_COUNT);
    expect(count(second.stdout, "new objects")).toBe(0);

    const rows = await store.query(
      `SELECT c.name AS cluster, h.source::text AS source, count(*)::int AS n FROM history_entries h JOIN clusters c ON c.id = h.cluster_id GROUP BY 1, 2`,
    );
    expect(rows).toEqual([{ cluster: "default", source: "event", n: EVENT_COUNT }]);
  });

  it("says so, and exits 1, when the file holds no Events: the same must-gather's Deployments given by mistake", async () => {
    const result = await runImport(store.env, [DEPLOYMENTS_FILE, "--cluster", "wrong-file"]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^Imported nothing from .*deployments\.yaml into cluster "wrong-file"/);
    expect(result.stdout).toContain(`Nothing in ${DEPLOYMENTS_FILE} could be stored. It holds 1 × Deployment (apps/v1).`);
    expect(result.stdout).toContain("Kubetrail reads Kubernetes Events");
    const rows = await store.query(`SELECT count(*)::int AS n FROM history_entries h JOIN clusters c ON c.id = h.cluster_id WHERE c.name = 'wrong-file'`);
    expect(rows[0]!.n).toBe(0);
  });

  it("exits 2 on bad arguments, naming the problem and showing the usage", async () => {
    const bad = await runImport(store.env, [EVENTS_FILE, "--batch-size", "none"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`import:events: --batch-size must be a positive integer, got "none"`);
    expect(bad.stderr).toContain("Usage: npm run import:events");
    expect((await runImport(store.env, [EVENTS_FILE, "--max-size", "1GB"])).code).toBe(2);
    expect((await runImport(store.env, [])).code).toBe(2);
  });
});

describe("npm run import:events on the embedded database: other inputs", () => {
  let dir: string;
  let env: Record<string, string>;

  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "kubetrail-import-events-"));
    env = { KUBETRAIL_DATA_DIR: path.join(dir, "data") };
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("reads gzipped JSON from standard input (kubectl get events -o json --watch-only | gzip, derived from the real Events)", async () => {
    const input = gzipSync(watchOnlyJson(mustGatherEventItems("openshift-apiserver")));
    const result = await runImport(env, ["-", "--cluster", "piped"], input);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Imported standard input into cluster "piped"');
    expect(count(result.stdout, "stored")).toBe(EVENT_COUNT);
  });

  it("fails, exit 1, naming the problem: a missing file, a file over --max-size, a tar archive", async () => {
    const missing = path.join(dir, "no-such-events.yaml");
    const none = await runImport(env, [missing]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain(`import:events: cannot read ${missing}: no such file or directory`);

    const large = await runImport(env, [EVENTS_FILE, "--max-size", "100KiB"]);
    expect(large.code).toBe(1);
    expect(large.stderr).toMatch(/^import:events: .*events\.yaml is 136\.8 KiB, larger than the limit of 100\.0 KiB: raise the limit with --max-size to import it, or split it$/m);
    expect(large.stdout).toBe("");

    // A must-gather as people receive it: a .tar.gz (a tar header made here, around the real file's name).
    const tarball = path.join(dir, "must-gather.tar.gz");
    const header = Buffer.alloc(512);
    header.write("must-gather/namespaces/openshift-apiserver/core/events.yaml");
    header.write("ustar\u000000", 257, "latin1");
    writeFileSync(tarball, gzipSync(header));
    const tar = await runImport(env, [tarball]);
    expect(tar.code).toBe(1);
    expect(tar.stderr).toContain("import:events: the input is a tar archive (a must-gather?): extract it and import its events files");
  });
});
