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

/** How long to wait for another process to finish taking over a stale lock, in all. */
const TAKEOVER_WAIT_MS = 2000;
const TAKEOVER_POLL_MS = 10;

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** The pid a lock file names, or null when it names none (gone, empty, or half written). */
function ownerOf(file: string): number | null {
  try {
    const owner = Number(fs.readFileSync(file, "utf8").trim());
    return Number.isInteger(owner) && owner > 0 ? owner : null;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

/** Whether a lock file's owner is gone (or is an earlier process that had our pid). */
function isStale(owner: number | null): boolean {
  return owner === null || owner === process.pid || !processIsAlive(owner);
}

/**
 * Creates `file` holding our pid if it does not exist; false if it does. The pid is written to a
 * file of our own first and linked into place (link fails if the name exists), so that no other
 * process ever reads the lock empty, between its creation and its write, and takes it for stale.
 */
function createExclusive(file: string): boolean {
  const written = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(written, String(process.pid));
  try {
    fs.linkSync(written, file);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return false;
    // A file system without hard links: created and written in two steps, the best it allows.
    if (code === "EPERM" || code === "ENOTSUP" || code === "ENOSYS") return createExclusiveWithoutLink(file);
    throw error;
  } finally {
    fs.rmSync(written, { force: true });
  }
}

function createExclusiveWithoutLink(file: string): boolean {
  try {
    fs.writeFileSync(file, String(process.pid), { flag: "wx" });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
}

/**
 * Takes an exclusive lock file holding our pid; a stale file left by a dead process is
 * taken over. Returns the release function.
 *
 * Only a process holding the takeover file (`<lock>.takeover`, created exclusively too) may
 * delete a stale lock, and only after reading it again: two processes that both saw the dead
 * owner and both deleted the file could otherwise each delete the other's new lock, and both
 * open the database. A process that finds no lock file at all creates it directly; a takeover
 * that then finds it taken is refused like anyone else.
 */
export function acquireDirectoryLock(lockFile: string): () => void {
  const key = path.resolve(lockFile);
  if (heldByThisProcess.has(key)) {
    throw new DirectoryLockedError(`the embedded database (${lockFile}) is already open in this process`);
  }
  const takeoverFile = `${lockFile}.takeover`;
  const deadline = Date.now() + TAKEOVER_WAIT_MS;
  for (;;) {
    if (createExclusive(lockFile)) return holding(lockFile, key);
    const owner = ownerOf(lockFile);
    if (!isStale(owner)) throw inUse(owner!, lockFile);
    if (createExclusive(takeoverFile)) {
      try {
        // Under the takeover, nobody else deletes the lock: if it still names a dead owner, it is ours to replace.
        if (isStale(ownerOf(lockFile))) fs.rmSync(lockFile, { force: true });
      } finally {
        fs.rmSync(takeoverFile, { force: true });
      }
      continue;
    }
    // Another process is taking over; or one died doing it, leaving the takeover file behind.
    // Read once: read twice, the file could be gone at the first read (stale: no owner) and a live
    // process's new takeover at the second, which this would then delete while that process
    // replaced the lock under it; a third could then take over too, and two would hold the lock.
    const takingOver = ownerOf(takeoverFile);
    if (takingOver !== null && isStale(takingOver)) fs.rmSync(takeoverFile, { force: true });
    if (Date.now() > deadline) throw new DirectoryLockedError(`could not lock ${lockFile}: ${takeoverFile} stayed in place`);
    sleepSync(TAKEOVER_POLL_MS);
  }
}

function inUse(owner: number, lockFile: string): DirectoryLockedError {
  return new DirectoryLockedError(
    `the embedded database is in use by process ${owner} (${lockFile}); the embedded database serves one process at a time: stop it, or use DATABASE_URL with a Postgres server`,
  );
}

function holding(lockFile: string, key: string): () => void {
  heldByThisProcess.add(key);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    heldByThisProcess.delete(key);
    fs.rmSync(lockFile, { force: true });
  };
}
