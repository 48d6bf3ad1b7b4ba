import type { ReflectorStats } from "../../k8s/reflector";

/** How one built-in source is doing, as GET /api/sources shows it. */
export interface SourceStatus {
  /** e.g. "events/prod", "watch/prod/apps/deployments": the source's name in logs. */
  name: string;
  cluster: string;
  /** A cluster's Kubernetes Events, or one watched resource of it (KUBETRAIL_WATCH_RESOURCES). */
  kind: "events" | "watch";
  /** The API server it reads from (the kubeconfig's, or the in-cluster one). */
  server: string;
  /** Live: the reflector updates it as it goes. */
  stats: ReflectorStats;
}

/** A copy of each status as it is now, for an answer that must not change while it is sent. */
export function sourceStatusSnapshot(sources: readonly SourceStatus[]): SourceStatus[] {
  return sources.map((source) => ({ ...source, stats: { ...source.stats, lastError: source.stats.lastError ? { ...source.stats.lastError } : null } }));
}
