import type { KubeConfig } from "@kubernetes/client-node";
import { runReflector, type ObservedChange, type ReflectorOptions, type ReflectorStats } from "../../k8s/reflector";
import { collectionPath, type WatchedResource } from "../../k8s/watchedResources";
import type { DataSource, DataSourceContext, ObservedHistoryEntry } from "../../plugins/types";
import { isJsonObject, type JsonObject } from "../audit/types";
import { KnownObjects } from "./knownObjects";
import { describeWatchedObject, goneEntry, observeWatchedChange, type KnownObject } from "./observeWatchedChange";

/** Reflector settings a test (or a later option) may change; the rest are the source's own. */
export type WatchSourceTuning = Partial<Pick<ReflectorOptions, "pageSize" | "watchTimeoutSeconds" | "maxBatch" | "batchDelayMs" | "minBackoffMs" | "maxBackoffMs">>;

/** `watch/<cluster>/<group>/<resource>`, e.g. watch/prod/apps/deployments, watch/prod/pods (the core group). */
export function watchSourceName(cluster: string, resource: WatchedResource): string {
  return `watch/${cluster}/${resource.apiGroup === "" ? "" : `${resource.apiGroup}/`}${resource.resource}`;
}

/**
 * The built-in data source of one resource of one cluster (KUBETRAIL_WATCH_RESOURCES): lists and
 * watches its collection in every namespace (server/k8s/reflector.ts) and hands every observed
 * version of every object over as a history entry (observeWatchedChange.ts), whose body the
 * store diffs against the version before. Objects listed again unchanged are not handed over
 * twice; after a restart they are, and the store's receipts (by uid and resourceVersion) drop them.
 * An object a relist no longer brings was deleted while the watch was down: handed over as gone.
 * Only the objects' identities and versions are kept in memory (knownObjects.ts), not bodies.
 */
export function objectWatchSource(
  cluster: string,
  kubeConfig: KubeConfig,
  resource: WatchedResource,
  tuning: WatchSourceTuning = {},
  stats?: ReflectorStats,
  clock: () => Date = () => new Date(),
): DataSource {
  const path = collectionPath(resource);
  return {
    name: watchSourceName(cluster, resource),
    async start(context) {
      context.log(`watching ${path} of ${kubeConfig.getCurrentCluster()?.server ?? "?"} as cluster "${cluster}"`);
      const known = new KnownObjects();
      await runReflector(
        {
          ...tuning,
          kubeConfig,
          path,
          signal: context.signal,
          log: context.log,
          listStarting: () => known.listStarting(),
          async consume(changes: ObservedChange[]) {
            const observedAt = clock();
            const entries: ObservedHistoryEntry[] = [];
            const updates: Array<{ deleted: boolean; known: KnownObject }> = [];
            // What this batch saw of each object before (its versions are known only once stored).
            const seenInBatch = new Map<string, KnownObject>();
            for (const change of changes) {
              const changedUid = uidOf(change.object);
              const previous = changedUid === null ? null : (seenInBatch.get(changedUid) ?? known.get(changedUid));
              const observed = observeWatchedChange(change, resource, observedAt, previous);
              if (!observed.ok) {
                // Not stored, never silently: named in the log with why.
                context.log(`an object that cannot be identified was left out (${change.type} ${describeWatchedObject(change.object)}): ${observed.problem}`);
                continue;
              }
              const { uid } = observed.known.object;
              if (change.type === "LISTED" && known.listedUnchanged(uid, observed.known.resourceVersion)) continue;
              entries.push(observed.entry);
              updates.push({ deleted: change.type === "DELETED", known: observed.known });
              seenInBatch.set(uid, observed.known);
            }
            await ingest(context, cluster, entries);
            // Only once stored: a batch that fails comes again, and must not look known meanwhile.
            for (const update of updates) {
              if (update.deleted) known.forget(update.known.object.uid);
              else known.seen(update.known);
            }
          },
          async listComplete() {
            const gone = known.notListed();
            await ingest(context, cluster, gone.map((object) => goneEntry(object, clock())));
            for (const object of gone) known.forget(object.object.uid);
            known.listDone();
          },
        },
        stats,
      );
    },
  };
}

/** metadata.uid of a watched object, when it has one (observeWatchedChange says what it lacks otherwise). */
function uidOf(object: JsonObject): string | null {
  const metadata = isJsonObject(object.metadata) ? object.metadata : null;
  return typeof metadata?.uid === "string" && metadata.uid !== "" ? metadata.uid : null;
}

async function ingest(context: DataSourceContext, cluster: string, entries: ObservedHistoryEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const summary = await context.ingestHistory(cluster, entries);
  for (const rejection of summary.rejected) context.log(`a watched object's version that cannot be stored was left out (${rejection.key ?? "no key"}): ${rejection.reason}`);
}
