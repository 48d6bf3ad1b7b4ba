import type { JsonObject, ObjectIdentity } from "../ingest/audit/types";
import type { Linker, RelationKindInfo } from "../model/links/types";
import type { ObservedHistorySummary } from "../store/observedHistoryWriter";
import type { LiveWatchedObject, WatchedCollection } from "../store/liveWatchedObjects";

/**
 * Kubetrail plugins: TypeScript (or JavaScript) modules named in KUBETRAIL_PLUGINS and loaded
 * at start-up (server/plugins/load.ts). A plugin module's default export (or its export named
 * `plugin`) is a KubetrailPlugin:
 *
 *   import type { KubetrailPlugin } from "../../server/plugins/types";
 *   export default {
 *     name: "argo-rollouts",
 *     relationKinds: { "rollout-service": { hierarchical: true, description: "…" } },
 *     linkers: [{ name: "argoRollouts", claims(body, self) { … } }],
 *   } satisfies KubetrailPlugin;
 *
 * Import only types from Kubetrail (`import type`): a plugin may be loaded in a module graph of
 * its own, so it must not rely on sharing Kubetrail's runtime modules. plugins/argo-rollouts is
 * the example.
 */
export interface KubetrailPlugin {
  /** Unique among the loaded plugins; used in errors and logs. */
  name: string;
  /** Run on every object body Kubetrail sees, after the built-in linkers and the rules file's. */
  linkers?: Linker[];
  /** The relation kinds the linkers state that are not built in (see server/model/links/kinds.ts). */
  relationKinds?: Record<string, RelationKindInfo>;
  /** Sources of history other than the audit webhook (e.g. Kubernetes Events, watches). */
  dataSources?: DataSource[];
}

/**
 * A source of history beside kube-apiserver's audit events: a Kubernetes Events watcher, an
 * informer on selected resources, a cloud provider's audit log poller… The contract: the app
 * starts each data source once at start-up and aborts `signal` at shutdown; `start` resolves
 * when the source has stopped (after the abort, or on a fatal error, which is logged: the rest
 * of Kubetrail keeps running). A source reports what it saw with `ingestHistory`, which stores
 * entries as the audit ingestor does: one transaction per call, each entry once by its `key`, on
 * the object it names (found by uid, else by name; a placeholder for one never seen).
 *
 * Entries without a body (`source: "event"`) are stored as the built-in Kubernetes Events source
 * reports them (server/ingest/events); watch entries (`source: "watch"`, with the observed body or
 * `deleted`) as the built-in watch sources report them (server/ingest/watches), each diffed
 * against the version stored before. A watching source learns what the store holds of its
 * collection with `liveWatchedObjects`, so that a deletion it did not see (made while Kubetrail
 * was down) can be reported as one.
 */
export interface DataSource {
  /** Unique within its plugin, e.g. "events". */
  name: string;
  start(context: DataSourceContext): Promise<void>;
}

export interface DataSourceContext {
  /**
   * Stores entries of one cluster in one transaction; resolves once they are committed, with how
   * many were new, duplicates (stored before, by `key`) and rejected (with why). Call it in
   * batches. Rejects only when nothing could be stored (the database is down): report again later.
   */
  ingestHistory(cluster: string, entries: ObservedHistoryEntry[]): Promise<ObservedHistorySummary>;
  /**
   * The objects of one collection of a cluster (its apiGroup, "" for the core group, and plural
   * resource) that the store holds as existing, as watches stored them: each one's uid,
   * namespace, name and the resourceVersion last stored. Objects only audit or Events told of are
   * not among them, nor deleted ones. Read-only, identities only (never bodies). What a watching
   * source knows when it starts, as if it had watched all along (the built-in watch source
   * relists against it: server/ingest/watches/objectWatchSource.ts). Rejects when the database
   * cannot answer.
   */
  liveWatchedObjects(cluster: string, collection: WatchedCollection): Promise<LiveWatchedObject[]>;
  /** Aborted when Kubetrail shuts down. */
  signal: AbortSignal;
  log(message: string): void;
}

/** One thing a data source saw happen to one object. */
export interface ObservedHistoryEntry {
  /** "event": a Kubernetes Event about the object; "watch": a state observed by a watch/informer. */
  source: "event" | "watch";
  /**
   * Identifies the entry so that a repeated report is stored once: e.g. an Event's uid, count and
   * time (server/ingest/events/observeEvent.ts), or a watched object's uid and resourceVersion.
   */
  key: string;
  object: ObjectIdentity;
  startTime: Date;
  endTime: Date;
  /** Who did it, as far as the source tells: an Event's reportingController, or "watch". */
  actor: string;
  /** "event" for a Kubernetes Event (its reason is in details and the title), or e.g. "observed" / "deleted" for a watch. */
  verb: string;
  /** One line for people, e.g. `kubelet Killing: Stopping container openshift-apiserver`. */
  title: string;
  /** Everything else (an Event's message, count, type, series; a watch's resourceVersion). */
  details: JsonObject;
  /** The object's body at `endTime`, when the source has it (a watch does): diffs and relations come from it. */
  body?: JsonObject | null;
  /** The object is gone after this entry (a watch's DELETED). */
  deleted?: boolean;
}
