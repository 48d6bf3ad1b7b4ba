// `npm start`: checks the configuration, builds the app when the build is missing or older
// than the sources, then runs the production server (scripts/serve.mjs: Next.js, with the
// audit webhook answered by the server itself). The server opens the store and applies
// migrations at start-up.
import { spawn } from "node:child_process";
import path from "node:path";
import { loadConfig } from "../server/config/config";
import { ensureNextBuild, NextBuildError } from "./lib/nextBuild";
import { SERVER_NODE_FLAGS, serverEntryOf } from "./lib/serverNodeFlags";

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

// The server reads PORT and HOSTNAME from the environment it inherits.
const server = spawn(process.execPath, [...SERVER_NODE_FLAGS, serverEntryOf(root)], {
  cwd: root,
  stdio: "inherit",
});
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => server.kill(signal));
server.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
