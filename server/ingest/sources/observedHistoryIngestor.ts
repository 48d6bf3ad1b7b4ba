import type { Database } from "../../store/database";
import { ClusterRegistry } from "../../store/clusters";
import { ObjectIdPool } from "../../store/objectIdPool";
import { storeObservedHistory, type ObservedHistoryOptions, type ObservedHistorySummary } from "../../store/observedHistoryWriter";
import { liveWatchedObjects, type LiveWatchedObject, type WatchedCollection } from "../../store/liveWatchedObjects";
import { CLUSTER_NAME_RULE, isValidClusterName } from "../../model/clusterName";
import type { ObservedHistoryEntry } from "../../plugins/types";
import { configuredFingerprint, type IngestHooks } from "../audit/ingest";
import type { Config } from "../../config/config";
import { configuredLinkers } from "../../model/links/configured";
import { loadPlugins } from "../../plugins/load";

/**
 * Stores what data sources (Kubernetes Events, plugins' sources) observed: the `ingestHistory`
 * they are given; and tells a watch source starting what the store holds of its collection (their
 * `liveWatchedObjects`). One per process, so its sources share a cluster registry and an id pool.
 */
export interface ObservedHistoryIngestor {
  /** Stores `entries` of `cluster` in one transaction; resolves with what was stored once committed. */
  ingest(cluster: string, entries: readonly ObservedHistoryEntry[]): Promise<ObservedHistorySummary>;
  /** The objects of `collection` in `cluster` the store holds as existing, as watches stored them (server/store/liveWatchedObjects.ts). */
  liveWatchedObjects(cluster: string, collection: WatchedCollection): Promise<LiveWatchedObject[]>;
}

/**
 * How watched bodies are stored, as configured: redacted with the audit path's sensitive rules and
 * fingerprint, linked with its linkers (built-in, KUBETRAIL_LINK_RULES_FILE, KUBETRAIL_PLUGINS).
 */
export async function configuredObservedHistoryOptions(db: Database, config: Config): Promise<ObservedHistoryOptions> {
  return {
    sensitive: config.sensitiveRules,
    fingerprint: await configuredFingerprint(db, config),
    linkers: configuredLinkers(config.linkRulesFile, await loadPlugins(config.plugins)),
  };
}

/**
 * `onCommitted`: told of each call's new entries once committed (OTLP trace export), as audit
 * ingest tells its batches. `options`: how watched bodies are stored (configuredObservedHistoryOptions);
 * without them, watch entries are refused (Events need none).
 */
export function createObservedHistoryIngestor(db: Database, hooks: IngestHooks = {}, options: ObservedHistoryOptions | null = null): ObservedHistoryIngestor {
  const clusters = new ClusterRegistry(db);
  // Small blocks: sources make placeholders rarely, and each block is a gap in the ids once the process ends.
  const objectIds = new ObjectIdPool(64);
  return {
    async ingest(cluster, entries) {
      if (typeof cluster !== "string" || !isValidClusterName(cluster)) {
        throw new Error(`ingestHistory: "${String(cluster)}" is not a valid cluster name (${CLUSTER_NAME_RULE})`);
      }
      if (!Array.isArray(entries)) throw new Error("ingestHistory: entries must be an array");
      const { summary, entryIds } = await storeObservedHistory(db, clusters, objectIds, cluster, entries, options);
      if (entryIds.length > 0 && hooks.onCommitted) {
        try {
          hooks.onCommitted({ clusterId: clusters.known(cluster)!, cluster, historyEntries: [], entryIds });
        } catch {
          // Stored; a failing observer must not turn that into an error.
        }
      }
      return summary;
    },
    async liveWatchedObjects(cluster, collection) {
      if (typeof cluster !== "string" || !isValidClusterName(cluster)) {
        throw new Error(`liveWatchedObjects: "${String(cluster)}" is not a valid cluster name (${CLUSTER_NAME_RULE})`);
      }
      if (typeof collection?.apiGroup !== "string" || typeof collection.resource !== "string" || collection.resource === "") {
        throw new Error("liveWatchedObjects: the collection must name its apiGroup (\"\" for the core group) and resource");
      }
      return liveWatchedObjects(db, cluster, collection);
    },
  };
}
