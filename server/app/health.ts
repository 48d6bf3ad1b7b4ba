import type { Sql } from "../store/database";
import { pendingMigrations } from "../store/migrate";

/** `GET /api/health`: the process is up. Never touches the database. */
export function handleHealth(): Response {
  return Response.json({ status: "ok" });
}

/** What readiness looks at: the database, and the ingest workers when there are any. */
export interface ReadinessSubject {
  db: Sql;
  ingestWorkers: { readonly running: number } | null;
}

/**
 * `GET /api/ready`: the database answers, every migration is applied, and, with ingest
 * workers, at least one is running (while all are being restarted, the webhook answers 503).
 */
export async function handleReady(subject: () => Promise<ReadinessSubject>): Promise<Response> {
  let ingestWorkers: ReadinessSubject["ingestWorkers"];
  try {
    const context = await subject();
    ingestWorkers = context.ingestWorkers;
    await context.db.query("SELECT 1");
    const pending = await pendingMigrations(context.db);
    if (pending.length > 0) {
      return Response.json({ status: "not ready", reason: `migrations not applied: ${pending.join(", ")}` }, { status: 503 });
    }
  } catch (error) {
    return Response.json({ status: "not ready", reason: `database unavailable: ${(error as Error).message}` }, { status: 503 });
  }
  if (ingestWorkers && ingestWorkers.running === 0) {
    return Response.json({ status: "not ready", reason: "no ingest worker is running (they are being started again)" }, { status: 503 });
  }
  return Response.json({ status: "ready" });
}
