import type { Sql } from "../store/database";
import { pendingMigrations } from "../store/migrate";

/** `GET /api/health`: the process is up. Never touches the database. */
export function handleHealth(): Response {
  return Response.json({ status: "ok" });
}

/** `GET /api/ready`: the database answers and every migration is applied. */
export async function handleReady(db: () => Promise<Sql>): Promise<Response> {
  try {
    const sql = await db();
    await sql.query("SELECT 1");
    const pending = await pendingMigrations(sql);
    if (pending.length > 0) {
      return Response.json({ status: "not ready", reason: `migrations not applied: ${pending.join(", ")}` }, { status: 503 });
    }
    return Response.json({ status: "ready" });
  } catch (error) {
    return Response.json({ status: "not ready", reason: `database unavailable: ${(error as Error).message}` }, { status: 503 });
  }
}
