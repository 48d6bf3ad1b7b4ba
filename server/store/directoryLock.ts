import fs from "node:fs";
import path from "node:path";

/** Is a process with this pid alive (on this machine)? */
function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

export class DirectoryLockedError extends Error {}

/** Lock files this process holds. A file naming our own pid that is not here was left by an
 * earlier process that had the same pid (pid 1 in a restarted container): stale. */
const heldByThisProcess = new Set<string>();

/**
 * Takes an exclusive lock file holding our pid; a stale file left by a dead process is
 * taken over. Returns the release function.
 */
export function acquireDirectoryLock(lockFile: string): () => void {
  const key = path.resolve(lockFile);
  if (heldByThisProcess.has(key)) {
    throw new DirectoryLockedError(`the embedded database (${lockFile}) is already open in this process`);
  }
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lockFile, String(process.pid), { flag: "wx" });
      heldByThisProcess.add(key);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        heldByThisProcess.delete(key);
        fs.rmSync(lockFile, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = Number(fs.readFileSync(lockFile, "utf8").trim());
      if (Number.isInteger(owner) && owner !== process.pid && processIsAlive(owner)) {
        throw new DirectoryLockedError(
          `the embedded database is in use by process ${owner} (${lockFile}); the embedded database serves one process at a time: stop it, or use DATABASE_URL with a Postgres server`,
        );
      }
      fs.rmSync(lockFile, { force: true });
    }
  }
  throw new DirectoryLockedError(`could not lock ${lockFile}`);
}
