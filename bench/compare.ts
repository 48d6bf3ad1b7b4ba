// `npm run bench:compare -- <base-ref> [--pairs N] [--keep] [--cpu]`: runs `npm run bench:ingest`
// (with --cpu: `npm run bench:cpu`) for the base commit and for this checkout, alternately, and
// prints their figures side by side with the ratio of their means (bench/compare/summary.ts). The base is built and run from a
// git worktree beside this checkout, with its own `npm ci`, and this checkout's bench/ copied into it,
// so that both sides measure and report the same way. Settings (BENCH_*) apply to both sides.
import { spawn, execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { compareRuns, formatComparison, INGEST_COMPARISON, type ComparedRun, type ComparisonSpec, type Side } from "./compare/summary";
import { CPU_COMPARISON, type CpuReport } from "./cpu/report";
import type { BenchReport } from "./ingest/report";

const ROOT = path.resolve(import.meta.dirname, "..");
const OUT_DIR = path.join(ROOT, "bench", "out");
const USAGE = "usage: npm run bench:compare -- <base-ref> [--pairs N] [--keep] [--cpu]";

interface Args {
  baseRef: string;
  pairs: number;
  keep: boolean;
  /** Compare bench:cpu's figures instead of bench:ingest's. */
  cpu: boolean;
}

function parseArgs(argv: string[]): Args {
  let baseRef: string | null = null;
  let pairs = 3;
  let keep = false;
  let cpu = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--keep") keep = true;
    else if (arg === "--cpu") cpu = true;
    else if (arg === "--pairs") {
      pairs = Number(argv[++i]);
      if (!Number.isInteger(pairs) || pairs < 1 || pairs > 20) throw new Error(`--pairs must be an integer from 1 to 20\n${USAGE}`);
    } else if (arg.startsWith("-")) throw new Error(`unknown option ${arg}\n${USAGE}`);
    else if (baseRef === null) baseRef = arg;
    else throw new Error(`one base ref only, got "${baseRef}" and "${arg}"\n${USAGE}`);
  }
  if (baseRef === null) throw new Error(USAGE);
  return { baseRef, pairs, keep, cpu };
}

/** What is compared: which benchmark runs, how its warm-up is shortened, and what its reports say. */
interface Mode<R> {
  /** Its name, and how it is run in a checkout (a base's package.json may not know bench:cpu). */
  script: string;
  command: readonly string[];
  /** A warm-up run's settings: shorter than a counted run. */
  warmUp: Record<string, string>;
  spec: ComparisonSpec<R>;
  /** A run's headline, printed as it ends. */
  headline(report: R): string;
}

const INGEST_MODE: Mode<BenchReport> = {
  script: "bench:ingest",
  command: ["npm", "run", "bench:ingest"],
  // Half the default events, a short overload phase.
  warmUp: { BENCH_EVENTS: "100000", BENCH_OVERLOAD_EVENTS: "8000" },
  spec: INGEST_COMPARISON,
  headline: (r) => `${r.throughput.eventsPerSecond} events/s, p99 ${r.throughput.batchLatencyMs.p99} ms, COPY ${r.copy.eventsPerSecond} events/s`,
};

const CPU_MODE: Mode<CpuReport> = {
  script: "bench:cpu",
  command: ["npx", "tsx", "bench/cpu.ts"],
  warmUp: { BENCH_EVENTS: "20000", BENCH_CPU_ROUNDS: "1" },
  spec: CPU_COMPARISON,
  headline: (r) => `ingest ${r.median.ingestUs.toFixed(1)} µs/event (${r.median.ingestOverParse.toFixed(2)} parses), Postgres ${r.median.postgresUs.toFixed(1)} µs/event`,
};

const git = (...args: string[]) => execFileSync("git", args, { cwd: ROOT, encoding: "utf8" }).trim();

/**
 * A worktree of `commit` with its dependencies installed and this checkout's bench/ in it. It
 * sits beside this checkout, as `<name>-base-<commit>`: the real fixtures the workload is built
 * from are found as ../shared/fixtures/real from a checkout.
 */
function prepareBase(commit: string): string {
  const dir = path.join(path.dirname(ROOT), `${path.basename(ROOT)}-base-${commit.slice(0, 12)}`);
  if (!fs.existsSync(path.join(dir, ".git"))) {
    console.log(`base: git worktree add ${path.relative(ROOT, dir)} ${commit.slice(0, 12)}, then npm ci there…`);
    git("worktree", "add", "--detach", dir, commit);
    execFileSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: dir, stdio: ["ignore", "ignore", "inherit"] });
  }
  copyBench(path.join(ROOT, "bench"), path.join(dir, "bench"));
  return dir;
}

/** This checkout's bench/ over the base's, but for its output and scratch files. */
function copyBench(from: string, to: string): void {
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    if (from.endsWith(`${path.sep}bench`) && (entry.name === "out" || entry.name === "scratch")) continue;
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) {
      fs.mkdirSync(target, { recursive: true });
      copyBench(source, target);
    } else if (entry.isFile()) {
      fs.copyFileSync(source, target);
    }
  }
}

/** One run of the benchmark in `cwd` (with `env` over this process's), its output kept in `logFile`; its report. */
function runBench<R>(mode: Mode<R>, cwd: string, logFile: string, env: Record<string, string> = {}): Promise<R> {
  return new Promise((resolve, reject) => {
    const log = fs.createWriteStream(logFile);
    const [command, ...args] = mode.command;
    const child = spawn(command!, args, { cwd, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      log.write(chunk);
    });
    child.stderr.pipe(log, { end: false });
    child.on("error", reject);
    child.on("close", (code) => {
      log.end();
      const reportFile = /^report: (.+\.json)$/m.exec(output)?.[1];
      if (code !== 0 || !reportFile) reject(new Error(`${mode.script} in ${cwd} exited with ${code}; see ${logFile}`));
      else {
        // Kept beside the log: the base's own copy goes with its worktree.
        fs.copyFileSync(reportFile, logFile.replace(/\.log$/, ".json"));
        resolve(JSON.parse(fs.readFileSync(reportFile, "utf8")) as R);
      }
    });
  });
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.cpu) await compare(args, CPU_MODE);
  else await compare(args, INGEST_MODE);
}

async function compare<R extends { date: string; source: { commit: string } }>(args: Args, mode: Mode<R>): Promise<void> {
  const baseCommit = git("rev-parse", "--verify", `${args.baseRef}^{commit}`);
  const baseDir = prepareBase(baseCommit);
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace("T", "_").slice(0, 15);
  const logDir = path.join(OUT_DIR, `compare-${stamp}`);
  fs.mkdirSync(logDir, { recursive: true });
  const runs: Array<ComparedRun<R>> = [];
  try {
    // Not counted: in the comparisons of 2026-12-05 a compare's first run was 3–15% slower than
    // the same build's next run (docs/benchmarks.md, "First runs"), also when no build came
    // before it. A shorter run of each side first builds it and warms the machine.
    for (const side of ["base", "head"] as const) {
      process.stdout.write(`warm-up (${side}, not counted)… `);
      const report = await runBench(mode, side === "base" ? baseDir : ROOT, path.join(logDir, `run-0-warm-up-${side}.log`), mode.warmUp);
      console.log(mode.headline(report));
    }
    for (let pair = 0; pair < args.pairs; pair++) {
      // base, head, then head, base: a machine that drifts one way favours neither side.
      const order: Side[] = pair % 2 === 0 ? ["base", "head"] : ["head", "base"];
      for (const side of order) {
        const n = runs.length + 1;
        const logFile = path.join(logDir, `run-${n}-${side}.log`);
        process.stdout.write(`run ${n} of ${args.pairs * 2} (${side})… `);
        const report = await runBench(mode, side === "base" ? baseDir : ROOT, logFile);
        console.log(mode.headline(report));
        runs.push({ side, report });
      }
    }
  } finally {
    if (!args.keep) git("worktree", "remove", "--force", baseDir);
  }
  const comparison = compareRuns(runs, mode.spec);
  console.log(`\n${formatComparison(comparison)}`);
  const file = path.join(OUT_DIR, `compare-${stamp}.json`);
  fs.writeFileSync(file, JSON.stringify({ ...comparison, runs: runs.map(({ side, report }) => ({ side, date: report.date, commit: report.source.commit })) }, null, 2) + "\n");
  console.log(`\ncomparison: ${file}\nlogs: ${logDir}`);
}

try {
  await main();
} catch (error) {
  console.error(`bench:compare: ${(error as Error).message}`);
  process.exitCode = 1;
}
