import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPglite } from "../../store/pglite";
import { falcoEventLines } from "../../testing/fixtures";
import { HKERMA_CSV } from "../../testing/hkermaCsv";
import { runImportScript, summaryCount } from "../../testing/importScript";
import { rolloutScenario } from "../../testing/scenarios/rollout";

/** Runs `npm run import`'s script on the embedded database in `dataDir`, with `stdin` as its standard input. */
const runImport = (dataDir: string, args: string[], stdin = "") => runImportScript("scripts/import.ts", { KUBETRAIL_DATA_DIR: dataDir }, args, stdin);
const count = summaryCount;

describe("npm run import", () => {
  let dir: string;
  let file: string;
  let uniqueEvents: number;
  const corruptLine = 20;

  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "kubetrail-import-"));
    // One event per (auditID, stage): the Falco traces repeat a few, and this test counts exactly.
    const seen = new Set<string>();
    const lines = falcoEventLines().filter((line) => {
      const { auditID, stage } = JSON.parse(line) as { auditID: string; stage: string };
      const key = `${auditID}/${stage}`;
      return !seen.has(key) && !!seen.add(key);
    });
    uniqueEvents = lines.length;
    lines.splice(corruptLine - 1, 0, '{"kind":"Event","auditID":"cut-off-here');
    file = path.join(dir, "audit.log.gz");
    writeFileSync(file, gzipSync(lines.join("\n") + "\n"));
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("imports a gzipped audit log once: a second import finds only duplicates", async () => {
    const dataDir = path.join(dir, "data");
    const first = await runImport(dataDir, [file]);
    expect(first.stderr).not.toMatch(/^import:/m);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`Imported ${file} into cluster "default"`);
    expect(count(first.stdout, "read")).toBe(uniqueEvents + 1);
    expect(first.stdout).toContain(`  read        ${(uniqueEvents + 1).toLocaleString("en-US")}  ${uniqueEvents.toLocaleString("en-US")} JSON values, 1 piece of text not readable as JSON\n`);
    expect(count(first.stdout, "accepted")).toBe(uniqueEvents);
    expect(count(first.stdout, "duplicates")).toBe(0);
    expect(count(first.stdout, "rejected")).toBe(1);
    expect(first.stdout).toMatch(new RegExp(`1 × unexpected end of line inside a JSON document \\(line ${corruptLine}\\)\\n +e\\.g\\. line ${corruptLine} \\(byte \\d+\\): unexpected end of line`));

    const second = await runImport(dataDir, [file, "--batch-size", "7"]);
    expect(second.code).toBe(0);
    expect(count(second.stdout, "accepted")).toBe(0);
    expect(count(second.stdout, "duplicates")).toBe(uniqueEvents);
    expect(count(second.stdout, "rejected")).toBe(1);

    const db = await openPglite(dataDir);
    try {
      const receipts = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_receipts");
      expect(receipts.rows[0]!.n).toBe(uniqueEvents);
      const clusters = await db.query<{ name: string }>("SELECT name FROM clusters");
      expect(clusters.rows.map((r) => r.name)).toEqual(["default"]);
      // The embedded database runs no autovacuum: the import analysed what it stored
      // (server/store/maintenance), so the server's first start plans with statistics.
      const analysed = await db.query<{ reltuples: number; entries: number }>(
        "SELECT c.reltuples::int AS reltuples, (SELECT count(*)::int FROM history_entries) AS entries FROM pg_class c WHERE c.relname = 'history_entries'",
      );
      expect(analysed.rows[0]!.entries).toBeGreaterThan(0);
      expect(analysed.rows[0]!.reltuples).toBe(analysed.rows[0]!.entries);
      expect(first.stderr).toMatch(/^maintenance: ANALYZE history_entries took \d+ ms$/m);
    } finally {
      await db.close();
    }
  });

  it("reads from standard input JSON lines followed by a pretty-printed EventList", async () => {
    const seen = new Set<string>();
    const events = falcoEventLines()
      .map((line) => JSON.parse(line) as { auditID: string; stage: string })
      .filter(({ auditID, stage }) => !seen.has(`${auditID}/${stage}`) && !!seen.add(`${auditID}/${stage}`));
    const half = Math.floor(events.length / 2);
    const list = { kind: "EventList", apiVersion: "audit.k8s.io/v1", metadata: {}, items: events.slice(half) };
    const input = events.slice(0, half).map((event) => JSON.stringify(event)).join("\n") + "\n" + JSON.stringify(list, null, 2) + "\n";
    const result = await runImport(path.join(dir, "stdin-data"), ["-", "--cluster", "mixed"], input);
    expect(result.stderr).not.toMatch(/^import:/m);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Imported standard input into cluster "mixed"`);
    expect(count(result.stdout, "read")).toBe(events.length);
    expect(count(result.stdout, "accepted")).toBe(events.length);
    expect(count(result.stdout, "rejected")).toBe(0);
  });

  it("gives an object the history it has in order when an older log is imported after a newer one", async () => {
    // The rollout of the real openshift-apiserver Deployment, split between two rotated logs.
    const lines = rolloutScenario().map((step) => JSON.stringify(step.event));
    const older = path.join(dir, "audit-older.log");
    const newer = path.join(dir, "audit-newer.log");
    writeFileSync(older, lines.slice(0, 3).join("\n") + "\n"); // create, status, scale up
    writeFileSync(newer, lines.slice(3).join("\n") + "\n");
    const both = path.join(dir, "audit-both.log");
    writeFileSync(both, lines.join("\n") + "\n");

    const history = async (dataDir: string) => {
      const db = await openPglite(dataDir);
      try {
        const rows = await db.query<{ audit_id: string; diff: unknown; snapshot: unknown; noop: boolean; before: string | null }>(
          `SELECT audit_id, diff, snapshot, noop, details->>'resourceVersionBefore' AS before FROM history_entries ORDER BY audit_id`,
        );
        return rows.rows;
      } finally {
        await db.close();
      }
    };
    const inOrder = path.join(dir, "in-order");
    expect((await runImport(inOrder, [both])).code).toBe(0);
    const reversed = path.join(dir, "newer-first");
    expect((await runImport(reversed, [newer])).code).toBe(0);
    expect((await runImport(reversed, [older])).code).toBe(0);

    const expected = await history(inOrder);
    expect(expected).toHaveLength(lines.length);
    // The failed update's version is whichever was known when it arrived: the rest must agree.
    const conflict = rolloutScenario().find((step) => step.label === "conflict")!.event.auditID;
    const comparable = (rows: typeof expected) => rows.map((row) => (row.audit_id === conflict ? { ...row, before: null } : row));
    expect(comparable(await history(reversed))).toEqual(comparable(expected));
  });

  it("says so, and exits 1, when nothing in the file is an audit event: a Kubernetes manifest or a CSV given by mistake", async () => {
    const manifest = path.join(dir, "deployment.yaml");
    // The head of the rollout's Deployment as `kubectl get -o yaml` prints it: a manifest, not an audit log.
    writeFileSync(manifest, "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: apiserver\n  namespace: openshift-apiserver\n");
    const result = await runImport(path.join(dir, "manifest-data"), [manifest]);
    expect(result.code).toBe(1);
    expect(count(result.stdout, "rejected")).toBe(5);
    expect(result.stdout).toContain(`Nothing in ${manifest} could be stored. Is it a kube-apiserver audit log?`);

    // Audit events, but flattened into CSV rows: 16,564 lines of text, not as many events.
    const csv = await runImport(path.join(dir, "manifest-data"), [HKERMA_CSV]);
    expect(csv.code).toBe(1);
    expect(csv.stdout.split("\n").slice(0, 3)).toEqual([
      expect.stringMatching(/^Imported nothing from .*audit-logs\.csv into cluster "default" in \d+s$/),
      "  read        16,564  pieces of text not readable as JSON",
      "  accepted         0",
    ]);

    // An empty file is not a mistake: nothing to read, nothing wrong.
    const empty = path.join(dir, "empty.log");
    writeFileSync(empty, "");
    const none = await runImport(path.join(dir, "manifest-data"), [empty]);
    expect(none.code).toBe(0);
    expect(none.stdout).not.toContain("Nothing in");
  });

  it("fails with a message naming a missing file, and exits 2 on bad arguments", async () => {
    const dataDir = path.join(dir, "unused");
    const missing = path.join(dir, "no-such-audit.log");
    const result = await runImport(dataDir, [missing]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`import: cannot read ${missing}: no such file or directory`);

    const bad = await runImport(dataDir, [file, "--batch-size", "none"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`--batch-size must be a positive integer, got "none"`);
    expect(bad.stderr).toContain("Usage: npm run import");
  });
});
