import type { SourceStatus } from "@/server/ingest/sources/sourceStatus";

/**
 * The home page's view of the clusters Kubetrail watches (KUBETRAIL_CLUSTERS): per cluster, what
 * each of its sources is doing, with the last failure of any that is not running. A watcher that
 * cannot list (a token refused, RBAC missing, a server down) is otherwise seen only in the log
 * or GET /api/sources, while the object pages just stay empty.
 */

/** A source that is not taking changes now: failing, or stopped. Listing and starting are on their way. */
const troubled = (source: SourceStatus) => source.stats.state === "backing-off" || source.stats.state === "stopped";

/** What a source watches, without its cluster: "Events", or the resource of an object watch. */
export function sourceLabel(source: Pick<SourceStatus, "name" | "kind" | "cluster">): string {
  if (source.kind === "events") return "Events";
  const prefix = `${source.kind}/${source.cluster}/`;
  return source.name.startsWith(prefix) ? source.name.slice(prefix.length) : source.name;
}

export interface ClusterSources {
  cluster: string;
  server: string;
  /** Sources taking changes (watching), and the rest by state, e.g. {watching: 8, listing: 1}. */
  states: Array<{ state: string; count: number }>;
  /** Sources failing or stopped, each with its last failure. */
  troubled: Array<{ label: string; state: string; lastError: { message: string; at: string } | null }>;
}

/** The sources grouped by cluster, clusters in name order. */
export function clusterSources(sources: readonly SourceStatus[]): ClusterSources[] {
  const byCluster = new Map<string, SourceStatus[]>();
  for (const source of sources) byCluster.set(source.cluster, [...(byCluster.get(source.cluster) ?? []), source]);
  return [...byCluster.keys()].sort().map((cluster) => {
    const own = byCluster.get(cluster)!;
    const counts = new Map<string, number>();
    for (const source of own) counts.set(source.stats.state, (counts.get(source.stats.state) ?? 0) + 1);
    return {
      cluster,
      server: own[0]!.server,
      states: [...counts].map(([state, count]) => ({ state, count })).sort((a, b) => a.state.localeCompare(b.state)),
      troubled: own.filter(troubled).map((source) => ({ label: sourceLabel(source), state: source.stats.state, lastError: source.stats.lastError })),
    };
  });
}

export function SourcesStatus({ sources }: { sources: readonly SourceStatus[] }) {
  const clusters = clusterSources(sources);
  if (clusters.length === 0) return null;
  return (
    <section className="sources" aria-label="Watched clusters">
      <h2>Watched clusters</h2>
      <ul>
        {clusters.map((cluster) => (
          <li key={cluster.cluster} className={cluster.troubled.length > 0 ? "troubled" : undefined}>
            <strong>{cluster.cluster}</strong> <code className="muted">{cluster.server}</code>:{" "}
            {cluster.states.map(({ state, count }) => `${count} ${state}`).join(", ")}
            {cluster.troubled.length > 0 ? (
              <ul>
                {cluster.troubled.map((source) => (
                  <li key={source.label}>
                    {source.label} {source.state}
                    {source.lastError ? (
                      <>
                        : <span className="error">{source.lastError.message}</span> <span className="muted">({source.lastError.at})</span>
                      </>
                    ) : null}
                  </li>
                ))}
              </ul>
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  );
}
