import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../config/config";
import { createAppContext } from "./context";
import { falcoEvents } from "../testing/fixtures";
import { DirectoryLockedError } from "../store/directoryLock";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe("the embedded default database", () => {
  it("starts with no configuration, generates an ingest token, and keeps data across restarts", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "kt-embedded-"));
    dirs.push(dataDir);
    const config = loadConfig({ KUBETRAIL_DATA_DIR: dataDir });
    const logs: string[] = [];
    const first = await createAppContext(config, { log: (m) => logs.push(m), prune: false });
    expect(first.db.kind).toBe("pglite");
    expect(logs.join("\n")).toMatch(/generated an ingest token \(kept in .*ingest-token\)/);
    const token = fs.readFileSync(path.join(dataDir, "ingest-token"), "utf8").trim();
    expect(logs.join("\n")).not.toContain(token);
    // PGlite runs no autovacuum: Kubetrail keeps its tables analysed and vacuumed itself.
    expect(logs).toContain("maintenance: analysing and vacuuming Kubetrail's tables every 5 min (the embedded database runs no autovacuum)");
    expect(first.authorizer.check(`Bearer ${token}`, "default")).toBeNull();

    // A second process-wide context on the same directory would corrupt it: refused clearly.
    await expect(createAppContext(config, { log: () => {}, prune: false })).rejects.toBeInstanceOf(DirectoryLockedError);

    const summary = await first.ingestor.ingest("default", falcoEvents("create_configmap.json"));
    expect(summary.history).toBe(1);
    await first.close();

    const second = await createAppContext(config, { log: () => {}, prune: false });
    try {
      expect(await second.db.prisma.historyEntry.count()).toBe(1);
      expect(second.authorizer.check(`Bearer ${token}`, "default")).toBeNull();
    } finally {
      await second.close();
    }
  });
});

describe("a start-up that fails", () => {
  it("names the bad rules file and leaves the embedded database free for the next start", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "kt-badrules-"));
    dirs.push(dataDir);
    const rules = path.join(dataDir, "rules.yaml");
    fs.writeFileSync(rules, "rules:\n  - name: broken\n    path: 42\n");
    await expect(createAppContext(loadConfig({ KUBETRAIL_DATA_DIR: dataDir, KUBETRAIL_LINK_RULES_FILE: rules }), { log: () => {}, prune: false })).rejects.toThrow(
      /rules\.yaml/,
    );
    const next = await createAppContext(loadConfig({ KUBETRAIL_DATA_DIR: dataDir }), { log: () => {}, prune: false });
    await next.close();
  });
});

describe("npm start", () => {
  it("refuses to start on a wrong setting, naming it", () => {
    const result = spawnSync(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
      env: { ...process.env, KUBETRAIL_INGEST_CONCURRENCY: "lots" },
      encoding: "utf8",
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/cannot start: invalid configuration: KUBETRAIL_INGEST_CONCURRENCY must be a positive integer, got "lots"/);
  });
});
