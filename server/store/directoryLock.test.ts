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

  it("never lets two processes hold a lock at once, however many take over a stale one together", async () => {
    const gone = spawn(process.execPath, ["-e", ""]);
    await new Promise((resolve) => gone.on("exit", resolve));
    // Each process takes the lock (or is refused), holds it a moment, and says from when to when it held it.
    // They start together: each loads the module, says so, and waits for the go file.
    const contender = `
      const fs = await import("node:fs");
      const { acquireDirectoryLock } = await import(${JSON.stringify(path.resolve("server/store/directoryLock.ts"))});
      console.log("ready");
      while (!fs.existsSync(process.argv[2])) await new Promise((resolve) => setTimeout(resolve, 1));
      try {
        const release = acquireDirectoryLock(process.argv[1]);
        const from = Date.now();
        await new Promise((resolve) => setTimeout(resolve, 300));
        const to = Date.now();
        release();
        console.log(JSON.stringify([from, to]));
      } catch (error) {
        console.log(JSON.stringify(error.constructor.name));
      }`;
    for (let round = 0; round < 8; round++) {
      const file = lockFile();
      fs.writeFileSync(file, String(gone.pid));
      const go = `${file}.go`;
      const contenders = Array.from({ length: 4 }, () => {
        const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", contender, file, go], { stdio: ["ignore", "pipe", "inherit"] });
        let out = "";
        let onReady: () => void;
        const ready = new Promise<void>((resolve) => (onReady = resolve));
        child.stdout.on("data", (chunk) => {
          out += chunk;
          if (out.startsWith("ready\n")) onReady();
        });
        const outcome = new Promise<unknown>((resolve) => child.on("exit", () => resolve(JSON.parse(out.slice("ready\n".length)))));
        return { ready, outcome };
      });
      await Promise.all(contenders.map((c) => c.ready));
      fs.writeFileSync(go, "");
      const outcomes = await Promise.all(contenders.map((c) => c.outcome));
      fs.rmSync(go);
      const held = outcomes.filter((o): o is [number, number] => Array.isArray(o)).sort((a, b) => a[0] - b[0]);
      expect(held.length, `round ${round}`).toBeGreaterThan(0);
      for (let i = 1; i < held.length; i++) expect(held[i]![0], `round ${round}: ${JSON.stringify(held)}`).toBeGreaterThanOrEqual(held[i - 1]![1]);
      for (const refused of outcomes.filter((o) => !Array.isArray(o))) expect(refused).toBe("DirectoryLockedError");
      // Nothing left behind: no lock, no takeover file, no file the pid was written to.
      expect(fs.readdirSync(path.dirname(file))).toEqual([]);
    }
  });
});
