import { claimsOf } from "../../model/links/claims";
import { clusterScopedNameToLock, nameRelationsGuess, newerGroupNameToLock, uidToLockFor } from "../../model/links/references";
import type { Sql } from "../../store/database";
import type { Linker } from "../../model/links/types";
import { MAX_EVENTS_PER_TRANSACTION } from "./defaults";
import type { ConvertedAuditEvent } from "./types";

/**
 * How much of a batch one transaction stores. A transaction holds, until it commits, an
 * advisory lock on each object it writes (two for a custom resource whose plural its kind does
 * not give, nameRelationsGuess, and for an object written through `extensions`,
 * newerGroupNameToLock) and, for each object its relations name, a shared
 * lock and (when that object is not stored yet) one to create its placeholder, and one on the
 * cluster-scoped name of an object whose scope the relation guessed (clusterScopedNameToLock) or
 * on the newer group's name of one named through `extensions` by uid; and one on the uid a custom
 * resource's write that tells no kind brings, or that a relation naming a custom resource gives
 * (uidToLockFor).
 * (Not counted: the name of a placeholder a write finds by uid, or by another API group's name for
 * a write that gives no uid, locked once, as it then takes the write's name; auditWriter.ts,
 * settleRowsNamedElsewhere.) All
 * connections share Postgres's lock table: max_locks_per_transaction × max_connections, 6,400
 * by default, with four ingest writers and retention taking turns in it. One 400-event batch of
 * EndpointSlices naming 20 Pods each needed some 16,000 and failed with "out of shared memory",
 * every time it was resent.
 */
export interface TransactionLimits {
  /** Events per transaction. */
  events: number;
  /**
   * Locks a transaction may need, counted as distinct objects written (and the names relations
   * guess for them, where that is not theirs, or the newer group gives them) plus twice the
   * distinct objects their relations name, and once more each of those that may be
   * cluster-scoped or is named through `extensions` by uid, and once each uid locked.
   */
  locks: number;
}

export const TRANSACTION_LIMITS: TransactionLimits = { events: MAX_EVENTS_PER_TRANSACTION, locks: 1000 };

/**
 * The share of the lock table that ingest's transactions may hold together: the rest is left to
 * retention, queries, an import running beside the server, and whatever else uses the same
 * Postgres. At Postgres's defaults (6,400) and four writers, that is TRANSACTION_LIMITS' 1,000 each.
 */
const INGEST_SHARE_OF_LOCK_TABLE = 5 / 8;

/**
 * The limits for `writers` transactions at once (KUBETRAIL_INGEST_CONCURRENCY) sharing a lock
 * table of `lockTableSize` entries: TRANSACTION_LIMITS, with fewer locks each when more writers
 * or a smaller table would let them run it out together. Postgres's table takes more than its
 * nominal size before it fails (on these machines some 12,000 of a nominal 6,400), but how much
 * more depends on the rest of its shared memory, so the nominal size is what is divided.
 */
export function transactionLimitsFor(lockTableSize: number, writers: number): TransactionLimits {
  const share = Math.floor((lockTableSize * INGEST_SHARE_OF_LOCK_TABLE) / Math.max(1, writers));
  return { events: TRANSACTION_LIMITS.events, locks: Math.max(1, Math.min(TRANSACTION_LIMITS.locks, share)) };
}

/** The lock table's nominal size: max_locks_per_transaction × (max_connections + max_prepared_transactions). */
export async function readLockTableSize(sql: Sql): Promise<number> {
  const result = await sql.query<{ size: number }>(
    `SELECT current_setting('max_locks_per_transaction')::int
            * (current_setting('max_connections')::int + current_setting('max_prepared_transactions')::int) AS size`,
  );
  return Number(result.rows[0]!.size);
}

/**
 * How many of `events`, from the first, one transaction stores: all of them up to the limits,
 * and always at least one. Runs the linkers on each write's body to count the objects its
 * relations name, and keeps their claims on the write (`claims`), so that the store need not
 * run them again on the same body.
 */
export function firstPartLength(events: readonly ConvertedAuditEvent[], linkers: readonly Linker[], limits: TransactionLimits = TRANSACTION_LIMITS): number {
  const written = new Set<string>();
  const named = new Set<string>();
  // Named objects whose other name is locked too: the cluster-scoped one, or the newer group's.
  const lockedTwice = new Set<string>();
  // Uids locked: a custom resource's, brought by a write that tells no kind or given by a relation.
  const uids = new Set<string>();
  const length = Math.min(events.length, limits.events);
  for (let i = 0; i < length; i++) {
    const event = events[i]!;
    if (event.kind !== "write") continue;
    written.add(nameKey(undefined, event.object));
    const guessed = event.object.kind === null ? null : nameRelationsGuess(event.object);
    if (guessed !== null) written.add(nameKey(undefined, guessed));
    const newer = newerGroupNameToLock(event.object);
    if (newer !== null) written.add(nameKey(undefined, newer));
    if (event.object.kind === null && event.object.uid !== null) uids.add(`\u0000${event.object.uid}`);
    if (event.bodyAfter !== null) {
      event.claims ??= claimsOf(linkers, event.bodyAfter, event.object);
      for (const claim of event.claims) {
        const key = nameKey(claim.other.cluster, claim.other);
        named.add(key);
        if (clusterScopedNameToLock(claim.other) || (claim.other.uid && newerGroupNameToLock(claim.other))) lockedTwice.add(key);
        const uid = uidToLockFor(claim.other);
        if (uid !== null) uids.add(`${claim.other.cluster ?? ""}\u0000${uid}`);
      }
    }
    // A binding's Pod states its node from then on (its state after the write, which the store
    // makes: change.ts): the one object its claims name that its earlier state did not.
    if (event.effect?.kind === "binding") named.add(nameKey(undefined, { apiGroup: "", resource: "nodes", namespace: "", name: event.effect.nodeName }));
    if (i > 0 && written.size + 2 * named.size + lockedTwice.size + uids.size > limits.locks) return i;
  }
  return length;
}

function nameKey(cluster: string | undefined, o: { apiGroup: string; resource: string; namespace: string; name: string }): string {
  return `${cluster ?? ""}\u0000${o.apiGroup}\u0000${o.resource}\u0000${o.namespace}\u0000${o.name}`;
}
