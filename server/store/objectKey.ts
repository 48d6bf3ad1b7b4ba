import crypto from "node:crypto";
import type { ObjectIdentity } from "../ingest/audit/types";

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
