import { prepared, type Database } from "./database";
import { INGEST_PLANNER_SETTINGS } from "./auditWriter";

/** An object the store holds as existing, as a watch stored it: who it is and the version last stored (watched_states). */
export interface LiveWatchedObject {
  uid: string;
  /** "" for a cluster-scoped object. */
  namespace: string;
  name: string;
  resourceVersion: string;
}

/** The collection a watch source lists: its group ("" for the core group) and plural resource name. */
export interface WatchedCollection {
  apiGroup: string;
  resource: string;
}

/**
 * The objects of one cluster's resource that have a watched state and are not deleted: identities
 * only, never bodies. Objects only audit (or Events, or a relation) told of have no watched state:
 * no watch vouched for them, so none may judge them gone. Objects found by an index on their
 * resource, each one's watched state by its key (ingestPlans.integration-test.ts pins the plan).
 */
export const LIVE_WATCHED_OBJECTS_SQL = `SELECT o.uid, o.namespace, o.name, w.resource_version
    FROM objects o
    JOIN watched_states w ON w.object_id = o.id
   WHERE o.cluster_id = (SELECT c.id FROM clusters c WHERE c.name = $1) AND o.resource = $2 AND o.api_group = $3
     AND o.deleted_at IS NULL AND o.uid IS NOT NULL AND w.resource_version IS NOT NULL`;

/**
 * What the store holds as existing of `collection` in cluster `cluster`, as watches stored it: what
 * a watch source starting (after a restart, or beside other replicas) knows before it lists
 * (server/ingest/watches/objectWatchSource.ts). Read-only: a cluster never stored yields nothing.
 */
export async function liveWatchedObjects(db: Database, cluster: string, collection: WatchedCollection): Promise<LiveWatchedObject[]> {
  // Analysed, the planner reads a resource's thousands of objects by index and then hashes the
  // whole watched_states table (every watched object of every cluster, deleted ones too) rather
  // than probing its key for each: under ingest's settings (INGEST_PLANNER_SETTINGS), it probes.
  const rows = await db.transaction(async (tx) => {
    await tx.query(prepared("kt_live_watched_objects_planner", `SELECT ${INGEST_PLANNER_SETTINGS.map(([name, value]) => `set_config('${name}', '${value}', true)`).join(", ")}`));
    return tx.query<{ uid: string; namespace: string; name: string; resource_version: string }>(prepared("kt_live_watched_objects", LIVE_WATCHED_OBJECTS_SQL), [
      cluster,
      collection.resource,
      collection.apiGroup,
    ]);
  });
  return rows.rows.map((row) => ({ uid: row.uid, namespace: row.namespace, name: row.name, resourceVersion: row.resource_version }));
}
