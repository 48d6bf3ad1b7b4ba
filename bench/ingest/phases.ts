import { AuditPoster } from "./client";
import type { Cleanup } from "./cleanup";
import { exportIngestRows, migrate, timeCopy } from "./copyBaseline";
import { checkpoint, createDatabase, dropDatabase } from "./databases";
import { runOverload } from "./overload";
import { PgActivitySampler } from "./pgActivity";
import { cpuSeconds, kernelUse, postgresCpuSeconds, processMemory } from "./procfs";
import { kbToMiB, type BenchReport, type CpuUse } from "./report";
import type { RunningServer } from "./server";
import { BATCH_SIZE, OVERLOAD_PAUSE_MS, OVERLOAD_TIME_LIMIT_MS, PG_ACTIVITY_SAMPLE_EVERY_MS, RSS_SAMPLE_EVERY_MS, type BenchSettings } from "./settings";
import { percentile, round } from "./stats";
import { runThroughput, type ThroughputResult } from "./throughput";
import type { Workload } from "./workload/workload";

/** The three measured phases; each returns its part of the report. */

export interface PhaseContext {
  settings: BenchSettings;
  server: RunningServer;
  token: string;
  cluster: string;
  /** The database the server writes to. */
  database: { name: string; url: string };
  cleanup: Cleanup;
}

/** Starts counting the CPU time of the server, of Postgres and of this process; the function returned reads it. */
function startCpuMeter(serverPid: number): (wallMs: number) => CpuUse {
  const before = { server: cpuSeconds(serverPid), serverKernel: kernelUse(serverPid), postgres: postgresCpuSeconds(), client: process.cpuUsage() };
  return (wallMs) => {
    const client = process.cpuUsage(before.client);
    return {
      wallS: round(wallMs / 1000, 2),
      serverS: round(cpuSeconds(serverPid) - before.server),
      serverSystemS: round(kernelUse(serverPid).systemS - before.serverKernel.systemS),
      serverMinorFaults: kernelUse(serverPid).minorFaults - before.serverKernel.minorFaults,
      postgresS: round(postgresCpuSeconds() - before.postgres),
      benchClientS: round((client.user + client.system) / 1e6),
    };
  };
}

/** The p99 latency of the batches sent once the phase had run a second; undefined when none was (a tiny run). */
function p99AfterFirstSecond(timeline: ThroughputResult["timeline"]): number | undefined {
  const warm = timeline.filter(([, startMs]) => startMs >= 1000).map(([, , ms]) => ms);
  return warm.length > 0 ? round(percentile(warm, 99)) : undefined;
}

/** Every batch through real HTTP at the configured concurrency; CPU of server, Postgres and client alongside. */
export async function throughputPhase(ctx: PhaseContext, workload: Workload): Promise<{ report: BenchReport["throughput"]; acceptedEvents: number }> {
  const { settings, server } = ctx;
  const poster = new AuditPoster(server.baseUrl, ctx.cluster, ctx.token, settings.concurrency);
  // Loads the route before timing; an empty EventList stores nothing.
  const warmUp = await poster.post(Buffer.from('{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{},"items":[]}'));
  if (warmUp.status !== 200) throw new Error(`warm-up post answered ${warmUp.status}: ${warmUp.error}`);
  await checkpoint();

  console.log(`throughput phase: ${workload.batches.length} batches, ${settings.concurrency} in flight…`);
  const pgSampler = settings.pgActivity ? new PgActivitySampler(ctx.database.url, ctx.database.name, PG_ACTIVITY_SAMPLE_EVERY_MS) : null;
  await pgSampler?.start();
  const cpuMeter = startCpuMeter(server.pid);
  const sizeOf = (index: number) => Math.min(BATCH_SIZE, workload.events - index * BATCH_SIZE);
  const result = await runThroughput(poster, workload.batches, sizeOf, settings.concurrency);
  const cpu = cpuMeter(result.wallMs);
  const pgActivity = await pgSampler?.stop();
  poster.close();

  const memory = processMemory(server.pid);
  const eventsPerSecond = Math.round(result.acceptedEvents / (result.wallMs / 1000));
  const p99 = round(percentile(result.latenciesMs, 99));
  console.log(`  ${eventsPerSecond} events/s, p99 ${p99} ms`);
  return {
    acceptedEvents: result.acceptedEvents,
    report: {
      wallS: cpu.wallS,
      eventsPerSecond,
      batchLatencyMs: {
        p50: round(percentile(result.latenciesMs, 50)),
        p99,
        max: round(Math.max(...result.latenciesMs)),
        // The first batches meet a cold server (code not yet optimised, connections being opened)
        // and are the slowest of a run: this is the tail without them.
        p99AfterFirstSecond: p99AfterFirstSecond(result.timeline),
      },
      statuses: result.statuses,
      okBatches: result.okBatches,
      failedBatches: result.failedBatches,
      shortBatches: result.shortBatches,
      failures: result.failures,
      peakRssMiB: kbToMiB(memory.hwmKb),
      endRssMiB: kbToMiB(memory.rssKb),
      cpu,
      pgActivity,
      timeline: result.timeline,
    },
  };
}

/** The rows the app wrote, loaded by COPY into a second fresh database with the same migrations. */
export async function copyPhase(ctx: PhaseContext, events: number): Promise<BenchReport["copy"]> {
  console.log("COPY phase: exporting the rows the app wrote…");
  const exported = await exportIngestRows(ctx.database.url);
  const name = `${ctx.database.name}_copy`;
  ctx.cleanup.checkNotStopping();
  const url = await createDatabase(name);
  ctx.cleanup.add(`drop database ${name}`, () => dropDatabase(name));
  await migrate(url);
  await checkpoint();
  const timing = await timeCopy(url, exported);
  await dropDatabase(name);
  const eventsPerSecond = Math.round(events / (timing.ms / 1000));
  console.log(`  COPY ${round(timing.ms / 1000, 2)} s: ${eventsPerSecond} events/s`);
  return {
    tables: timing.tables.map((t) => ({ table: t.table, rows: t.rows, MiB: kbToMiB(t.bytes / 1024), s: round(t.ms / 1000, 2) })),
    s: round(timing.ms / 1000, 2),
    eventsPerSecond,
  };
}

/** Far more in flight than the server admits, refused batches resent without honouring Retry-After; RSS sampled. */
export async function overloadPhase(ctx: PhaseContext, workload: Workload, throughputPeakRssMiB: number): Promise<{ report: BenchReport["overload"]; acceptedEvents: number }> {
  const { settings, server } = ctx;
  ctx.cleanup.checkNotStopping();
  console.log(`overload phase: ${workload.batches.length} batches, ${settings.overloadInFlight} in flight…`);
  const poster = new AuditPoster(server.baseUrl, ctx.cluster, ctx.token, settings.overloadInFlight);
  const cpuMeter = startCpuMeter(server.pid);
  const result = await runOverload(poster, workload.batches, {
    inFlight: settings.overloadInFlight,
    pauseMs: OVERLOAD_PAUSE_MS,
    timeLimitMs: OVERLOAD_TIME_LIMIT_MS,
    pid: server.pid,
    sampleEveryMs: RSS_SAMPLE_EVERY_MS,
  });
  const cpu = cpuMeter(result.wallMs);
  poster.close();
  const memory = processMemory(server.pid);
  const rssMiB = result.rssSamplesKb.map(kbToMiB);
  const median = percentile(rssMiB, 50);
  const max = Math.max(...rssMiB);
  return {
    acceptedEvents: result.acceptedEvents,
    report: {
      events: workload.events,
      wallS: round(result.wallMs / 1000, 2),
      statuses: result.statuses,
      refused429: result.statuses["429"] ?? 0,
      okBatches: result.okBatches,
      undeliveredBatches: result.undeliveredBatches,
      timedOut: result.timedOut,
      rssMiB: { min: Math.min(...rssMiB), median, max, samples: rssMiB.length },
      maxOverMedian: round(max / median, 2),
      maxOverThroughputPeak: round(max / throughputPeakRssMiB, 2),
      maxOverFirstSample: round(max / rssMiB[0]!, 2),
      trend: round(Math.max(...rssMiB.slice(Math.floor(rssMiB.length / 2))) / Math.max(...rssMiB.slice(0, Math.max(1, Math.floor(rssMiB.length / 2)))), 2),
      rssSamplesMiB: rssMiB,
      peakRssMiB: kbToMiB(memory.hwmKb),
      batchLatencyMs: { p50: round(percentile(result.latenciesMs, 50)), p99: round(percentile(result.latenciesMs, 99)) },
      eventsPerSecond: Math.round(result.acceptedEvents / (result.wallMs / 1000)),
      cpu,
    },
  };
}
