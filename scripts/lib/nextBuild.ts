import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

/**
 * The production build of the Next.js app, made when it is missing or older than the
 * sources: shared by `npm start` and the benchmarks, which must both run what users run.
 */

/** What the build is made from; a change to any of these makes the build stale. */
const SOURCE_ENTRIES = ["app", "components", "server", "public", "instrumentation.ts", "next.config.js", "package.json"];
/** Folders under the sources that are not sources (generated code, dependencies). */
const SKIPPED_FOLDERS = new Set(["generated", "node_modules"]);

/** The Next.js command-line entry point, run with the current node. */
export function nextBinOf(root: string): string {
  return path.join(root, "node_modules", "next", "dist", "bin", "next");
}

export class NextBuildError extends Error {
  constructor(readonly exitCode: number) {
    super(`next build failed (exit code ${exitCode})`);
    this.name = "NextBuildError";
  }
}

function newestSourceMtimeMs(root: string): number {
  let newest = 0;
  const visit = (entry: string) => {
    const stat = fs.statSync(entry, { throwIfNoEntry: false });
    if (!stat) return;
    if (stat.isDirectory()) {
      for (const child of fs.readdirSync(entry)) if (!SKIPPED_FOLDERS.has(child)) visit(path.join(entry, child));
    } else newest = Math.max(newest, stat.mtimeMs);
  };
  for (const entry of SOURCE_ENTRIES) visit(path.join(root, entry));
  return newest;
}

/**
 * Settings that Next.js bakes into a build (next.config.js reads them at build time): a
 * build made with other values is stale too.
 */
function buildTimeSettings(): string {
  return JSON.stringify({ KUBETRAIL_JAEGER_BASE_PATH: process.env.KUBETRAIL_JAEGER_BASE_PATH || "/jaeger" });
}
const SETTINGS_STAMP = "kubetrail-build-settings.json";

/** Whether `.next` holds a build at least as new as every source file, made with the current build-time settings. */
export function nextBuildIsCurrent(root: string): boolean {
  const buildId = fs.statSync(path.join(root, ".next", "BUILD_ID"), { throwIfNoEntry: false });
  if (!buildId || buildId.mtimeMs < newestSourceMtimeMs(root)) return false;
  const stamp = path.join(root, ".next", SETTINGS_STAMP);
  return fs.existsSync(stamp) && fs.readFileSync(stamp, "utf8") === buildTimeSettings();
}

/**
 * Runs `next build` (output to this terminal) unless the build is current; throws
 * NextBuildError when the build fails. Returns whether it built.
 */
export function ensureNextBuild(root: string, log: (message: string) => void = console.log): { built: boolean } {
  if (nextBuildIsCurrent(root)) return { built: false };
  log("kubetrail: building the app (first start, or the sources changed)…");
  const build = spawnSync(process.execPath, [nextBinOf(root), "build"], { cwd: root, stdio: "inherit" });
  if (build.status !== 0) throw new NextBuildError(build.status ?? 1);
  fs.writeFileSync(path.join(root, ".next", SETTINGS_STAMP), buildTimeSettings());
  return { built: true };
}
