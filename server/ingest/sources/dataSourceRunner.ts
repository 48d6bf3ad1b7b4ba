import type { DataSource } from "../../plugins/types";
import type { ObservedHistoryIngestor } from "./observedHistoryIngestor";

/** A data source and who provides it ("kubetrail" for built-in ones, else the plugin's name), for logs. */
export interface RunnableDataSource {
  owner: string;
  source: DataSource;
}

export interface RunningDataSources {
  /** Aborts every source and resolves once each has stopped. */
  stop(): Promise<void>;
}

/**
 * Starts each data source once (server/plugins/types.ts: DataSource). A source that stops on its
 * own, or fails, is logged and left stopped: the rest of Kubetrail keeps running. Built-in
 * sources retry their own failures (the reflector backs off and reconnects); stopping for good is
 * what a source does only when it cannot go on.
 */
export function startDataSources(sources: readonly RunnableDataSource[], ingestor: ObservedHistoryIngestor, log: (message: string) => void): RunningDataSources {
  const controller = new AbortController();
  const running = sources.map(({ owner, source }) => {
    const label = `data source ${owner}/${source.name}`;
    const sourceLog = (message: string) => log(`${label}: ${message}`);
    return (async () => {
      try {
        await source.start({
          ingestHistory: (cluster, entries) => ingestor.ingest(cluster, entries),
          liveWatchedObjects: (cluster, collection) => ingestor.liveWatchedObjects(cluster, collection),
          signal: controller.signal,
          log: sourceLog,
        });
        if (!controller.signal.aborted) log(`${label} stopped on its own`);
      } catch (error) {
        log(`${label} failed and stopped: ${(error as Error)?.message ?? String(error)}`);
      }
    })();
  });
  return {
    async stop() {
      controller.abort();
      await Promise.all(running);
    },
  };
}
