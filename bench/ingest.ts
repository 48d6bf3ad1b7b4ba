// `npm run bench:ingest`: audit-event ingest through the real production server and real
// HTTP, against the raw COPY limit of the same Postgres, and under overload. See
// docs/benchmarks.md for what it measures, its settings and the figures of a run.
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadConfig } from "../server/config/config";
import { ensureNextBuild, NextBuildError } from "../scripts/lib/nextBuild";
import { SERVER_NODE_FLAGS } from "../scripts/lib/serverNodeFlags";
import { Cleanup } from "./ingest/cleanup";
import { printProfileSummary, summarizeCpuProfile } from "./ingest/cpuProfile";
import { ADMIN_URL, connectionOf, createDatabase, dropDatabase, postgresSettings, withClient } from "./ingest/databases";
import { copyPhase, overloadPhase, throughputPhase, type PhaseContext } from "./ingest/phases";
import { machineInfo } from "./ingest/procfs";
import { kbToMiB, printReport, sourceRevision, writeReport, type BenchReport } from "./ingest/report";
import { startServer } from "./ingest/server";
import { BATCH_SIZE, GOALS, OVERLOAD_PAUSE_MS, readSettings } from "./ingest/settings";
import { round } from "./ingest/stats";
import { generateWorkload } from "./ingest/workload/workload";

const ROOT = path.resolve(import.meta.dirname, "..");
const OUT_DIR = path.join(ROOT, "bench", "out");
const CLUSTER = "bench";

async function main(cleanup: Cleanup): Promise<void> {
  const settings = readSettings();
  const now = new Date();
  const stamp = now.toISOString().replace(/[-:]/g, "").replace("T", "_").slice(0, 15);
  const machine = { ...machineInfo(), postgres: await postgresSettings(), postgresConnection: connectionOf(ADMIN_URL) };
  console.log(`kubetrail ingest benchmark ${now.toISOString()}: ${machine.cpus} CPUs, ${machine.cpuModel}, ${machine.memoryGiB} GiB, node ${machine.node}`);

  // The revision is read before building, so that it names what was built.
  const source = sourceRevision(ROOT);
  ensureNextBuild(ROOT);

  // Everything the client will send, serialised before any timing.
  const generationStarted = performance.now();
  const workload = generateWorkload({ events: settings.events, batchSize: BATCH_SIZE, seed: 0x6b740001, namespacePrefix: "bench", startTime: "2026-01-05T09:00:00Z" });
  const surge = generateWorkload({ events: settings.overloadEvents, batchSize: BATCH_SIZE, seed: 0x6b740101, namespacePrefix: "surge", startTime: "2026-01-05T11:00:00Z" });
  const generationS = round((performance.now() - generationStarted) / 1000);
  const avgEventBytes = Math.round(workload.eventBytes / workload.events);
  console.log(`workload: ${workload.events} events (${workload.writes} writes, ${workload.reads} reads), ${workload.batches.length} batches, average event ${avgEventBytes} bytes; overload: ${surge.events} events (${generationS} s to generate)`);
  if (avgEventBytes < 1500 || avgEventBytes > 2500) console.warn(`warning: the average event (${avgEventBytes} bytes) is outside 1.5–2.5 KB`);

  const database = `kubetrail_bench_${stamp}`;
  cleanup.checkNotStopping();
  const url = await createDatabase(database);
  cleanup.add(`drop database ${database}`, () => dropDatabase(database));

  const token = crypto.randomBytes(24).toString("base64url");
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "kubetrail-bench-"));
  cleanup.add(`remove ${dataDir}`, async () => fs.rmSync(dataDir, { recursive: true, force: true }));
  const profileDir = path.join(OUT_DIR, `cpuprofile-${stamp}`);
  cleanup.checkNotStopping();
  const server = await startServer({
    root: ROOT,
    databaseUrl: url,
    token,
    dataDir,
    nodeOptions: settings.cpuProfile ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [],
    env: settings.serverEnv,
  });
  cleanup.add("stop the server", server.stop);
  console.log(`server ready at ${server.baseUrl}: spawned pid ${server.spawnedPid}, measuring pid ${server.pid} (${server.processes.map((p) => `${p.pid} ${p.command}`).join("; ")})`);

  const ctx: PhaseContext = { settings, server, token, cluster: CLUSTER, database: { name: database, url }, cleanup };
  const throughput = await throughputPhase(ctx, workload);
  const copy = await copyPhase(ctx, workload.events);
  const overload = await overloadPhase(ctx, surge, throughput.report.peakRssMiB);
  const receipts = await withClient(url, async (c) => Number((await c.query<{ n: string }>("SELECT count(*) AS n FROM audit_receipts")).rows[0]!.n));

  // Stopped here rather than by the cleanup, so that a CPU profile is written before it is read.
  await server.stop();
  let profile: BenchReport["profile"];
  let workerProfiles: BenchReport["workerProfiles"];
  if (settings.cpuProfile) {
    // One file per thread, named CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile: thread 0 is the
    // server's own, the others its ingest workers' (and their module loaders').
    const files = fs.existsSync(profileDir) ? fs.readdirSync(profileDir).filter((f) => f.endsWith(".cpuprofile")).sort(byThread) : [];
    if (files.length > 0) {
      profile = { file: path.join(profileDir, files[0]!), ...summarizeCpuProfile(path.join(profileDir, files[0]!)) };
      workerProfiles = files.slice(1).map((f) => ({ file: path.join(profileDir, f), ...summarizeCpuProfile(path.join(profileDir, f)) }));
    } else console.warn(`warning: the server wrote no CPU profile in ${profileDir}`);
  }

  // As the server read it (its DATABASE_URL decides what KUBETRAIL_INGEST_WORKERS=auto means).
  const limits = loadConfig({ KUBETRAIL_INGEST_TOKEN: token, DATABASE_URL: url, ...settings.serverEnv });
  const eventsPerSecond = throughput.report.eventsPerSecond;
  const p99 = throughput.report.batchLatencyMs.p99;
  const appOverCopy = round(eventsPerSecond / copy.eventsPerSecond, 2);
  const accepted = throughput.acceptedEvents + overload.acceptedEvents;
  const report: BenchReport = {
    date: now.toISOString(),
    source,
    machine,
    configuration: {
      events: settings.events,
      batchSize: BATCH_SIZE,
      concurrency: settings.concurrency,
      overloadEvents: settings.overloadEvents,
      overloadInFlight: settings.overloadInFlight,
      overloadPauseMs: OVERLOAD_PAUSE_MS,
      ingestLimits: {
        concurrency: limits.ingestConcurrency,
        queue: limits.ingestQueueLength,
        maxPendingBytes: limits.ingestMaxPendingBytes,
        maxBodyBytes: limits.maxBodyBytes,
        retryAfterSeconds: limits.retryAfterSeconds,
        workers: limits.ingestWorkers,
      },
      server: { spawnedPid: server.spawnedPid, measuredPid: server.pid, processes: server.processes, nodeFlags: SERVER_NODE_FLAGS },
      cpuProfile: settings.cpuProfile,
      serverEnv: settings.serverEnv,
    },
    workload: {
      events: workload.events,
      writes: workload.writes,
      reads: workload.reads,
      objects: workload.objects,
      avgEventBytes,
      batches: workload.batches.length,
      batchMiB: kbToMiB(workload.batchBytes / 1024),
      generationS,
    },
    throughput: throughput.report,
    copy,
    appOverCopy,
    overload: overload.report,
    stored: { receipts, acceptedIn200Answers: accepted, equal: receipts === accepted },
    goals: [
      { goal: `app events/s >= ${GOALS.eventsPerSecond}`, value: String(eventsPerSecond), met: eventsPerSecond >= GOALS.eventsPerSecond },
      { goal: `app / COPY >= ${GOALS.copyRatio}`, value: String(appOverCopy), met: appOverCopy >= GOALS.copyRatio },
      { goal: `p99 batch latency < ${GOALS.p99BatchMs} ms`, value: `${p99} ms`, met: p99 < GOALS.p99BatchMs },
      {
        goal: `overload RSS trend <= ${GOALS.rssTrend}, max / throughput peak <= ${GOALS.rssOverThroughputPeak}`,
        value: `${overload.report.trend}, ${overload.report.maxOverThroughputPeak}`,
        met: overload.report.trend <= GOALS.rssTrend && overload.report.maxOverThroughputPeak <= GOALS.rssOverThroughputPeak,
      },
      { goal: "every event answered 200 is stored", value: `${receipts} / ${accepted}`, met: receipts === accepted },
    ],
    profile,
    workerProfiles,
  };
  printReport(report);
  if (profile) {
    console.log(`\n-- server CPU profile (${profile.file})`);
    printProfileSummary(profile);
    // Each ingest worker runs on a thread of its own, and so does the module loader (tsx) of each.
    for (const thread of workerProfiles ?? []) {
      console.log(`\n-- server thread ${path.basename(thread.file).split(".")[4]} CPU profile (${thread.file})`);
      printProfileSummary(thread);
    }
  }
  console.log(`\nreport: ${writeReport(report, OUT_DIR, stamp)}`);
}

/** Orders CPU profiles by the thread that wrote them (the fifth dot-separated part of the name). */
function byThread(a: string, b: string): number {
  const thread = (name: string) => Number(name.split(".")[4]);
  return thread(a) - thread(b);
}

const cleanup = new Cleanup();
cleanup.onSignals();
try {
  await main(cleanup);
} catch (error) {
  if (error instanceof NextBuildError) console.error(`bench:ingest: the app does not build (see above): ${error.message}`);
  else if (!cleanup.stopping) console.error(`bench:ingest failed: ${(error as Error).stack ?? error}`);
  process.exitCode = 1;
} finally {
  await cleanup.runAll();
}
