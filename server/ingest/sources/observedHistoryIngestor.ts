import type { Database } from "../../store/database";
import { ClusterRegistry } from "../../store/clusters";
import { ObjectIdPool } from "../../store/objectIdPool";
import { storeObservedHistory, type ObservedHistorySummary } from "../../store/observedHistoryWriter";
import { CLUSTER_NAME_RULE, isValidClusterName } from "../../model/clusterName";
import type { ObservedHistoryEntry } from "../../plugins/types";

/**
 * Stores what data sources (Kubernetes Events, plugins' sources) observed: the `ingestHistory`
 * they are given. One per process, so its sources share a cluster registry and an id pool.
 */
export interface ObservedHistoryIngestor {
  /** Stores `entries` of `cluster` in one transaction; resolves with what was stored once committed. */
  ingest(cluster: string, entries: readonly ObservedHistoryEntry[]): Promise<ObservedHistorySummary>;
}

export function createObservedHistoryIngestor(db: Database): ObservedHistoryIngestor {
  const clusters = new ClusterRegistry(db);
  // Small blocks: sources make placeholders rarely, and each block is a gap in the ids once the process ends.
  const objectIds = new ObjectIdPool(64);
  return {
    async ingest(cluster, entries) {
      if (typeof cluster !== "string" || !isValidClusterName(cluster)) {
        throw new Error(`ingestHistory: "${String(cluster)}" is not a valid cluster name (${CLUSTER_NAME_RULE})`);
      }
      if (!Array.isArray(entries)) throw new Error("ingestHistory: entries must be an array");
      return storeObservedHistory(db, clusters, objectIds, cluster, entries);
    },
  };
}
