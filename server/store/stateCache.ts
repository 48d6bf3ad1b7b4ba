import { Buffer } from "node:buffer";

/**
 * Recently written object states, by object id, so that the next write to the same object
 * needs only the state's resourceVersion from the database (a narrow read) instead of its
 * whole body. An entry is used only when the database's resourceVersion still matches: a
 * write by another replica, or anything else that changed the stored state, is noticed.
 * Bounded (least recently used entries go first), so memory stays flat.
 *
 * States are kept as JSON text, not parsed: a parsed body takes five to ten times the memory
 * of its text, and is a hundred small objects or so that every full collection must trace.
 * The text is made anyway, to store the state; parsing it back is the price.
 *
 * The text is kept as UTF-8 bytes outside V8's heap. Kept as a string, every state (a couple
 * of kilobytes, one per write) would be copied by two young-generation collections and then
 * promoted, only to become old-generation garbage at the object's next write.
 */
export interface StateCacheLimits {
  /** Entries kept at most. */
  objects: number;
  /** UTF-8 bytes of state kept at most: an object may be up to about 1.5 MB (etcd's limit), so a count alone bounds nothing. */
  bytes: number;
}

export class StateCache {
  private readonly entries = new Map<number, { resourceVersion: string; state: Buffer }>();
  private bytes = 0;

  constructor(private readonly limits: StateCacheLimits) {}

  /** The cached state of `objectId` when its resourceVersion is `resourceVersion`. */
  get(objectId: number, resourceVersion: string | null): string | null {
    if (resourceVersion === null) return null;
    const entry = this.entries.get(objectId);
    if (!entry || entry.resourceVersion !== resourceVersion) return null;
    // Re-insert: a Map iterates in insertion order, so the first key is the least recently used.
    this.entries.delete(objectId);
    this.entries.set(objectId, entry);
    return entry.state.toString("utf8");
  }

  set(objectId: number, resourceVersion: string | null, state: string): void {
    this.forget(objectId);
    if (resourceVersion === null || this.limits.objects === 0) return;
    const length = Buffer.byteLength(state, "utf8");
    if (length > this.limits.bytes) return;
    // Exactly sized, and not a slice of Buffer's shared pool, which a cached slice would keep alive whole.
    const bytes = Buffer.allocUnsafeSlow(length);
    bytes.write(state, 0, "utf8");
    this.entries.set(objectId, { resourceVersion, state: bytes });
    this.bytes += length;
    while (this.entries.size > this.limits.objects || this.bytes > this.limits.bytes) this.forget(this.entries.keys().next().value!);
  }

  /** Forgets everything (after a rolled-back transaction, what was set may not be stored). */
  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }

  get size(): number {
    return this.entries.size;
  }

  /** UTF-8 bytes of the states kept. */
  get byteSize(): number {
    return this.bytes;
  }

  private forget(objectId: number): void {
    const entry = this.entries.get(objectId);
    if (!entry) return;
    this.entries.delete(objectId);
    this.bytes -= entry.state.length;
  }
}
