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
  return crypto.createHash("sha1").update(objectKey).digest().readBigInt64BE(0).toString();
}
