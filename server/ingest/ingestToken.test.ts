import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ensureGeneratedIngestToken } from "./ingestToken";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});
const dataDir = () => {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "kt-token-")), "data");
  dirs.push(path.dirname(dir));
  return dir;
};

describe("ensureGeneratedIngestToken", () => {
  it("generates a token on first start, readable by the owner only, and reuses it afterwards", () => {
    const dir = dataDir();
    const auth = { mode: "token" as const, sharedToken: null, clusterTokens: {} };
    const first = ensureGeneratedIngestToken({ ingestAuth: auth, dataDir: dir })!;
    expect(first.created).toBe(true);
    expect(first.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(fs.statSync(first.file).mode & 0o777).toBe(0o600);
    const second = ensureGeneratedIngestToken({ ingestAuth: auth, dataDir: dir })!;
    expect(second).toEqual({ token: first.token, file: first.file, created: false });
  });

  it("generates nothing when tokens are configured or authentication is disabled", () => {
    const dir = dataDir();
    expect(ensureGeneratedIngestToken({ ingestAuth: { mode: "token", sharedToken: "x", clusterTokens: {} }, dataDir: dir })).toBeNull();
    expect(ensureGeneratedIngestToken({ ingestAuth: { mode: "token", sharedToken: null, clusterTokens: { a: "b" } }, dataDir: dir })).toBeNull();
    expect(ensureGeneratedIngestToken({ ingestAuth: { mode: "disabled" }, dataDir: dir })).toBeNull();
    expect(fs.existsSync(dir)).toBe(false);
  });
});
