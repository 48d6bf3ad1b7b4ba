import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { nextBinOf } from "../../scripts/lib/nextBuild";
import { SERVER_NODE_FLAGS } from "../../scripts/lib/serverNodeFlags";
import { commandLine, listeningProcess, processTree } from "./procfs";

/**
 * The real production server, on loopback, as the benchmark drives it: `scripts/serve.mjs`,
 * what `npm start` runs. A checkout from before it existed (a base of bench:compare, which
 * runs this bench/ on it) ran `next start`, and is run that way.
 */
function serverCommand(root: string, port: number): { args: string[]; env: Record<string, string> } {
  const entry = path.join(root, "scripts", "serve.mjs");
  if (fs.existsSync(entry)) return { args: [entry], env: { PORT: String(port), HOSTNAME: "127.0.0.1" } };
  return { args: [nextBinOf(root), "start", "--port", String(port), "--hostname", "127.0.0.1"], env: {} };
}

export interface ServerOptions {
  root: string;
  databaseUrl: string;
  token: string;
  /** Where the server may keep files (nothing is expected there with Postgres and a token). */
  dataDir: string;
  /** Extra node options, e.g. --cpu-prof. */
  nodeOptions: string[];
  /** Kubetrail settings instead of the defaults (applied after the user's own are cleared). */
  env: Record<string, string>;
}

export interface RunningServer {
  baseUrl: string;
  port: number;
  /** The process we spawned. */
  spawnedPid: number;
  /** The process that listens on the port and handles requests: the one to measure. */
  pid: number;
  /** Every process of the server, for the report. */
  processes: Array<{ pid: number; command: string }>;
  /** Stops it (SIGTERM, then SIGKILL after 15 s); resolves once it has exited. */
  stop(): Promise<void>;
}

/**
 * The user's own settings must not leak into the run: every Kubetrail setting (ingest limits,
 * noise rules, plugins, …) and OpenTelemetry export are cleared, so the server runs on its
 * defaults plus what the benchmark sets.
 */
function isClearedVariable(name: string): boolean {
  return name.startsWith("KUBETRAIL_") || name.startsWith("OTEL_") || name === "PORT" || name === "HOSTNAME";
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const READY_TIMEOUT_MS = 90_000;

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) if (isClearedVariable(name)) delete env[name];
  Object.assign(env, {
    DATABASE_URL: options.databaseUrl,
    KUBETRAIL_INGEST_TOKEN: options.token,
    KUBETRAIL_RETENTION: "off",
    KUBETRAIL_DATA_DIR: options.dataDir,
    ...options.env,
  });
  const command = serverCommand(options.root, port);
  Object.assign(env, command.env);
  const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, ...options.nodeOptions, ...command.args], {
    cwd: options.root,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const spawnedPid = child.pid;
  if (spawnedPid === undefined) throw new Error("could not start the server");
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding("utf8");
    let partial = "";
    stream.on("data", (chunk: string) => {
      const lines = (partial + chunk).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) if (line.trim() !== "") console.log(`  [server] ${line}`);
    });
  }
  const exit = exited(child);
  let measured = spawnedPid;

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exit;
      clearTimeout(timer);
    }
    // A worker the server forked (none with Next 16, but measured rather than assumed) must not outlive it.
    if (measured !== spawnedPid && isAlive(measured)) process.kill(measured, "SIGKILL");
  };

  try {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the server exited (${child.exitCode ?? child.signalCode}) before it was ready`);
      if (Date.now() > deadline) throw new Error(`the server was not ready after ${READY_TIMEOUT_MS / 1000} s`);
      const ready = await fetch(`${baseUrl}/api/ready`).then((r) => r.status === 200, () => false);
      if (ready) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const tree = processTree(spawnedPid);
    const listening = listeningProcess(port, tree);
    if (listening === null) throw new Error(`no process of the server (${tree.join(", ")}) listens on port ${port}`);
    measured = listening;
    return {
      baseUrl,
      port,
      spawnedPid,
      pid: listening,
      processes: tree.map((pid) => ({ pid, command: commandLine(pid) })),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
