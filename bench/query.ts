// `npm run bench:query`: trace and search latency over a week of a busy cluster (≥ 1,000,000
// history entries over ≥ 50,000 objects) in a fresh Postgres database, against raw SELECTs of
// the same rows measured in the same run. See docs/benchmarks.md for what it measures, its
// settings and the figures of a run.
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadConfig } from "../server/config/config";
import { applyMigrations } from "../server/store/migrate";
import { openPostgres } from "../server/store/postgres";
import { ensureNextBuild, NextBuildError } from "../scripts/lib/nextBuild";
import { Cleanup } from "./ingest/cleanup";
import { ADMIN_URL, checkpoint, createDatabase, dropDatabase, postgresSettings, withClient } from "./ingest/databases";
import { machineInfo } from "./ingest/procfs";
import { sourceRevision } from "./ingest/report";
import { startServer } from "./ingest/server";
import { round } from "./ingest/stats";
import { breakdownOf } from "./query/breakdown";
import { buildCases } from "./query/cases";
import { dataStats } from "./query/dataset/inspect";
import { loadWorld } from "./query/dataset/load";
import { ingestTemplateSources, loadTemplates } from "./query/dataset/templates";
import { simulateWorld, WORLD_ROLES } from "./query/dataset/world";
import { explainSlowest } from "./query/explain";
import { goalsOf, ratiosOf } from "./query/judge";
import { measure, profileCase, summarize } from "./query/measure";
import { printReport, writeReport, type QueryReport } from "./query/report";
import { MINIMUM_DATA, readSettings, WINDOW_SECONDS, WORLD } from "./query/settings";
import { subjectsOf } from "./query/subjects";

const ROOT = path.resolve(import.meta.dirname, "..");
const OUT_DIR = path.join(ROOT, "bench", "out");
/** Runs of each stage when breaking a trace down. */
const BREAKDOWN_RUNS = 15;
const loadAverage = () => round(os.loadavg()[0]!, 2);

/**
 * Waits (up to 3 s) until no session is connected to `database`: pg's pool.end() resolves
 * before its connections have closed, and DROP DATABASE … WITH (FORCE) right after would
 * terminate them mid-close, which the pool reports as an error.
 */
async function untilDisconnected(database: string): Promise<void> {
  for (let i = 0; i < 60; i++) {
    const sessions = await withClient(ADMIN_URL, async (c) => Number((await c.query<{ n: string }>("SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1", [database])).rows[0]!.n));
    if (sessions === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function main(cleanup: Cleanup): Promise<void> {
  const settings = readSettings();
  const now = new Date();
  const stamp = now.toISOString().replace(/[-:]/g, "").replace("T", "_").slice(0, 15);
  const machine = { ...machineInfo(), postgres: await postgresSettings() };
  const beforeLoad = loadAverage();
  console.log(`kubetrail query benchmark ${now.toISOString()}: ${machine.cpus} CPUs, ${machine.cpuModel}, ${machine.memoryGiB} GiB, node ${machine.node}, load average ${beforeLoad}`);
  // The revision is read before building, so that it names what was built.
  const source = sourceRevision(ROOT);
  if (settings.http) ensureNextBuild(ROOT);

  const database = `kubetrail_benchq_${stamp}`;
  cleanup.checkNotStopping();
  const url = await createDatabase(database);
  cleanup.add(`drop database ${database}`, () => dropDatabase(database));
  const db = openPostgres(url);
  cleanup.add("close the pool", async () => {
    await db.close();
    await untilDisconnected(database);
  });
  await applyMigrations(db);

  // ---- Data: real rows through the real ingestor, then a simulated week copied from them. ----
  const loadStarted = performance.now();
  const templateRows = await ingestTemplateSources(db);
  const templates = await loadTemplates(db);
  for (const role of WORLD_ROLES) templates.pick(role, Math.random);
  const end = Date.parse(WORLD.end) * 1000;
  const world = simulateWorld({ ...WORLD, namespaces: settings.namespaces, end }, templates);
  console.log(`data: ${templateRows} template rows from the real scenarios; simulated ${world.entries.length} entries over ${world.objects.length} objects, ${world.relations.length} relations; loading…`);
  cleanup.checkNotStopping();
  const load = await loadWorld(url, world, WORLD.cluster, console.log);
  const loadSeconds = round((performance.now() - loadStarted) / 1000);
  await checkpoint();

  const range = { endSeconds: end / 1_000_000, startSeconds: end / 1_000_000 - WINDOW_SECONDS };
  const window = { from: new Date(range.startSeconds * 1000), to: new Date(range.endSeconds * 1000) };
  const data = { ...(await dataStats(db, WORLD.cluster, window)), load, loadSeconds, window: { start: window.from.toISOString(), end: window.to.toISOString() } };
  if (data.entries < MINIMUM_DATA.entries || data.objects < MINIMUM_DATA.objects) console.warn(`warning: ${data.entries} entries over ${data.objects} objects is less than the issue's ${MINIMUM_DATA.entries} over ${MINIMUM_DATA.objects}`);
  const config = loadConfig({});
  // One rotating Pod per run of each path, the profiling run included.
  const subjects = await subjectsOf(db, world, range, config.traceMaxDepth, settings.warmup + settings.runs + 1);
  for (const s of subjects.report) console.log(`subject ${s.subject}: ${s.object}, ${s.traceObjects} objects, ${s.traceEntries} entries in 24 h`);

  let baseUrl: string | null = null;
  if (settings.http) {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "kubetrail-benchq-"));
    cleanup.add(`remove ${dataDir}`, async () => fs.rmSync(dataDir, { recursive: true, force: true }));
    cleanup.checkNotStopping();
    const server = await startServer({ root: ROOT, databaseUrl: url, token: crypto.randomBytes(24).toString("base64url"), dataDir, nodeOptions: [], env: {} });
    cleanup.add("stop the server", server.stop);
    baseUrl = server.baseUrl;
    console.log(`server ready at ${baseUrl} (pid ${server.pid})`);
  }

  // ---- Measuring ---------------------------------------------------------------------------
  const objectId = (index: number) => world.objects[index]!.id;
  const cases = buildCases({
    deps: { config: { traceMaxDepth: config.traceMaxDepth } },
    ...range,
    podId: objectId(world.cases.pod),
    nodeId: objectId(world.cases.node),
    treeDeploymentId: objectId(world.cases.treeDeployment),
    rotatingPodIds: subjects.rotatingPodIds,
    podTraceObjectIds: subjects.podTraceObjectIds,
    treeObjectIds: subjects.treeObjectIds,
    namespace: world.cases.namespace,
    humanUser: world.cases.humanUser,
    controllerUser: world.cases.controllerUser,
    baseUrl,
  });
  const beforeMeasuring = loadAverage();
  console.log(`measuring ${cases.length} cases: ${settings.warmup} warm-up rounds, then ${settings.runs} timed rounds…`);
  const timings = await measure(cases, db, settings, console.log);
  const after = loadAverage();
  console.log("profiling and breaking the traces down…");
  const profiled = [];
  for (const timing of timings) {
    const profile = timing.case.path === "http" ? null : await profileCase(timing.case, db);
    profiled.push({ timing, summary: summarize(timing.ms), profile });
  }
  const breakdowns = [];
  for (const c of cases) if (c.path === "model" && c.query) breakdowns.push(await breakdownOf(db, c.subject, c.query, { maxDepth: config.traceMaxDepth }, BREAKDOWN_RUNS));
  const explain = await explainSlowest(db, profiled.filter((p) => p.profile !== null && p.timing.case.goalMs !== undefined).map((p) => ({ case: p.timing.case, p95: p.summary.p95, log: p.profile!.log })));

  const reportCases = profiled.map(({ timing, summary, profile }) => ({
    group: timing.case.group,
    subject: timing.case.subject,
    path: timing.case.path,
    goalMs: timing.case.goalMs,
    baseline: timing.case.baseline,
    produced: timing.produced,
    gcMsPerRun: round(timing.gcMs.reduce((a, b) => a + b, 0) / timing.gcMs.length, 2),
    runsMs: timing.ms.map((ms) => round(ms, 2)),
    ...(profile ? { statements: profile.statements, statementMs: profile.statementMs, byKind: profile.byKind, profileWallMs: profile.wallMs, profileCpuMs: profile.cpuMs } : {}),
    ...summary,
  }));
  const report: QueryReport = {
    date: now.toISOString(),
    source,
    machine,
    loadAverage: { beforeLoad, beforeMeasuring, after },
    settings,
    data,
    subjects: subjects.report,
    cases: reportCases,
    ratios: ratiosOf(reportCases),
    goals: goalsOf(reportCases, data),
    breakdowns,
    explain,
  };
  printReport(report);
  console.log(`\nreport: ${writeReport(report, OUT_DIR, stamp)}`);
}

const cleanup = new Cleanup();
cleanup.onSignals();
try {
  await main(cleanup);
} catch (error) {
  if (error instanceof NextBuildError) console.error(`bench:query: the app does not build (see above): ${error.message}`);
  else if (!cleanup.stopping) console.error(`bench:query failed: ${(error as Error).stack ?? error}`);
  process.exitCode = 1;
} finally {
  await cleanup.runAll();
}
