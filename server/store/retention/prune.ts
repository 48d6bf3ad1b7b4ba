import type { Sql } from "../database";

export interface PruneResult {
  historyEntries: number;
  receipts: number;
  requestCounts: number;
  relations: number;
  objects: number;
}

/** Rows deleted per statement: keeps each transaction and its locks short on a big table. */
const BATCH = 5000;

async function deleteInBatches(sql: Sql, statement: string, params: unknown[]): Promise<number> {
  let total = 0;
  for (;;) {
    const result = await sql.query(statement, params);
    total += result.rowCount;
    if (result.rowCount < BATCH) return total;
  }
}

/**
 * Deletes what is older than `cutoff`: history entries by start time, dedup receipts,
 * read counters, ended relations, and objects last seen before it that have no history left.
 */
export async function pruneOlderThan(sql: Sql, cutoff: Date): Promise<PruneResult> {
  const at = cutoff.toISOString();
  const historyEntries = await deleteInBatches(
    sql,
    `DELETE FROM history_entries WHERE id IN (SELECT id FROM history_entries WHERE start_time < $1 LIMIT ${BATCH})`,
    [at],
  );
  const receipts = await deleteInBatches(
    sql,
    `DELETE FROM audit_receipts WHERE (cluster_id, audit_id, stage) IN
       (SELECT cluster_id, audit_id, stage FROM audit_receipts WHERE received_at < $1 LIMIT ${BATCH})`,
    [at],
  );
  const requestCounts = await deleteInBatches(
    sql,
    `DELETE FROM request_counts WHERE (cluster_id, minute, verb, resource, username, code) IN
       (SELECT cluster_id, minute, verb, resource, username, code FROM request_counts WHERE minute < $1 LIMIT ${BATCH})`,
    [at],
  );
  const relations = await deleteInBatches(
    sql,
    `DELETE FROM relations WHERE id IN (SELECT id FROM relations WHERE valid_to < $1 LIMIT ${BATCH})`,
    [at],
  );
  const objects = await deleteInBatches(
    sql,
    `DELETE FROM objects WHERE id IN (
       SELECT o.id FROM objects o
        WHERE o.last_seen < $1
          AND NOT EXISTS (SELECT 1 FROM history_entries h WHERE h.object_id = o.id)
          AND NOT EXISTS (SELECT 1 FROM relations r WHERE r.from_object_id = o.id OR r.to_object_id = o.id)
        LIMIT ${BATCH})`,
    [at],
  );
  return { historyEntries, receipts, requestCounts, relations, objects };
}

/** Runs pruneOlderThan(now - retention) every `intervalMs`; returns a stop function. */
export function startPruner(sql: Sql, retentionMs: number, intervalMs: number, log: (message: string) => void = console.log): () => void {
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      const result = await pruneOlderThan(sql, new Date(Date.now() - retentionMs));
      const total = Object.values(result).reduce((a, b) => a + b, 0);
      if (total > 0) log(`retention: pruned ${JSON.stringify(result)}`);
    } catch (error) {
      log(`retention: pruning failed: ${(error as Error).message}`);
    } finally {
      running = false;
    }
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  void tick();
  return () => clearInterval(timer);
}
