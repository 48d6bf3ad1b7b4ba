import fs from "node:fs";

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

/**
 * Takes an exclusive lock file holding our pid; a stale file left by a dead process is
 * taken over. Returns the release function.
 */
export function acquireDirectoryLock(lockFile: string): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lockFile, String(process.pid), { flag: "wx" });
      let released = false;
      return () => {
        if (released) return;
        released = true;
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
