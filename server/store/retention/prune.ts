import type { Database, Sql } from "../database";
import { advisoryLockIdOf, objectKeyOf } from "../objectKey";

export interface PruneResult {
  historyEntries: number;
  /** Dedup receipts: the audit webhook's and other sources' (observation_receipts). */
  receipts: number;
  requestCounts: number;
  relations: number;
  objects: number;
  objectStates: number;
  /** The last bodies watches saw of pruned objects (watched_states). */
  watchedStates: number;
  /** Ids of merged rows (object_aliases) that named a pruned object. */
  objectAliases: number;
}

/** Rows deleted per statement: keeps each transaction and its locks short on a big table. */
const BATCH = 5000;

/**
 * Objects deleted per transaction. Each holds an advisory lock until commit, and those share
 * the server's lock table (max_locks_per_transaction × connections) with ingest's.
 */
const OBJECT_BATCH = 500;

/**
 * An object (`o`) nothing refers to any more: last seen before the cutoff ($1), its history
 * pruned, named by no relation. So deleting it orphans no history entry and no relation; its
 * object_states and watched_states rows are deleted with it. (The database has no foreign keys: see docs/storage.md.)
 */
const UNREFERENCED = `o.last_seen < $1
  AND NOT EXISTS (SELECT 1 FROM history_entries h WHERE h.object_id = o.id)
  AND NOT EXISTS (SELECT 1 FROM relations r WHERE r.from_object_id = o.id OR r.to_object_id = o.id OR r.claimed_by_id = o.id)`;

async function deleteInBatches(sql: Sql, statement: string, params: unknown[]): Promise<number> {
  let total = 0;
  for (;;) {
    const result = await sql.query(statement, params);
    total += result.rowCount;
    if (result.rowCount < BATCH) return total;
  }
}

/**
 * Deletes the objects nothing refers to any more (UNREFERENCED), with their states. Ingest
 * writes an object under an advisory lock on its name (auditWriter.ts) that it holds from
 * reading the object until commit; without a foreign key to stop it, an object deleted in
 * that window would leave the batch's new history pointing at nothing. So each object is
 * deleted under that lock, and the conditions are checked again once it is held; an object
 * whose lock a batch holds is left for the next run.
 */
async function pruneObjects(db: Database, at: string): Promise<{ objects: number; objectStates: number; watchedStates: number; objectAliases: number }> {
  const pruned = { objects: 0, objectStates: 0, watchedStates: 0, objectAliases: 0 };
  for (;;) {
    const candidates = await db.query<{ id: number; cluster_id: number; api_group: string; resource: string; namespace: string; name: string }>(
      `SELECT o.id, o.cluster_id, o.api_group, o.resource, o.namespace, o.name FROM objects o WHERE ${UNREFERENCED} LIMIT ${OBJECT_BATCH}`,
      [at],
    );
    if (candidates.rows.length === 0) return pruned;
    const done = await db.transaction(async (tx) => {
      const locked = await tx.query<{ id: number }>(
        `SELECT t.id FROM unnest($1::bigint[], $2::bigint[]) AS t(id, lock) WHERE pg_try_advisory_xact_lock(t.lock)`,
        [
          candidates.rows.map((o) => o.id),
          candidates.rows.map((o) => advisoryLockIdOf(objectKeyOf(o.cluster_id, { apiGroup: o.api_group, resource: o.resource, namespace: o.namespace, name: o.name }))),
        ],
      );
      // A new statement, so a new snapshot: it sees what every batch that held these locks committed.
      // The ids merged into a pruned object (object_aliases) go with it: a trace ID naming one
      // answers as one naming the object itself does, not found.
      const result = await tx.query<{ objects: number; states: number; watched: number; aliases: number }>(
        `WITH gone AS (DELETE FROM objects o WHERE o.id = ANY($2::bigint[]) AND ${UNREFERENCED} RETURNING o.id),
              states AS (DELETE FROM object_states s USING gone WHERE s.object_id = gone.id RETURNING 1),
              watched AS (DELETE FROM watched_states w USING gone WHERE w.object_id = gone.id RETURNING 1),
              aliases AS (DELETE FROM object_aliases a USING gone WHERE a.object_id = gone.id RETURNING 1)
         SELECT (SELECT count(*) FROM gone)::int AS objects, (SELECT count(*) FROM states)::int AS states, (SELECT count(*) FROM watched)::int AS watched, (SELECT count(*) FROM aliases)::int AS aliases`,
        [at, locked.rows.map((row) => row.id)],
      );
      return result.rows[0]!;
    });
    pruned.objects += done.objects;
    pruned.objectStates += done.states;
    pruned.watchedStates += done.watched;
    pruned.objectAliases += done.aliases;
    // Fewer than asked for: that was the last of them. None deleted: the rest are busy; next run.
    if (candidates.rows.length < OBJECT_BATCH || done.objects === 0) return pruned;
  }
}

/**
 * Deletes what is older than `cutoff`: history entries, read counters and ended relations whose
 * time (start, minute, end) and storage (stored_at) are both before it, so that history imported
 * from an old log is kept as long as history received live; dedup receipts (the audit webhook's
 * and other sources') received before it
 * (so an event can be stored again once its entry is gone, and not before); and then the objects
 * that left nothing referring to them (last seen before the cutoff, no history, no relation),
 * with their states (the audit writer's and the watch's) and the ids merged into them (object_aliases).
 */
export async function pruneOlderThan(db: Database, cutoff: Date): Promise<PruneResult> {
  const at = cutoff.toISOString();
  const historyEntries = await deleteInBatches(
    db,
    `DELETE FROM history_entries WHERE id IN (SELECT id FROM history_entries WHERE stored_at < $1 AND start_time < $1 LIMIT ${BATCH})`,
    [at],
  );
  const receipts = await deleteInBatches(
    db,
    `DELETE FROM audit_receipts WHERE (cluster_id, audit_id, stage, request_received_at) IN
       (SELECT cluster_id, audit_id, stage, request_received_at FROM audit_receipts WHERE received_at < $1 LIMIT ${BATCH})`,
    [at],
  ) + await deleteInBatches(
    db,
    `DELETE FROM observation_receipts WHERE (cluster_id, source, key) IN
       (SELECT cluster_id, source, key FROM observation_receipts WHERE received_at < $1 LIMIT ${BATCH})`,
    [at],
  );
  const requestCounts = await deleteInBatches(
    db,
    `DELETE FROM request_counts WHERE (cluster_id, minute, verb, resource, username, code) IN
       (SELECT cluster_id, minute, verb, resource, username, code FROM request_counts WHERE minute < $1 AND stored_at < $1 LIMIT ${BATCH})`,
    [at],
  );
  const relations = await deleteInBatches(
    db,
    `DELETE FROM relations WHERE id IN (SELECT id FROM relations WHERE valid_to < $1 AND stored_at < $1 LIMIT ${BATCH})`,
    [at],
  );
  const { objects, objectStates, watchedStates, objectAliases } = await pruneObjects(db, at);
  return { historyEntries, receipts, requestCounts, relations, objects, objectStates, watchedStates, objectAliases };
}

/** Runs pruneOlderThan(now - retention) every `intervalMs`; returns a stop function. */
export function startPruner(db: Database, retentionMs: number, intervalMs: number, log: (message: string) => void = console.log): () => void {
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      const result = await pruneOlderThan(db, new Date(Date.now() - retentionMs));
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
