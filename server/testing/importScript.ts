import { execFile } from "node:child_process";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "../..");

/**
 * Runs an import script (`scripts/import.ts`, `scripts/import-events.ts`) as `npm run` would, in a
 * child process with `stdin` as its standard input, on the database `env` names: DATABASE_URL,
 * else the embedded one in KUBETRAIL_DATA_DIR (the test's environment's own are not passed on).
 */
export function runImportScript(script: string, env: Record<string, string>, args: string[], stdin: string | Buffer = ""): Promise<{ code: number; stdout: string; stderr: string }> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  if (env.DATABASE_URL === undefined) delete childEnv.DATABASE_URL;
  if (env.KUBETRAIL_DEFAULT_CLUSTER === undefined) delete childEnv.KUBETRAIL_DEFAULT_CLUSTER;
  return new Promise((resolve) => {
    const child = execFile(process.execPath, ["--import", "tsx", script, ...args], { cwd: root, env: childEnv, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout, stderr });
    });
    child.stdin!.end(stdin);
  });
}

/** The number in a summary row such as "  stored      163  new history entries". */
export function summaryCount(stdout: string, label: string): number {
  const match = new RegExp(`^  ${label} +([\\d,]+)`, "m").exec(stdout);
  if (!match) throw new Error(`no "${label}" row in:\n${stdout}`);
  return Number(match[1]!.replaceAll(",", ""));
}
