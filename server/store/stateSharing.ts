import { Buffer } from "node:buffer";
import type { StateCache } from "./stateCache";

/**
 * Object states shared between ingest workers (server/ingest/workers). Each worker keeps its
 * own StateCache, and a batch goes to whichever worker is least busy, so the next write to an
 * object usually lands on a worker whose cache holds an older version: with two workers, about
 * half of all writes read the object's state back from Postgres (measured: 73,000 reads of
 * ~1.6 KB for 168,000 writes). After each commit a worker tells the others what it stored, so
 * their caches hold it too.
 *
 * Correctness never depends on it: a cached state is used only while its resourceVersion is
 * the one stored in the database, so a message that is late, lost or out of order costs a
 * read, never a wrong diff.
 */

/** A state as a committed batch stored it. */
export interface StoredState {
  objectId: number;
  resourceVersion: string | null;
  /** The state's JSON text, as stored in object_states. */
  text: string;
}

/** A batch's stored states in one message: a few typed arrays and one byte buffer clone far faster than hundreds of strings. */
export interface SharedStates {
  objectIds: Float64Array;
  resourceVersions: string[];
  /** Where each state's bytes end in `utf8`. */
  ends: Uint32Array;
  utf8: Uint8Array;
}

/** The states worth sharing (a state without a resourceVersion is never cached), packed; null when there are none. */
export function packStates(states: readonly StoredState[]): SharedStates | null {
  const kept = states.filter((s): s is StoredState & { resourceVersion: string } => s.resourceVersion !== null);
  if (kept.length === 0) return null;
  const ends = new Uint32Array(kept.length);
  let size = 0;
  for (let i = 0; i < kept.length; i++) ends[i] = size += Buffer.byteLength(kept[i]!.text, "utf8");
  // Not from Buffer's shared pool: a message clones the whole ArrayBuffer behind a view.
  const utf8 = Buffer.allocUnsafeSlow(size);
  let offset = 0;
  for (const state of kept) offset += utf8.write(state.text, offset, "utf8");
  return {
    objectIds: Float64Array.from(kept, (s) => s.objectId),
    resourceVersions: kept.map((s) => s.resourceVersion),
    ends,
    utf8,
  };
}

/**
 * Offers the states of a message from another worker to `cache`; returns how many. Anything
 * that is not a well-formed SharedStates is ignored (0): the cache is only an optimisation.
 */
export function receiveStates(cache: StateCache, message: unknown): number {
  if (!isSharedStates(message)) return 0;
  const { objectIds, resourceVersions, ends, utf8 } = message;
  let start = 0;
  for (let i = 0; i < objectIds.length; i++) {
    const end = ends[i]!;
    cache.offer(objectIds[i]!, resourceVersions[i]!, utf8.subarray(start, end));
    start = end;
  }
  return objectIds.length;
}

function isSharedStates(value: unknown): value is SharedStates {
  if (typeof value !== "object" || value === null) return false;
  const { objectIds, resourceVersions, ends, utf8 } = value as Partial<SharedStates>;
  if (!(objectIds instanceof Float64Array) || !(ends instanceof Uint32Array) || !(utf8 instanceof Uint8Array) || !Array.isArray(resourceVersions)) return false;
  const n = objectIds.length;
  if (ends.length !== n || resourceVersions.length !== n || !resourceVersions.every((rv) => typeof rv === "string")) return false;
  for (let i = 0, previous = 0; i < n; previous = ends[i]!, i++) {
    if (ends[i]! < previous || !Number.isSafeInteger(objectIds[i]!)) return false;
  }
  return n === 0 || ends[n - 1]! <= utf8.byteLength;
}
