// `npm start`: checks the configuration, builds the app when the build is missing or older
// than the sources, then runs the Next.js production server. The server itself opens the
// store and applies migrations at start-up (instrumentation.ts).
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { loadConfig } from "../server/config/config";

const root = path.resolve(import.meta.dirname, "..");
const nextBin = path.join(root, "node_modules", "next", "dist", "bin", "next");

function newestSourceMtime(): number {
  let newest = 0;
  const visit = (entry: string) => {
    const stat = fs.statSync(entry, { throwIfNoEntry: false });
    if (!stat) return;
    if (stat.isDirectory()) {
      for (const child of fs.readdirSync(entry)) if (child !== "generated" && child !== "node_modules") visit(path.join(entry, child));
    } else newest = Math.max(newest, stat.mtimeMs);
  };
  for (const entry of ["app", "components", "server", "public", "instrumentation.ts", "next.config.js", "package.json"]) visit(path.join(root, entry));
  return newest;
}

function buildIsCurrent(): boolean {
  const buildId = fs.statSync(path.join(root, ".next", "BUILD_ID"), { throwIfNoEntry: false });
  return !!buildId && buildId.mtimeMs >= newestSourceMtime();
}

try {
  loadConfig();
} catch (error) {
  console.error(`kubetrail: cannot start: ${(error as Error).message}`);
  process.exit(1);
}

if (!buildIsCurrent()) {
  console.log("kubetrail: building the app (first start, or the sources changed)…");
  const build = spawnSync(process.execPath, [nextBin, "build"], { cwd: root, stdio: "inherit" });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

const port = process.env.PORT ?? "3000";
const server = spawn(process.execPath, [nextBin, "start", "--port", port, ...(process.env.HOSTNAME ? ["--hostname", process.env.HOSTNAME] : [])], {
  cwd: root,
  stdio: "inherit",
});
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => server.kill(signal));
server.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
