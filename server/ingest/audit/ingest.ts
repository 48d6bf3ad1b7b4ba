import type { Config } from "../../config/config";
import type { Database, Transaction } from "../../store/database";
import { UntimedReceipts } from "../../store/untimedReceipts";
import { addReadCounts, lockAndLoadObjects, planWrites, receiptId, recordReceipts, storeWrites } from "../../store/auditWriter";
import { ObjectIdPool } from "../../store/objectIdPool";
import { ClusterRegistry } from "../../store/clusters";
import { applyRelationClaims, observeRelations } from "../../store/relationWriter";
import { BUILTIN_LINKERS } from "../../model/links/builtin";
import { configuredLinkers } from "../../model/links/configured";
import { clusterScopedNameToLock, newerGroupNameToLock } from "../../model/links/references";
import type { Linker, ObjectReference } from "../../model/links/types";
import { loadPlugins } from "../../plugins/load";
import { StateCache } from "../../store/stateCache";
import { settleSessions } from "../../store/sessionEntries";
import { settingOrGenerate } from "../../store/settings";
import { hmacFingerprint } from "../../model/redact/redact";
import { controlPlaneVersionOf, type KubernetesVersion } from "../../k8s/kubernetesVersion";
import { VersionTimeline } from "../../k8s/kubernetesVersionTimeline";
import { apiserverBehaviourOf } from "./apiserverBehaviour";
import { createsObject, type ChangeOptions } from "./change";
import { convertAuditEvent } from "./convert";
import { parseAuditEvent } from "./eventSchema";
import { unstorableText } from "./storableText";
import { firstPartLength, readLockTableSize, TRANSACTION_LIMITS, transactionLimitsFor, type TransactionLimits } from "./transactionParts";
import type { AuditRead, AuditWrite, ConvertOptions, ConvertedAuditEvent, ObjectIdentity } from "./types";

/** What happened to a batch of audit events. Every event is counted in exactly one of accepted, duplicates, rejected. */
export interface IngestSummary {
  received: number;
  /** New events stored (history entries, counted reads, and skipped noise alike). */
  accepted: number;
  /** Events stored before (a retried batch, a re-imported file): nothing changed. */
  duplicates: number;
  /** Of the accepted: noise or stages we don't trace, stored only as receipts. */
  skipped: number;
  /** Of the accepted: history entries written. */
  history: number;
  /** Of the accepted: reads counted. */
  reads: number;
  /** Events that were not valid, with the position in the batch and why. */
  rejected: Array<{ index: number; auditId: string | null; reason: string }>;
}

/**
 * Object states kept in memory, per ingest worker: typically 2–3 KB each, so the count decides
 * (about 50 MB), unless the objects are large (ConfigMaps of dashboards, CRDs of hundreds of
 * kilobytes), when the bytes do.
 */
const STATE_CACHE_LIMITS = { objects: 20_000, bytes: 64 * 1024 * 1024 };

/** A batch once validated and converted: what the store still needs of it. */
interface ConvertedBatch {
  summary: IngestSummary;
  /** Emptied once split into writes and reads, so that nothing else holds the bodies. */
  converted: ConvertedAuditEvent[];
  /**
   * The versions the batch's control-plane requests named (server/k8s/kubernetesVersion.ts), each
   * at the earliest requestReceivedTimestamp that named it, read from every valid event, those
   * skipped as noise too (kube-apiserver's lease updates).
   */
  versionSightings: VersionTimeline;
}

/** Kubernetes versions configured per cluster (KUBETRAIL_KUBERNETES_VERSIONS), over those the audit events tell. */
export type ConfiguredKubernetesVersions = Readonly<Record<string, KubernetesVersion>>;

/**
 * A batch's raw audit events, or a function that reads them (parses a webhook body). A function
 * is called once the batch's transaction has been asked to begin, so that reading the batch
 * overlaps the round trip (Database.transaction). It must not throw: a body that is no batch
 * reads as no events, and the caller says why. Given a function, the ingestor may call it again
 * to store the batch once more (see CONFLICT_ATTEMPTS).
 */
export type RawItems = unknown[] | (() => unknown[]);

/**
 * How many times a batch given as a function is stored when Postgres fails its transaction
 * only because of another one running at once: a deadlock (40P01), which the lock order cannot
 * rule out everywhere (docs/storage.md, "Locks"), or a serialization failure (40001). Stored
 * again at once, by the same code, it usually succeeds, where the apiserver would send it again
 * only after its back-off (ten seconds by default). Only a batch none of whose transactions
 * committed: after one has, its summary could no longer say what this request stored.
 */
const CONFLICT_ATTEMPTS = 3;
const CONFLICT_CODES = new Set(["40P01", "40001"]);

function isConflict(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && CONFLICT_CODES.has(code);
}

export interface AuditIngestor {
  /**
   * Validates, converts and stores a batch in one transaction; resolves only once it is
   * committed. A batch with nothing valid and new to store needs no database: its summary
   * stands even if the transaction fails.
   */
  ingest(clusterName: string, rawItems: RawItems): Promise<IngestSummary>;
}

/**
 * A committed batch's new history entries (retried events are not in it), named by their auditID,
 * stage and start (requestReceivedTimestamp to the millisecond): two requests may share an auditID
 * (AuditWrite.requestReceived).
 */
export interface CommittedBatch {
  clusterId: number;
  cluster: string;
  historyEntries: CommittedEntryKey[];
  /** Entries of sources other than audit (Kubernetes Events), which have no auditID: by history_entries.id. */
  entryIds?: number[];
}

export interface CommittedEntryKey {
  auditId: string;
  stage: string;
  startTime: Date;
}

/** How many new entries a committed batch names. */
export const committedEntryCount = (batch: CommittedBatch): number => batch.historyEntries.length + (batch.entryIds?.length ?? 0);

export interface IngestHooks {
  /** Called once a batch that wrote history is committed (trace export); must return at once and not throw. */
  onCommitted?(batch: CommittedBatch): void;
}

export function convertOptionsOf(config: Config, fingerprint: ConvertOptions["fingerprint"]): ConvertOptions {
  return {
    skipResources: config.skipResources,
    skipUserAgentSubstrings: config.skipUserAgentSubstrings,
    sensitive: config.sensitiveRules,
    fingerprint,
  };
}

/**
 * The ingestor as configured: noise rules, sensitive fields, the installation's redaction key,
 * and the linkers (built-in, KUBETRAIL_LINK_RULES_FILE, KUBETRAIL_PLUGINS). A bad rules file or
 * plugin throws a ConfigError naming it.
 */
export async function createConfiguredAuditIngestor(db: Database, config: Config, hooks: IngestHooks = {}): Promise<AuditIngestor> {
  const linkers = configuredLinkers(config.linkRulesFile, await loadPlugins(config.plugins));
  // The admission gate lets this many batches, each one transaction at a time, in at once, in all
  // of the server's ingest workers together.
  const limits = transactionLimitsFor(await readLockTableSize(db), config.ingestConcurrency);
  return createAuditIngestor(db, convertOptionsOf(config, await configuredFingerprint(db, config)), hooks, linkers, limits, config.kubernetesVersions);
}

/** The fingerprint of redacted values: keyed by KUBETRAIL_REDACTION_KEY, else by the installation's own key (made once, kept in settings). */
export async function configuredFingerprint(db: Database, config: Config): Promise<ConvertOptions["fingerprint"]> {
  return hmacFingerprint(config.redactionKey ?? (await settingOrGenerate(db, "redaction_key")));
}

/**
 * `linkers` read relations from every body a batch stores (server/model/links); `limits` bound
 * what one transaction stores (transactionParts.ts); `configuredVersions` are the clusters'
 * Kubernetes versions where the configuration says them, which the rules of bindings and
 * evictions then follow rather than the version the audit events tell.
 */
export function createAuditIngestor(
  db: Database,
  options: ConvertOptions,
  hooks: IngestHooks = {},
  linkers: readonly Linker[] = BUILTIN_LINKERS,
  limits: TransactionLimits = TRANSACTION_LIMITS,
  configuredVersions: ConfiguredKubernetesVersions = {},
): AuditIngestor {
  const clusters = new ClusterRegistry(db);
  // Most writes update an object written moments before: its state usually needs no read.
  const stateCache = new StateCache(STATE_CACHE_LIMITS);
  const objectIds = new ObjectIdPool();
  const untimedReceipts = new UntimedReceipts();

  /**
   * Validates and converts a batch: synchronous, so that the parsed events it was given can be
   * collected as soon as it returns (an async function keeps its parameters and locals alive
   * across every await, even those it no longer uses). What it returns holds only the
   * converted events, which the store then consumes.
   */
  function convertBatch(rawItems: unknown[]): ConvertedBatch {
    const summary: IngestSummary = { received: rawItems.length, accepted: 0, duplicates: 0, skipped: 0, history: 0, reads: 0, rejected: [] };
    const converted: ConvertedAuditEvent[] = [];
    const seenInBatch = new Set<string>();
    const versionSightings = new VersionTimeline();
    for (let index = 0; index < rawItems.length; index++) {
      const parsed = parseAuditEvent(rawItems[index]);
      if (!parsed.ok) {
        summary.rejected.push({ index, auditId: parsed.auditId, reason: parsed.error });
        continue;
      }
      // Before the noise rules: the apiserver's own requests are often to resources skipped
      // (its lease), and only their receipt is stored.
      const version = controlPlaneVersionOf(parsed.event.userAgent, parsed.event.user.username);
      if (version !== null) versionSightings.note(version, new Date(parsed.event.requestReceivedTimestamp));
      let event: ConvertedAuditEvent;
      try {
        event = convertAuditEvent(parsed.event, options);
      } catch (error) {
        // Conversion is total for schema-valid events; if it ever throws, reject the one event, not the batch.
        summary.rejected.push({ index, auditId: parsed.event.auditID, reason: `could not convert: ${(error as Error).message}` });
        continue;
      }
      const unstorable = unstorableText(event);
      if (unstorable !== null) {
        summary.rejected.push({ index, auditId: parsed.event.auditID, reason: unstorable });
        continue;
      }
      const id = receiptId(event);
      if (seenInBatch.has(id)) {
        summary.duplicates++;
        continue;
      }
      seenInBatch.add(id);
      converted.push(event);
    }
    return { summary, converted, versionSightings };
  }

  /**
   * The objects a batch's writes write, and those its creates' relations name in this cluster
   * (transactionParts.ts ran the linkers), for lockAndLoadObjects. A create's relations are new,
   * so the relation writer will lock their targets; an update's are mostly open already, and
   * locking their targets up front too cost Postgres a sixth more CPU per event and ingest a
   * fifth (docs/benchmarks.md, "Runs, 2026-12-06 11:19–12:30"). A function of its own, so that
   * no array of the writes outlives it in storeConverted's frame (see convertBatch).
   */
  function objectsToLock(events: readonly ConvertedAuditEvent[]): [ObjectIdentity[], ObjectReference[]] {
    const written: ObjectIdentity[] = [];
    const named: ObjectReference[] = [];
    for (const event of events) {
      if (event.kind !== "write") continue;
      written.push(event.object);
      if (!createsObject(event)) continue;
      for (const claim of event.claims ?? []) {
        if (claim.other.cluster) continue;
        named.push(claim.other);
        // An owner that may be cluster-scoped: the relation writer finds it by uid under that
        // name, which its writer holds. Locked later, it would be out of this one order.
        const clusterScoped = clusterScopedNameToLock(claim.other);
        if (clusterScoped) named.push(clusterScoped);
        // An owner named through `extensions`, by uid: its writer through the newer group holds that name.
        const newer = claim.other.uid ? newerGroupNameToLock(claim.other) : null;
        if (newer) named.push(newer);
      }
    }
    return [written, named];
  }

  /** The cluster's configured version (KUBETRAIL_KUBERNETES_VERSIONS); null when none is. */
  function configuredVersionOf(clusterName: string): KubernetesVersion | null {
    // Its own key only: a cluster may be named as a key every object inherits ("constructor").
    return Object.hasOwn(configuredVersions, clusterName) ? configuredVersions[clusterName]! : null;
  }

  /**
   * What the cluster's kube-apiserver did in a binding or an eviction, by its version when the
   * request was received: the configured one, else the one its control plane's requests tell
   * ran then (VersionTimeline.versionAt), this batch's included (so that a cluster's first batch
   * follows the version it tells); today's rules when neither is known (UNKNOWN_VERSION_BEHAVIOUR).
   * The cluster's timeline is read as each write asks, so that what readSightings adds counts.
   */
  function changeOptionsFor(clusterName: string, batch: ConvertedBatch): ChangeOptions {
    clusters.noteSightings(clusterName, batch.versionSightings);
    const configured = configuredVersionOf(clusterName);
    if (configured !== null) {
      const behaviour = apiserverBehaviourOf(configured);
      return { apiserverAt: () => behaviour };
    }
    const versions = clusters.versionsOf(clusterName);
    return { apiserverAt: (time) => apiserverBehaviourOf(versions.versionAt(time)) };
  }

  /**
   * Whether what `events` show depends on the cluster's version, and no version is configured:
   * a binding or an eviction. The versions are then read from the database with the batch's
   * objects (no round trip of its own), for another ingestor may have stored one this one has
   * not seen, and the batch's entries are stored for good.
   */
  function readsStoredVersions(clusterName: string, events: readonly ConvertedAuditEvent[]): boolean {
    if (configuredVersionOf(clusterName) !== null) return false;
    return events.some((event) => event.kind === "write" && !event.failed && !event.dryRun && (event.effect?.kind === "binding" || event.effect?.kind === "eviction"));
  }

  /** Stores a converted batch in `tx`; returns the keys of the history entries it sent. */
  async function storeConverted(tx: Transaction, cluster: { id: number; name: string }, batch: ConvertedBatch, changeOptions: ChangeOptions): Promise<CommittedEntryKey[]> {
    const clusterId = cluster.id;
    const versions = readsStoredVersions(cluster.name, batch.converted) ? clusters.readSightings(tx, cluster.name) : null;
    // Sent at once when the answer on untimed receipts is fresh (all but a batch a minute), so
    // that the receipts, the locks and the lookups go out back to back, in that order.
    const untimed = untimedReceipts.freshAnswer(clusterId);
    const receipts =
      untimed !== null
        ? recordReceipts(tx, clusterId, batch.converted, untimed)
        : untimedReceipts.mayExist(tx, clusterId).then((amongUntimed) => recordReceipts(tx, clusterId, batch.converted, amongUntimed));
    // Locked and looked up alongside the receipts (one wait, not two), for every write: the
    // few that turn out to be duplicates cost a lock and a lookup for nothing.
    const objects = lockAndLoadObjects(tx, clusterId, ...objectsToLock(batch.converted));
    const [fresh, lockedObjects] = await Promise.all([receipts, objects, versions]);
    const summary = batch.summary;
    const writes: AuditWrite[] = [];
    const reads: AuditRead[] = [];
    let skipped = 0;
    for (const event of batch.converted) {
      if (!fresh.isNew(event)) continue;
      if (event.kind === "write") writes.push(event);
      else if (event.kind === "read") reads.push(event);
      else skipped++;
    }
    // Behind the locks: a session's other stage, stored by another batch, is committed by now.
    const sessions = await settleSessions(tx, clusterId, writes);
    skipped += sessions.superseded;
    // Added to: a large batch is stored in several transactions (transactionParts.ts).
    summary.accepted += fresh.count;
    summary.duplicates += batch.converted.length - fresh.count;
    summary.skipped += skipped;
    summary.history += writes.length;
    summary.reads += reads.length;
    // From here on the bodies are reachable only through `writes`, which planWrites empties.
    batch.converted = [];
    const keys = writes.map((w) => ({ auditId: w.auditId, stage: w.stage, startTime: w.startTime }));

    const plan = await planWrites(tx, clusterId, writes, lockedObjects, stateCache, objectIds, changeOptions, sessions.closed);
    const relations = observeRelations(plan.takeObservations(), linkers);
    // Sent back to back (see storeWrites): the relation writer's lookups run after the rows
    // they may look for are written, as the connection runs statements in order.
    await Promise.all([storeWrites(tx, clusterId, plan, stateCache), applyRelationClaims(tx, clusterId, relations, objectIds)]);
    // Every batch of the same minutes updates the same read counters, whose row locks last
    // until COMMIT: sent last and not waited for, so that COMMIT goes right behind them and
    // the locks are held for those two statements only. The transaction waits for (and fails
    // with) this statement; its rejection is handled there.
    addReadCounts(tx, clusterId, reads).catch(() => undefined);
    return keys;
  }

  /** Converts the batch once, keeping only its summary and whether it has anything to store. */
  function converterOf(source: { items: RawItems | null }) {
    const converted = { summary: null as IngestSummary | null, storesSomething: false };
    return {
      converted,
      convert(): ConvertedBatch {
        const items = source.items;
        source.items = null;
        if (items === null) throw new Error("a batch is converted once");
        const batch = convertBatch(typeof items === "function" ? items() : items);
        converted.summary = batch.summary;
        converted.storesSomething = batch.converted.length > 0;
        return batch;
      },
    };
  }

  /** Stores a batch, again while it fails only for a conflict with another (see CONFLICT_ATTEMPTS). */
  async function storeBatchRetryingConflicts(clusterName: string, source: { items: RawItems | null }): Promise<IngestSummary> {
    // Kept only when it is a function: an array kept here would stay alive while it is stored.
    const readAgain = typeof source.items === "function" ? source.items : null;
    for (let attempt = 1; ; attempt++) {
      const progress = { committed: false };
      try {
        return await storeBatch(clusterName, source, progress);
      } catch (error) {
        if (readAgain === null || progress.committed || attempt >= CONFLICT_ATTEMPTS || !isConflict(error)) throw error;
        source = { items: readAgain };
      }
    }
  }

  async function storeBatch(clusterName: string, source: { items: RawItems | null }, progress: { committed: boolean }): Promise<IngestSummary> {
    const converter = converterOf(source);
    let knownClusterId = clusters.known(clusterName);
    // A cluster's first batch is converted before its transaction: the cluster's row is made only
    // for a batch with something to store, and outside the transaction (on PGlite, whose one
    // connection the transaction holds, the insert would wait for it to end).
    const early = { batch: null as ConvertedBatch | null };
    if (knownClusterId === undefined) {
      early.batch = converter.convert();
      if (!converter.converted.storesSomething) return early.batch.summary;
      knownClusterId = await clusters.idOf(clusterName);
    }
    const clusterId = knownClusterId;
    let committed: CommittedEntryKey[] = [];
    // What a batch larger than one transaction takes is left for the transactions after the first.
    let rest: ConvertedAuditEvent[] = [];
    let changeOptions: ChangeOptions = {};
    const cluster = { id: clusterId, name: clusterName };
    let sightingsStored: Promise<void> = Promise.resolve();
    try {
      await db.transaction(async (tx) => {
        // Converted while BEGIN is on its way: reading and converting a batch takes longer than the round trip.
        const batch = early.batch ?? converter.convert();
        early.batch = null;
        changeOptions = changeOptionsFor(clusterName, batch);
        sightingsStored = storeNewSightings(clusterName);
        if (batch.converted.length === 0) return;
        rest = batch.converted.splice(firstPartLength(batch.converted, linkers, limits));
        committed = await storeConverted(tx, cluster, batch, changeOptions);
      });
    } catch (error) {
      await sightingsStored;
      // The transaction never began (no connection), so the batch is not converted yet: it is
      // now, to tell whether it needed the database at all.
      if (source.items !== null) converter.convert();
      const { summary, storesSomething } = converter.converted;
      if (summary !== null && !storesSomething) return summary;
      throw error;
    }
    progress.committed = true;
    const summary = converter.converted.summary!;
    notifyCommitted(clusterId, clusterName, committed);
    await sightingsStored;
    // In order, each once the one before is committed: a later write to an object is diffed
    // against the state an earlier part left. Should one fail, the parts before it stay stored,
    // and the sender's retry finds them among the duplicates.
    while (rest.length > 0) {
      const part: ConvertedBatch = { summary, converted: rest.splice(0, firstPartLength(rest, linkers, limits)), versionSightings: new VersionTimeline() };
      notifyCommitted(clusterId, clusterName, await db.transaction((tx) => storeConverted(tx, cluster, part, changeOptions)));
    }
    return summary;
  }

  /**
   * Stores the cluster's version sightings the database does not have (a statement only when a
   * batch names a version new to it, or seen earlier than stored). Sent as soon as the batch is
   * converted, outside its transaction (on its own connection; on PGlite once the transaction
   * ends), so that another ingestor storing a binding or an eviction at the same time reads it
   * (readsStoredVersions) as early as can be. Failing, it is tried again with the next batch:
   * the sightings are kept in memory meanwhile. Never rejects.
   */
  async function storeNewSightings(clusterName: string): Promise<void> {
    try {
      await clusters.storeSightings(clusterName);
    } catch {
      // Tried again with the next batch.
    }
  }

  function notifyCommitted(clusterId: number, cluster: string, historyEntries: CommittedEntryKey[]): void {
    if (historyEntries.length === 0 || !hooks.onCommitted) return;
    try {
      hooks.onCommitted({ clusterId, cluster, historyEntries });
    } catch {
      // The batch is stored; a failing observer must not turn that into an error.
    }
  }

  return {
    ingest(clusterName, rawItems) {
      // Handed over in a holder that conversion empties: neither this function nor the async
      // ones behind it keep the raw events alive while the batch is stored.
      return storeBatchRetryingConflicts(clusterName, { items: rawItems });
    },
  };
}
