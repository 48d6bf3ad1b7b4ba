// `npm run bench:cpu`: the CPU the ingest path costs per event, on one thread, against the CPU
// of only parsing the same bodies in the same process (the baseline). Unlike bench:ingest it
// has no HTTP, no second worker and no client competing for the two CPUs, so its figures move
// little from run to run: the tool for telling a change of a few percent in ingest's own work.
// See docs/benchmarks.md ("Ingest CPU").
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { SERVER_NODE_FLAGS } from "../scripts/lib/serverNodeFlags";
import { writeBatches } from "./cpu/batchFile";
import { figuresOf, medianOf, printCpuReport, writeCpuReport, type CpuReport, type CpuRound } from "./cpu/report";
import { Cleanup } from "./ingest/cleanup";
import { printInclusiveSummary, summarizeCpuProfile } from "./ingest/cpuProfile";
import { ADMIN_URL, checkpoint, connectionOf, createDatabase, dropDatabase, postgresSettings } from "./ingest/databases";
import { machineInfo } from "./ingest/procfs";
import { sourceRevision } from "./ingest/report";
import { BATCH_SIZE } from "./ingest/settings";
import { generateWorkload } from "./ingest/workload/workload";

const ROOT = path.resolve(import.meta.dirname, "..");
const OUT_DIR = path.join(ROOT, "bench", "out");

interface CpuSettings {
  events: number;
  rounds: number;
  inFlight: number;
  /** Events per batch: the apiserver's default maximum, or fewer (a cluster with less traffic sends smaller batches). */
  batchSize: number;
  /** Each round's ingest pass under V8's profiler, and where its time went printed (its figures then include the profiler's cost). */
  profile: boolean;
}

function positiveInteger(name: string, fallback: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > max) throw new Error(`${name} must be an integer from 1 to ${max}, got "${raw}"`);
  return value;
}

function readCpuSettings(): CpuSettings {
  return {
    events: positiveInteger("BENCH_EVENTS", 100_000, 2_000_000),
    rounds: positiveInteger("BENCH_CPU_ROUNDS", 3, 20),
    // What one ingest worker holds at a time with the server's defaults: 4 writers over 2 workers.
    inFlight: positiveInteger("BENCH_CPU_IN_FLIGHT", 2, 16),
    batchSize: positiveInteger("BENCH_CPU_BATCH", BATCH_SIZE, 2_000),
    profile: process.env.BENCH_CPU_PROF === "1",
  };
}

/** Runs one round (bench/cpu/measure.ts) in a new process with the server's Node flags; with `profileFile`, its ingest pass profiled into it. */
function runRound(batchFile: string, databaseUrl: string, inFlight: number, profileFile: string | null): Promise<CpuRound> {
  return new Promise((resolve, reject) => {
    // Every KUBETRAIL_* and OTEL_* setting cleared, as bench:ingest does for its server.
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("KUBETRAIL_") && !key.startsWith("OTEL_"))) as NodeJS.ProcessEnv;
    const args = [batchFile, databaseUrl, String(inFlight), ...(profileFile ? [profileFile] : [])];
    const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, "--import", "tsx", path.join(ROOT, "bench", "cpu", "measure.ts"), ...args], {
      cwd: ROOT,
      env,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code: number | null) => {
      const last = output.trim().split("\n").pop() ?? "";
      if (code !== 0) reject(new Error(`a round exited with ${code}: ${output.trim()}`));
      else resolve(JSON.parse(last) as CpuRound);
    });
  });
}

async function main(cleanup: Cleanup): Promise<void> {
  const settings = readCpuSettings();
  const now = new Date();
  const stamp = now.toISOString().replace(/[-:]/g, "").replace("T", "_").slice(0, 15);
  const machine = { ...machineInfo(), postgresConnection: connectionOf(ADMIN_URL) };
  const postgres = `PostgreSQL ${(await postgresSettings()).server_version ?? "unknown"}`;
  console.log(`kubetrail ingest CPU benchmark ${now.toISOString()}: ${machine.cpus} CPUs, ${machine.cpuModel}, node ${machine.node}, ${postgres}`);
  const source = sourceRevision(ROOT);

  // The same workload as bench:ingest's throughput phase (its seed and times), fewer events by default.
  const workload = generateWorkload({ events: settings.events, batchSize: settings.batchSize, seed: 0x6b740001, namespacePrefix: "bench", startTime: "2026-01-05T09:00:00Z" });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubetrail-bench-cpu-"));
  cleanup.add(`remove ${dir}`, async () => fs.rmSync(dir, { recursive: true, force: true }));
  const batchFile = path.join(dir, "batches");
  writeBatches(
    batchFile,
    workload.batches.map((body, i) => ({ body, events: Math.min(settings.batchSize, workload.events - i * settings.batchSize) })),
  );
  const averageEventBytes = Math.round(workload.eventBytes / workload.events);
  console.log(`workload: ${workload.events} events (${workload.writes} writes, ${workload.reads} reads), ${workload.batches.length} batches, average event ${averageEventBytes} bytes`);

  if (settings.profile) console.log("BENCH_CPU_PROF=1: every round under the profiler, which costs CPU of its own: compare these figures only with profiled ones");
  const rounds: CpuRound[] = [];
  const profiles: string[] = [];
  const profileDir = path.join(OUT_DIR, `cpuprofile-cpu-${stamp}`);
  if (settings.profile) fs.mkdirSync(profileDir, { recursive: true });
  for (let i = 0; i < settings.rounds; i++) {
    cleanup.checkNotStopping();
    const database = `kubetrail_bench_cpu_${stamp}_${i}`;
    const url = await createDatabase(database);
    cleanup.add(`drop database ${database}`, () => dropDatabase(database));
    // Each round writes into an empty database, and pays for no checkpoint of the round before
    // (without this, each round of a run used more CPU than the one before it).
    await checkpoint();
    process.stdout.write(`round ${i + 1} of ${settings.rounds}… `);
    const profileFile = settings.profile ? path.join(profileDir, `round-${i + 1}.cpuprofile`) : null;
    const round = await runRound(batchFile, url, settings.inFlight, profileFile);
    const figures = figuresOf(round);
    console.log(`ingest ${figures.ingestUs.toFixed(1)} µs/event, parse ${figures.parseUs.toFixed(1)}, ratio ${figures.ingestOverParse.toFixed(2)}, floor ${figures.floorUs.toFixed(1)} (ingest / floor ${figures.ingestOverFloor.toFixed(2)}), Postgres ${figures.postgresUs.toFixed(1)}`);
    if (profileFile) profiles.push(profileFile);
    rounds.push(round);
    await dropDatabase(database);
  }

  const figures = rounds.map(figuresOf);
  const report: CpuReport = {
    kind: "cpu",
    date: now.toISOString(),
    source,
    machine,
    postgres,
    settings: { ...settings, nodeFlags: SERVER_NODE_FLAGS },
    workload: { events: workload.events, writes: workload.writes, reads: workload.reads, averageEventBytes },
    rounds: figures,
    median: medianOf(figures),
  };
  printCpuReport(report);
  for (const [i, file] of profiles.entries()) {
    console.log(`\n-- round ${i + 1}: where the ingest pass's time went (${file})`);
    const summary = summarizeCpuProfile(file, 40);
    printInclusiveSummary(summary);
  }
  console.log(`\nreport: ${writeCpuReport(report, OUT_DIR, stamp)}`);
}

const cleanup = new Cleanup();
cleanup.onSignals();
try {
  await main(cleanup);
} catch (error) {
  console.error(`bench:cpu: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  await cleanup.runAll();
}
