import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { acquireDirectoryLock, DirectoryLockedError } from "./directoryLock";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});
function lockFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kt-lock-"));
  dirs.push(dir);
  return path.join(dir, "pglite.lock");
}

describe("acquireDirectoryLock", () => {
  it("refuses a lock held by another live process, naming it", async () => {
    const file = lockFile();
    const other = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"]);
    try {
      fs.writeFileSync(file, String(other.pid));
      expect(() => acquireDirectoryLock(file)).toThrow(DirectoryLockedError);
      expect(() => acquireDirectoryLock(file)).toThrow(new RegExp(`in use by process ${other.pid}`));
    } finally {
      other.kill();
    }
  });

  it("takes over a lock left by a process that is gone, and releases it", async () => {
    const file = lockFile();
    const gone = spawn(process.execPath, ["-e", ""]);
    await new Promise((resolve) => gone.on("exit", resolve));
    fs.writeFileSync(file, String(gone.pid));
    const release = acquireDirectoryLock(file);
    expect(fs.readFileSync(file, "utf8")).toBe(String(process.pid));
    release();
    expect(fs.existsSync(file)).toBe(false);
  });
});
