// `npm run bench:compare -- <base-ref> [--pairs N] [--keep]`: runs `npm run bench:ingest` for
// the base commit and for this checkout, alternately, and prints their figures side by side
// with the ratio of their means (bench/compare/summary.ts). The base is built and run from a
// git worktree beside this checkout, with its own `npm ci`, and this checkout's bench/ copied into it,
// so that both sides measure and report the same way. Settings (BENCH_*) apply to both sides.
import { spawn, execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { compareRuns, formatComparison, type ComparedRun, type Side } from "./compare/summary";
import type { BenchReport } from "./ingest/report";

const ROOT = path.resolve(import.meta.dirname, "..");
const OUT_DIR = path.join(ROOT, "bench", "out");
const USAGE = "usage: npm run bench:compare -- <base-ref> [--pairs N] [--keep]";

interface Args {
  baseRef: string;
  pairs: number;
  keep: boolean;
}

function parseArgs(argv: string[]): Args {
  let baseRef: string | null = null;
  let pairs = 3;
  let keep = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--keep") keep = true;
    else if (arg === "--pairs") {
      pairs = Number(argv[++i]);
      if (!Number.isInteger(pairs) || pairs < 1 || pairs > 20) throw new Error(`--pairs must be an integer from 1 to 20\n${USAGE}`);
    } else if (arg.startsWith("-")) throw new Error(`unknown option ${arg}\n${USAGE}`);
    else if (baseRef === null) baseRef = arg;
    else throw new Error(`one base ref only, got "${baseRef}" and "${arg}"\n${USAGE}`);
  }
  if (baseRef === null) throw new Error(USAGE);
  return { baseRef, pairs, keep };
}

/** A warm-up run: half the default events, a short overload phase. */
const WARM_UP_SETTINGS = { BENCH_EVENTS: "100000", BENCH_OVERLOAD_EVENTS: "8000" };

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

/** One `npm run bench:ingest` in `cwd` (with `env` over this process's), its output kept in `logFile`; its report. */
function runBench(cwd: string, logFile: string, env: Record<string, string> = {}): Promise<BenchReport> {
  return new Promise((resolve, reject) => {
    const log = fs.createWriteStream(logFile);
    const child = spawn("npm", ["run", "bench:ingest"], { cwd, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
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
      if (code !== 0 || !reportFile) reject(new Error(`npm run bench:ingest in ${cwd} exited with ${code}; see ${logFile}`));
      else {
        // Kept beside the log: the base's own copy goes with its worktree.
        fs.copyFileSync(reportFile, logFile.replace(/\.log$/, ".json"));
        resolve(JSON.parse(fs.readFileSync(reportFile, "utf8")) as BenchReport);
      }
    });
  });
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const baseCommit = git("rev-parse", "--verify", `${args.baseRef}^{commit}`);
  const baseDir = prepareBase(baseCommit);
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace("T", "_").slice(0, 15);
  const logDir = path.join(OUT_DIR, `compare-${stamp}`);
  fs.mkdirSync(logDir, { recursive: true });
  const runs: ComparedRun[] = [];
  try {
    // Not counted: in the comparisons of 2026-12-05 a compare's first run was 3–15% slower than
    // the same build's next run (docs/benchmarks.md, "First runs"), also when no build came
    // before it. A shorter run of each side first builds it and warms the machine.
    for (const side of ["base", "head"] as const) {
      process.stdout.write(`warm-up (${side}, not counted)… `);
      const report = await runBench(side === "base" ? baseDir : ROOT, path.join(logDir, `run-0-warm-up-${side}.log`), WARM_UP_SETTINGS);
      console.log(`${report.throughput.eventsPerSecond} events/s`);
    }
    for (let pair = 0; pair < args.pairs; pair++) {
      // base, head, then head, base: a machine that drifts one way favours neither side.
      const order: Side[] = pair % 2 === 0 ? ["base", "head"] : ["head", "base"];
      for (const side of order) {
        const n = runs.length + 1;
        const logFile = path.join(logDir, `run-${n}-${side}.log`);
        process.stdout.write(`run ${n} of ${args.pairs * 2} (${side})… `);
        const report = await runBench(side === "base" ? baseDir : ROOT, logFile);
        console.log(`${report.throughput.eventsPerSecond} events/s, p99 ${report.throughput.batchLatencyMs.p99} ms, COPY ${report.copy.eventsPerSecond} events/s`);
        runs.push({ side, report });
      }
    }
  } finally {
    if (!args.keep) git("worktree", "remove", "--force", baseDir);
  }
  const comparison = compareRuns(runs);
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
