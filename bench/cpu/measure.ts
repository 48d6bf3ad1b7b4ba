import fs from "node:fs";
import inspector from "node:inspector";
import { PerformanceObserver } from "node:perf_hooks";
import { loadConfig } from "../../server/config/config";
import { openDatabase } from "../../server/store/open";
import { openPostgres } from "../../server/store/postgres";
import { convertOptionsOf, createConfiguredAuditIngestor } from "../../server/ingest/audit/ingest";
import { BUILTIN_LINKERS } from "../../server/model/links/builtin";
import { hmacFingerprint } from "../../server/model/redact/redact";
import { ingestEventList } from "../../server/ingest/eventList";
import { parseEventListJson } from "../../server/ingest/http/eventListJson";
import { postgresCpuSeconds } from "../ingest/procfs";
import { readBatches } from "./batchFile";
import { floorPass } from "./floor";
import { leanPass, leanPassAvailable } from "./lean";
import type { CpuRound } from "./report";

/** A quarter of the batches parsed once more: samples all through the round, a little extra garbage. */
const PARSE_SAMPLE_EVERY = 4;

/**
 * One round of `npm run bench:cpu`, in a process of its own started with the server's Node flags
 * (bench/cpu.ts): the batches in `argv[2]` stored into the empty database at `argv[3]` exactly
 * as an ingest worker stores webhook bodies (`ingestEventList`, `argv[4]` at a time), and some
 * of them parsed once more on the side (the baseline). Prints the round's figures as one JSON line.
 */

const [batchFile, databaseUrl, inFlightArg, profileFile] = process.argv.slice(2);
if (!batchFile || !databaseUrl || !inFlightArg) throw new Error("usage: measure.ts <batch file> <database url> <batches in flight> [<CPU profile to write>]");
const inFlight = Number(inFlightArg);

/** The process's CPU (user and system), minor faults and GC pauses, and Postgres's CPU, from now on. */
function meter() {
  let gcMs = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcMs += entry.duration;
  });
  observer.observe({ entryTypes: ["gc"] });
  const usage0 = process.resourceUsage();
  const pg0 = postgresCpuSeconds();
  const t0 = performance.now();
  let wallS = 0;
  return {
    /** The work is done: its wall time ends here. */
    done() {
      wallS = (performance.now() - t0) / 1000;
    },
    /** The figures, once the GC entries of the work are in (settle). */
    stop() {
      const usage = process.resourceUsage();
      const result = {
        wallS,
        userS: (usage.userCPUTime - usage0.userCPUTime) / 1e6,
        systemS: (usage.systemCPUTime - usage0.systemCPUTime) / 1e6,
        minorFaults: usage.minorPageFault - usage0.minorPageFault,
        postgresS: postgresCpuSeconds() - pg0,
        gcS: gcMs / 1000,
      };
      observer.disconnect();
      return result;
    },
  };
}

/** V8's profiler on this thread, through the inspector: the ingest pass alone, not the start-up around it. */
async function startProfiler() {
  const session = new inspector.Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));
  await post("Profiler.enable");
  await post("Profiler.start");
  return {
    async stop(): Promise<unknown> {
      const { profile } = (await post("Profiler.stop")) as { profile: unknown };
      session.disconnect();
      return profile;
    },
  };
}

/** Lets the GC observer's entries for the work just done be delivered before it is read. */
const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 50));

async function main(): Promise<void> {
  const batches = readBatches(batchFile!);
  const events = batches.reduce((sum, b) => sum + b.events, 0);
  // Every KUBETRAIL_* setting at its default, as the ingest benchmark's server runs.
  const config = loadConfig({ DATABASE_URL: databaseUrl, KUBETRAIL_INGEST_TOKEN: "bench-cpu-token-0123456789abcdef", KUBETRAIL_RETENTION: "off" });
  const migrated = await openDatabase(config, { migrate: true });
  await migrated.close();
  // As an ingest worker opens its store (server/ingest/workers/workerMain.ts).
  const db = openPostgres(databaseUrl!, { maxConnections: config.ingestConcurrency });
  const ingestor = await createConfiguredAuditIngestor(db, config);

  // The parser's code compiled first, as ingest's is by its first batches.
  for (const batch of batches) parseEventListJson(batch.body);
  await settle();

  // The baseline, the least any ingest must do with a body: parsing it. Measured at the same
  // moments as ingest, on every PARSE_SAMPLE_EVERY-th batch once it is stored (a synchronous
  // parse, so nothing else runs on this thread meanwhile), because this VM's speed moves by a
  // tenth or more from one minute to the next: a baseline measured before ingest, or in
  // another process, does not divide that out. The samples' CPU is taken out of ingest's.
  const parseSample = { events: 0, cpuS: 0 };
  const profiler = profileFile ? await startProfiler() : null;
  const ingestMeter = meter();
  let accepted = 0;
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < batches.length; i = next++) {
      const batch = batches[i]!;
      const outcome = await ingestEventList(ingestor, "bench", batch.body);
      if (!outcome.ok) throw new Error(`batch ${i} refused: ${outcome.message}`);
      accepted += outcome.summary.accepted;
      if (i % PARSE_SAMPLE_EVERY === 0) {
        const before = process.cpuUsage();
        parseEventListJson(batch.body);
        const used = process.cpuUsage(before);
        parseSample.cpuS += (used.user + used.system) / 1e6;
        parseSample.events += batch.events;
      }
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  ingestMeter.done();
  await settle();
  const measured = ingestMeter.stop();
  // Written once the figures are taken: serialising the profile is not ingest's CPU.
  if (profiler) fs.writeFileSync(profileFile!, JSON.stringify(await profiler.stop()));
  await db.close();
  if (accepted !== events) throw new Error(`${accepted} of ${events} events accepted`);
  // The samples' CPU taken out of ingest's, from its user time (their few page faults' system
  // time included: the sum is what the figures use).
  const ingest = { ...measured, userS: measured.userS - parseSample.cpuS };

  // The floor (bench/cpu/floor.ts), right after ingest in the same process, so that the VM's
  // speed is much the same: its code compiled on a few batches first, then every batch.
  const bodies = batches.map((b) => b.body);
  floorPass(bodies.slice(0, 25));
  await settle();
  const floorStart = process.cpuUsage();
  const floorResult = floorPass(bodies);
  const floorUsed = process.cpuUsage(floorStart);
  const floor = { cpuS: (floorUsed.user + floorUsed.system) / 1e6, rows: floorResult.rows };

  // The lean pass (bench/cpu/lean.ts) the same way: ingest's own work less the store's. Not
  // with older server code (bench:compare's base), which lacks what it needs.
  let lean: CpuRound["lean"];
  if (leanPassAvailable()) {
    const leanOptions = convertOptionsOf(config, hmacFingerprint("bench-cpu-lean-pass-key"));
    leanPass(bodies.slice(0, 25), leanOptions, BUILTIN_LINKERS);
    await settle();
    const leanStart = process.cpuUsage();
    const leanResult = leanPass(bodies, leanOptions, BUILTIN_LINKERS);
    const leanUsed = process.cpuUsage(leanStart);
    lean = { cpuS: (leanUsed.user + leanUsed.system) / 1e6, rows: leanResult.rows };
    if (lean.rows !== floor.rows) throw new Error(`the lean pass made ${lean.rows} history rows, the floor ${floor.rows}`);
  }

  const round: CpuRound = { events, ingest, parseSample, floor, ...(lean ? { lean } : {}) };
  console.log(JSON.stringify(round));
}

await main();
