import fs from "node:fs";
import path from "node:path";
import type { Readable } from "node:stream";

/** A file that cannot be read: the message names it and why. */
export class ImportSourceError extends Error {}

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: "no such file or directory",
  EACCES: "permission denied",
  EISDIR: "is a directory",
};

export interface ImportSource {
  input: Readable;
  /** The size of a regular file (compressed size for gzip files), for the progress bar; null for a pipe. */
  totalBytes: number | null;
  /** As the summary names it: the path as given, or "standard input". */
  name: string;
}

/**
 * The file an import reads (`npm run import`, `npm run import:events`), or standard input for
 * "-"; `command` and `what` word the hint shown when standard input is a terminal.
 */
export async function openImportSource(file: string, hint: { command: string; what: string }): Promise<ImportSource> {
  if (file === "-") {
    if (process.stdin.isTTY) process.stderr.write(`${hint.command}: reading ${hint.what} from the terminal; end with Ctrl-D\n`);
    const stat = fs.fstatSync(0);
    return { input: process.stdin, totalBytes: stat.isFile() ? stat.size : null, name: "standard input" };
  }
  // `npm run` works in the project folder; a relative path means one from where the user was.
  const resolved = path.resolve(process.env.INIT_CWD ?? process.cwd(), file);
  try {
    const handle = await fs.promises.open(resolved, "r");
    const stat = await handle.stat();
    if (stat.isDirectory()) {
      await handle.close();
      throw Object.assign(new Error("is a directory"), { code: "EISDIR" });
    }
    return { input: handle.createReadStream(), totalBytes: stat.isFile() ? stat.size : null, name: file };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "";
    throw new ImportSourceError(`cannot read ${file}: ${ERRNO_TEXT[code] ?? (error as Error).message}`);
  }
}
