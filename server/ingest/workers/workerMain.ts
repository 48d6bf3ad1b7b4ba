import { parentPort, workerData } from "node:worker_threads";
import { openPostgres } from "../../store/postgres";
import type { Database } from "../../store/database";
import { createConfiguredAuditIngestor, type AuditIngestor } from "../audit/ingest";
import { ingestEventList } from "../eventList";
import type { FromIngestWorker, IngestWorkerData, ToIngestWorker } from "./protocol";

/**
 * An ingest worker: its own connections and its own ingestor (state cache, id pool), taking
 * whole webhook bodies from the server's thread and answering with what became of them. The
 * server's thread has applied the migrations before starting any worker, and reports what the
 * workers would find wrong in the configuration (rules files, plugins) before starting them.
 */

if (!parentPort) throw new Error("workerMain.ts runs as an ingest worker (server/ingest/workers/pool.ts), not on its own");
const port = parentPort;
const post = (message: FromIngestWorker) => port.postMessage(message);

async function start(): Promise<void> {
  const { config } = workerData as IngestWorkerData;
  let db: Database;
  let ingestor: AuditIngestor;
  try {
    // Postgres only (config.ts refuses workers without it); not through openDatabase, which would
    // load the embedded database's code (some 50 MB per thread) for nothing.
    if (!config.databaseUrl) throw new Error("ingest workers need Postgres (DATABASE_URL)");
    // A worker runs at most KUBETRAIL_INGEST_CONCURRENCY batches at once (the admission gate
    // lets no more in, for all workers together): that many connections are enough.
    db = openPostgres(config.databaseUrl, { maxConnections: config.ingestConcurrency });
    try {
      ingestor = await createConfiguredAuditIngestor(db, config, { onCommitted: (batch) => post({ type: "committed", batch }) });
    } catch (error) {
      await db.close().catch(() => undefined);
      throw error;
    }
  } catch (error) {
    post({ type: "startFailed", message: (error as Error).message });
    process.exit(1);
  }

  const inFlight = new Set<Promise<void>>();
  port.on("message", (message: ToIngestWorker) => {
    if (message.type === "close") {
      void Promise.allSettled(inFlight)
        .then(() => db.close())
        .finally(() => process.exit(0));
      return;
    }
    const { id, cluster, body } = message;
    const work = ingestEventList(ingestor, cluster, body, config.maxBatchEvents).then(
      (outcome) => post({ type: "done", id, outcome }),
      (error: Error) => post({ type: "failed", id, message: error.stack ?? error.message }),
    );
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  });
  post({ type: "ready" });
}

void start();
