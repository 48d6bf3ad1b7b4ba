import { loadConfig, type Config } from "../config/config";
import type { Database } from "../store/database";
import { openDatabase } from "../store/open";
import { startPruner } from "../store/retention/prune";
import { startMaintenance } from "../store/maintenance/job";
import { AdmissionGate } from "../ingest/admission";
import { createIngestAuthorizer, type IngestAuthorizer } from "../ingest/auth";
import { createConfiguredAuditIngestor, type AuditIngestor } from "../ingest/audit/ingest";
import { IngestWorkerPool } from "../ingest/workers/pool";
import { ensureGeneratedIngestToken } from "../ingest/ingestToken";
import { createOtlpTraceExport, type TraceExport } from "../export/otlp/traceExport";
import { urlForLogs } from "../export/otlp/otelEnv";
import { loadPlugins } from "../plugins/load";
import { kubeConfigFor } from "../k8s/clusterConnections";
import { newReflectorStats } from "../k8s/reflector";
import type { SourceStatus } from "../ingest/sources/sourceStatus";
import { kubernetesEventsSource } from "../ingest/events/eventsSource";
import { objectWatchSource, watchSourceName } from "../ingest/watches/objectWatchSource";
import { configuredObservedHistoryOptions, createObservedHistoryIngestor, type ObservedHistoryIngestor } from "../ingest/sources/observedHistoryIngestor";
import type { ObservedHistoryOptions } from "../store/observedHistoryWriter";
import { startDataSources, type RunnableDataSource, type RunningDataSources } from "../ingest/sources/dataSourceRunner";

/** Everything a running Kubetrail needs, built once from the configuration. */
export interface AppContext {
  config: Config;
  db: Database;
  /** Stores batches on this thread (the import script's way, and the webhook's without workers). */
  ingestor: AuditIngestor;
  /** The webhook's worker threads (KUBETRAIL_INGEST_WORKERS); null: the webhook uses `ingestor`. */
  ingestWorkers: IngestWorkerPool | null;
  authorizer: IngestAuthorizer;
  gate: AdmissionGate;
  /** OTLP trace export (OTEL_EXPORTER_OTLP_ENDPOINT); null when off. */
  traceExport: TraceExport | null;
  /** Stores what is observed rather than audited: Kubernetes Events, watched or posted, and plugins' sources. One per process (one cluster registry and id pool). */
  observedHistoryIngestor: ObservedHistoryIngestor;
  /** The built-in sources (each cluster's Events and watched resources, KUBETRAIL_CLUSTERS) and how each is doing, live. */
  sources: SourceStatus[];
  close(): Promise<void>;
}

export async function createAppContext(config: Config, options: { log?: (message: string) => void; prune?: boolean } = {}): Promise<AppContext> {
  const log = options.log ?? ((message: string) => console.log(`kubetrail: ${message}`));
  const db = await openDatabase(config);
  let traceExport: TraceExport | null = null;
  let ingestor: AuditIngestor;
  let ingestWorkers: IngestWorkerPool | null = null;
  let dataSources: RunnableDataSource[] = [];
  let observedHistoryOptions: ObservedHistoryOptions;
  const sources: SourceStatus[] = [];
  try {
    traceExport = config.otlpExport ? createOtlpTraceExport(db, { ...config.otlpExport, traceDepth: config.traceMaxDepth }, log) : null;
    // First on this thread: a bad rules file or plugin is reported once, and the redaction key
    // exists before any worker reads it.
    ingestor = await createConfiguredAuditIngestor(db, config, { onCommitted: traceExport?.onCommitted });
    // Watched bodies redacted and linked as audit bodies are (after the audit ingestor: the key exists).
    observedHistoryOptions = await configuredObservedHistoryOptions(db, config);
    if (config.ingestWorkers > 0) {
      ingestWorkers = await IngestWorkerPool.start({ workers: config.ingestWorkers, config, onCommitted: traceExport?.onCommitted, log });
    }
    // Every cluster's kubeconfig is read now: a wrong one stops start-up, naming it.
    dataSources = [
      ...config.clusterConnections.flatMap((connection) => {
        const kubeConfig = kubeConfigFor(connection);
        const server = kubeConfig.getCurrentCluster()?.server ?? "";
        const { cluster } = connection;
        const events: SourceStatus = { name: `events/${cluster}`, cluster, kind: "events", server, stats: newReflectorStats() };
        sources.push(events);
        // Each watched resource (KUBETRAIL_WATCH_RESOURCES) its own source: one failing (not
        // served, not allowed) leaves the others watching, and says so at /api/sources.
        const watches = config.watchResources.map((resource) => {
          const status: SourceStatus = { name: watchSourceName(cluster, resource), cluster, kind: "watch", server, stats: newReflectorStats() };
          sources.push(status);
          return { owner: "kubetrail", source: objectWatchSource(cluster, kubeConfig, resource, {}, status.stats) };
        });
        return [{ owner: "kubetrail", source: kubernetesEventsSource(cluster, kubeConfig, {}, events.stats) }, ...watches];
      }),
      ...(await loadPlugins(config.plugins)).flatMap((plugin) => (plugin.dataSources ?? []).map((source) => ({ owner: plugin.name, source }))),
    ];
  } catch (error) {
    // A bad rules file, plugin or kubeconfig: give the database back (the embedded one is locked while open).
    await ingestWorkers?.close().catch(() => undefined);
    await traceExport?.shutdown().catch(() => undefined);
    await db.close().catch(() => undefined);
    throw error;
  }
  if (config.otlpExport) log(`exporting traces to ${urlForLogs(config.otlpExport.tracesUrl)} (OTLP/HTTP protobuf)`);

  const generated = ensureGeneratedIngestToken(config);
  if (generated?.created) {
    // Where it is, not what it is: logs are collected and kept where the token must not be.
    log(`generated an ingest token (kept in ${generated.file}). Send audit events with: Authorization: Bearer $(cat ${generated.file})`);
  } else if (generated) {
    log(`ingest token: see ${generated.file}`);
  } else if (config.ingestAuth.mode === "disabled") {
    log("WARNING: ingest authentication is disabled (KUBETRAIL_INGEST_AUTH=disabled): anyone who can reach this server can write audit events");
  }
  const authorizer = createIngestAuthorizer(config.ingestAuth, generated?.token ?? null);
  const gate = new AdmissionGate({
    concurrency: config.ingestConcurrency,
    queueLength: config.ingestQueueLength,
    maxPendingBytes: config.ingestMaxPendingBytes,
  });
  const stopPruner =
    config.retentionMs !== null && (options.prune ?? true) ? startPruner(db, config.retentionMs, config.pruneIntervalMs, log) : () => {};
  const stopMaintenance = await startMaintenance(db, config.maintenance, log);
  log(`store: ${db.kind === "pglite" ? `embedded database in ${config.dataDir}` : "Postgres (DATABASE_URL)"}`);
  if (ingestWorkers) log(`ingest: ${config.ingestWorkers} worker thread${config.ingestWorkers === 1 ? "" : "s"} (KUBETRAIL_INGEST_WORKERS)`);
  // One for the watchers and the Events endpoint alike; their commits reach the trace export.
  const observedHistoryIngestor = createObservedHistoryIngestor(db, { onCommitted: traceExport?.onCommitted }, observedHistoryOptions);
  const runningSources: RunningDataSources | null = dataSources.length > 0 ? startDataSources(dataSources, observedHistoryIngestor, log) : null;

  return {
    config,
    db,
    ingestor,
    ingestWorkers,
    authorizer,
    gate,
    traceExport,
    observedHistoryIngestor,
    sources,
    async close() {
      stopPruner();
      // A pass under way finishes first: the database is closed after it.
      await stopMaintenance();
      // Sources first: what they hold is stored (or given up) while the database is still open.
      await runningSources?.stop();
      // Batches in hand are finished (their commits reach the trace export) before it stops.
      await ingestWorkers?.close();
      // Before the database: what is still waiting is read back from it.
      await traceExport?.shutdown();
      await db.close();
    },
  };
}

const GLOBAL_KEY = Symbol.for("kubetrail.appContext");
type GlobalWithContext = typeof globalThis & { [GLOBAL_KEY]?: Promise<AppContext> };

/**
 * The process-wide context, created on first use from the environment. Kept on globalThis
 * so that Next's dev-mode module reloads and its separately bundled route handlers share
 * one database handle (the embedded database allows only one).
 */
export function getAppContext(): Promise<AppContext> {
  const g = globalThis as GlobalWithContext;
  g[GLOBAL_KEY] ??= createAppContext(loadConfig()).catch((error) => {
    delete g[GLOBAL_KEY];
    throw error;
  });
  return g[GLOBAL_KEY];
}

/** Makes `context` the process-wide one (tests that serve the real route handlers use it). */
export function installAppContext(context: AppContext): void {
  (globalThis as GlobalWithContext)[GLOBAL_KEY] = Promise.resolve(context);
}
