import type { KubeConfig } from "@kubernetes/client-node";
import { runReflector, type ObservedChange, type ReflectorOptions, type ReflectorStats } from "../../k8s/reflector";
import { collectionPath, type WatchedResource } from "../../k8s/watchedResources";
import type { DataSource, DataSourceContext, ObservedHistoryEntry } from "../../plugins/types";
import { isJsonObject, type JsonObject } from "../audit/types";
import type { LiveWatchedObject } from "../../store/liveWatchedObjects";
import { KnownObjects, type UndecidedReason } from "./knownObjects";
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
 * store diffs against the version before. Before it takes its first list, it learns what the
 * store holds as existing of the collection (DataSourceContext.liveWatchedObjects): objects
 * listed again unchanged, since this start or the last, are not handed over twice. An object a
 * list no longer brings was deleted while the watch, or Kubetrail, was down: handed over as gone
 * (unless another replica stored it after the list was read: KnownObjects.notListed). Only the
 * objects' identities and versions are kept in memory (knownObjects.ts), not bodies.
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
      let storedLearned = false;
      // Once, before the first batch is taken (not at start: a database that cannot answer yet
      // fails that batch, which the reflector retries with back-off, as when it cannot store).
      const learnStored = async () => {
        if (storedLearned) return;
        let stored: LiveWatchedObject[];
        try {
          stored = await context.liveWatchedObjects(cluster, { apiGroup: resource.apiGroup, resource: resource.resource });
        } catch (error) {
          throw new Error(`could not read which objects the store holds as existing: ${(error as Error).message}`);
        }
        known.learnStored(stored.map((object) => storedKnownObject(object, resource)));
        storedLearned = true;
      };
      await runReflector(
        {
          ...tuning,
          kubeConfig,
          path,
          signal: context.signal,
          log: context.log,
          listStarting: () => known.listStarting(),
          async consume(changes: ObservedChange[]) {
            await learnStored();
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
              if (change.type === "LISTED" && known.listedUnchanged(observed.known)) continue;
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
          async listComplete(listVersion: string) {
            await learnStored();
            const { gone, undecided } = known.notListed(listVersion);
            await ingest(context, cluster, gone.map((object) => goneEntry(object, clock())));
            for (const object of gone) known.forget(object.object.uid);
            // Left as they are, for the watch from here to tell what becomes of them; never silently.
            for (const reason of ["stored-newer", "unordered"] as const) {
              const left = undecided.filter((item) => item.reason === reason).map((item) => item.known);
              if (left.length > 0) context.log(undecidedMessage(left, reason, listVersion));
            }
            for (const { known: object } of undecided) known.forget(object.object.uid);
            known.listDone();
          },
        },
        stats,
      );
    },
  };
}

/** An object the store holds as existing, known as this source would know it had it watched. */
function storedKnownObject(stored: LiveWatchedObject, resource: WatchedResource): KnownObject {
  return {
    resourceVersion: stored.resourceVersion,
    object: { apiGroup: resource.apiGroup, apiVersion: resource.version, resource: resource.resource, kind: resource.kind, namespace: stored.namespace, name: stored.name, uid: stored.uid },
  };
}

const UNDECIDED_WHY: Record<UndecidedReason, string> = {
  "stored-newer": "the store holds them at versions newer than the list (stored by another replica after the list was read)",
  unordered: "their stored versions cannot be ordered against the list's (not decimal, as etcd's are)",
};

/** One log line for the objects a list did not bring and left alive, naming a few. */
function undecidedMessage(objects: readonly KnownObject[], reason: UndecidedReason, listVersion: string): string {
  const named = objects.slice(0, 5).map((o) => `${o.object.namespace === "" ? "" : `${o.object.namespace}/`}${o.object.name}@${o.resourceVersion}`);
  const more = objects.length > named.length ? ` and ${objects.length - named.length} more` : "";
  return `${objects.length} object${objects.length === 1 ? "" : "s"} not in the list at resourceVersion ${listVersion} left alive, not marked gone: ${UNDECIDED_WHY[reason]}: ${named.join(", ")}${more}`;
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
