import type { KubeConfig } from "@kubernetes/client-node";
import { runReflector, type ObservedChange, type ReflectorOptions, type ReflectorStats } from "../../k8s/reflector";
import type { DataSource, ObservedHistoryEntry } from "../../plugins/types";
import { observeKubernetesEvent } from "./observeEvent";

/** Every namespace's Events through the core API, which serves every Event (events.k8s.io's too) on every Kubernetes release. */
export const EVENTS_PATH = "/api/v1/events";

/** Reflector settings a test (or a later option) may change; the rest are the source's own. */
export type EventsSourceTuning = Partial<Pick<ReflectorOptions, "pageSize" | "watchTimeoutSeconds" | "maxBatch" | "batchDelayMs" | "minBackoffMs" | "maxBackoffMs">>;

/**
 * The built-in data source of one cluster's Kubernetes Events: lists and watches them
 * (server/k8s/reflector.ts) and stores each occurrence as a history entry of the object it is
 * about (observeEvent.ts). Every Event the cluster still keeps (an hour by default) is listed at
 * start, and the store's receipts drop the ones stored before: a restart loses nothing within
 * that hour and stores nothing twice. A deleted Event (its time to live is over) is not
 * something that happened to its object, so deletions are not stored.
 */
export function kubernetesEventsSource(cluster: string, kubeConfig: KubeConfig, tuning: EventsSourceTuning = {}, stats?: ReflectorStats): DataSource {
  return {
    name: `events/${cluster}`,
    async start(context) {
      context.log(`watching Kubernetes Events of ${kubeConfig.getCurrentCluster()?.server ?? "?"} as cluster "${cluster}"`);
      await runReflector(
        {
          ...tuning,
          kubeConfig,
          path: EVENTS_PATH,
          signal: context.signal,
          log: context.log,
          async consume(changes: ObservedChange[], apiVersion: string | null) {
            const entries: ObservedHistoryEntry[] = [];
            const unreadable: string[] = [];
            for (const change of changes) {
              if (change.type === "DELETED") continue;
              const observed = observeKubernetesEvent(change.object, { apiVersion: apiVersion ?? "v1" });
              if (observed.ok) entries.push(observed.entry);
              else unreadable.push(`${eventName(change.object)}: ${observed.problem}`);
            }
            // Not stored, never silently: each such Event is named in the log with why.
            for (const line of unreadable) context.log(`an Event that cannot be read was left out: ${line}`);
            if (entries.length === 0) return;
            const summary = await context.ingestHistory(cluster, entries);
            for (const rejection of summary.rejected) context.log(`an Event that cannot be stored was left out (${rejection.key ?? "no key"}): ${rejection.reason}`);
          },
        },
        stats,
      );
    },
  };
}

function eventName(object: Record<string, unknown>): string {
  const metadata = object.metadata as { namespace?: unknown; name?: unknown } | undefined;
  return typeof metadata?.name === "string" ? `${typeof metadata.namespace === "string" ? `${metadata.namespace}/` : ""}${metadata.name}` : "an Event without a name";
}
