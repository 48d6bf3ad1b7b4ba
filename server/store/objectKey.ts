import crypto from "node:crypto";
import type { ObjectIdentity } from "../ingest/audit/types";
import { prepared, type Sql } from "./database";

/** The name-based identity of an object (all incarnations of a name share it). */
export function objectKeyOf(clusterId: number, o: Pick<ObjectIdentity, "apiGroup" | "resource" | "namespace" | "name">): string {
  return `${clusterId}\u0000${o.apiGroup}\u0000${o.resource}\u0000${o.namespace}\u0000${o.name}`;
}

/**
 * A 64-bit advisory-lock id for an object key, as a decimal string (Postgres bigint).
 * Concurrent batches touching the same object serialise on it; others don't wait.
 */
export function advisoryLockIdOf(objectKey: string): string {
  // The first 8 bytes of the key's SHA-1, signed: the same ids as every earlier version, so
  // replicas of two versions still serialise on the same objects. crypto.hash's one call
  // costs less than half of a Hash object's three, and this runs for every object of a batch.
  return BigInt.asIntN(64, BigInt(`0x${crypto.hash("sha1", objectKey).slice(0, 16)}`)).toString();
}

/**
 * The advisory-lock id of a uid in a cluster: taken by a batch that brings the uid of an object
 * whose name relations may not give (a custom resource written at Metadata level, which tells no
 * kind), exclusively, and by one about to make a placeholder holding it, shared (docs/storage.md,
 * "Locks"). Its key cannot be an object's: those begin with the cluster's id.
 */
export function uidLockIdOf(clusterId: number, uid: string): string {
  return advisoryLockIdOf(`uid\u0000${clusterId}\u0000${uid}`);
}

/** Takes the advisory locks `lockIds` exclusively, in order, until the transaction ends. */
export function lockIdsExclusive(sql: Sql, lockIds: readonly string[]): Promise<unknown> {
  return sql.query(prepared("kt_lock_ids", `SELECT pg_advisory_xact_lock(id) FROM unnest($1::bigint[]) AS t(id) ORDER BY id`), [[...lockIds]]);
}

/**
 * Takes the advisory locks `lockIds` in shared mode, in order, until the transaction ends: the
 * mode in which a batch holds the names of objects it does not write but must not see pruned
 * (docs/storage.md, "Locks"). Statements sent behind it start once every lock is held.
 */
export function lockNamesShared(sql: Sql, lockIds: readonly string[]): Promise<unknown> {
  return sql.query(prepared("kt_lock_names_shared", `SELECT pg_advisory_xact_lock_shared(id) FROM unnest($1::bigint[]) AS t(id) ORDER BY id`), [[...lockIds]]);
}
