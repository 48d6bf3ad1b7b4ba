// `npm start`: checks the configuration, builds the app when the build is missing or older
// than the sources, then runs the Next.js production server. The server itself opens the
// store and applies migrations at start-up (instrumentation.ts).
import { spawn } from "node:child_process";
import path from "node:path";
import { loadConfig } from "../server/config/config";
import { ensureNextBuild, NextBuildError, nextBinOf } from "./lib/nextBuild";
import { SERVER_NODE_FLAGS } from "./lib/serverNodeFlags";

const root = path.resolve(import.meta.dirname, "..");

try {
  loadConfig();
} catch (error) {
  console.error(`kubetrail: cannot start: ${(error as Error).message}`);
  process.exit(1);
}

try {
  ensureNextBuild(root);
} catch (error) {
  if (error instanceof NextBuildError) process.exit(error.exitCode);
  throw error;
}

const port = process.env.PORT ?? "3000";
const server = spawn(process.execPath, [...SERVER_NODE_FLAGS, nextBinOf(root), "start", "--port", port, ...(process.env.HOSTNAME ? ["--hostname", process.env.HOSTNAME] : [])], {
  cwd: root,
  stdio: "inherit",
});
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => server.kill(signal));
server.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
