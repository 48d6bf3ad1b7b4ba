import type { Config } from "../config/config";
import { loadConfig } from "../config/config";
import { AdmissionGate } from "../ingest/admission";
import { createIngestAuthorizer } from "../ingest/auth";
import { convertOptionsOf, createAuditIngestor } from "../ingest/audit/ingest";
import { TRANSACTION_LIMITS } from "../ingest/audit/transactionParts";
import { configuredLinkers } from "../model/links/configured";
import { loadPlugins } from "../plugins/load";
import { hmacFingerprint } from "../model/redact/redact";
import type { AppContext } from "../app/context";
import { openTestDatabase, type StoreKind, type TestDatabase } from "./databases";
import { startTestServer, type AuditVia, type TestServer } from "./httpServer";
import { createOtlpTraceExport } from "../export/otlp/traceExport";
import { IngestWorkerPool } from "../ingest/workers/pool";
import { configuredObservedHistoryOptions, createObservedHistoryIngestor } from "../ingest/sources/observedHistoryIngestor";

export const TEST_TOKEN = "test-token-0123456789";

/** How a test posts: to a cluster's path (else the default cluster's), with a token (null: none), with more headers. */
export interface PostOptions {
  cluster?: string;
  token?: string | null;
  headers?: Record<string, string>;
}

/** A running app on a fresh database, served over loopback HTTP: what integration tests post to. */
export interface TestApp {
  url: string;
  context: AppContext;
  database: TestDatabase;
  /** POSTs a JSON body (or a raw string) to the audit webhook. */
  postAudit(body: unknown, options?: PostOptions): Promise<Response>;
  /** POSTs a JSON body (or a raw string) to the Kubernetes Events endpoint. */
  postEvents(body: unknown, options?: PostOptions): Promise<Response>;
  close(): Promise<void>;
}

/** How integration tests of the webhook run the app: on each store, and with ingest on worker threads. */
export interface AppSetup {
  label: string;
  kind: StoreKind;
  env: Record<string, string>;
  /** Who answers the webhook; by default the production server's own handler. */
  auditVia?: AuditVia;
}

export const APP_SETUPS: AppSetup[] = [
  { label: "postgres", kind: "postgres", env: {} },
  { label: "pglite", kind: "pglite", env: {} },
  // Two workers take sequential batches in turn: each write's previous state was stored by the other.
  { label: "postgres with 2 ingest workers", kind: "postgres", env: { KUBETRAIL_INGEST_WORKERS: "2" } },
];

export async function startTestApp(kind: StoreKind, env: Record<string, string> = {}, options: { auditVia?: AuditVia } = {}): Promise<TestApp> {
  const database = await openTestDatabase(kind);
  // No ingest workers unless a test asks for them (KUBETRAIL_INGEST_WORKERS): they need the URL of the database.
  const config: Config = loadConfig({
    KUBETRAIL_INGEST_TOKEN: TEST_TOKEN,
    KUBETRAIL_RETENTION: "off",
    KUBETRAIL_INGEST_WORKERS: "0",
    KUBETRAIL_REDACTION_KEY: "test-redaction-key-0123",
    ...(database.url ? { DATABASE_URL: database.url } : {}),
    ...env,
  });
  const traceExport = config.otlpExport ? createOtlpTraceExport(database.db, { ...config.otlpExport, traceDepth: config.traceMaxDepth }, () => {}) : null;
  const context: AppContext = {
    config,
    db: database.db,
    ingestor: createAuditIngestor(
      database.db,
      convertOptionsOf(config, hmacFingerprint(config.redactionKey!)),
      { onCommitted: traceExport?.onCommitted },
      // As configured: built-in linkers, KUBETRAIL_LINK_RULES_FILE, KUBETRAIL_PLUGINS.
      configuredLinkers(config.linkRulesFile, await loadPlugins(config.plugins)),
      TRANSACTION_LIMITS,
      config.kubernetesVersions,
    ),
    ingestWorkers:
      config.ingestWorkers > 0 ? await IngestWorkerPool.start({ workers: config.ingestWorkers, config, onCommitted: traceExport?.onCommitted, log: () => {} }) : null,
    authorizer: createIngestAuthorizer(config.ingestAuth),
    gate: new AdmissionGate({ concurrency: config.ingestConcurrency, queueLength: config.ingestQueueLength, maxPendingBytes: config.ingestMaxPendingBytes }),
    traceExport,
    observedHistoryIngestor: createObservedHistoryIngestor(database.db, { onCommitted: traceExport?.onCommitted }, await configuredObservedHistoryOptions(database.db, config)),
    sources: [],
    close: async () => {
      await context.ingestWorkers?.close();
      await database.dispose();
    },
  };
  const server: TestServer = await startTestServer(context, options);
  return {
    url: server.url,
    context,
    database,
    postAudit: (body, options) => postJson(`${server.url}/api/audit`, body, options),
    postEvents: (body, options) => postJson(`${server.url}/api/events`, body, options),
    async close() {
      await server.close();
      await context.ingestWorkers?.close();
      await traceExport?.shutdown();
      await database.dispose();
    },
  };
}

function postJson(endpoint: string, body: unknown, options: PostOptions = {}): Promise<Response> {
  const token = options.token === undefined ? TEST_TOKEN : options.token;
  return fetch(`${endpoint}${options.cluster ? `/${options.cluster}` : ""}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...options.headers,
    },
    body: typeof body === "string" ? body : body instanceof Uint8Array ? new Blob([new Uint8Array(body)]) : JSON.stringify(body),
  });
}

/**
 * POSTs `text` in two chunks of a streamed body (the first `firstChars` long), which declares no
 * length (chunked transfer encoding): how a body over the limit reaches a server that must stop
 * reading it, whatever its Content-Length would have said.
 */
export function postStreamed(url: string, text: string, firstChars: number, token: string = TEST_TOKEN): Promise<Response> {
  const chunks = [text.slice(0, firstChars), text.slice(firstChars)];
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: new ReadableStream({
      pull(controller) {
        const chunk = chunks.shift();
        if (chunk === undefined) controller.close();
        else controller.enqueue(new TextEncoder().encode(chunk));
      },
    }),
    // @ts-expect-error Node's fetch needs duplex for streamed bodies.
    duplex: "half",
  });
}
