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
export class StateCache {
  private readonly entries = new Map<number, { resourceVersion: string; state: Buffer; key: string | null }>();
  /** The object id cached under each object key (objectKeyOf), for versionFor. */
  private readonly idsByKey = new Map<string, number>();

  constructor(private readonly capacity: number) {}

  /**
   * The resourceVersion of the state cached for the object named by `key` (objectKeyOf), as
   * given to `set`: the name lookup sends it, so that the database returns a state with the
   * object's row only when the cache does not hold that version.
   */
  versionFor(key: string): string | null {
    const id = this.idsByKey.get(key);
    return id === undefined ? null : (this.entries.get(id)?.resourceVersion ?? null);
  }

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

  /** `key`: the object's objectKeyOf, when it is to be found by versionFor. */
  set(objectId: number, resourceVersion: string | null, state: string, key: string | null = null): void {
    this.forget(objectId);
    if (resourceVersion === null || this.capacity === 0) return;
    // Exactly sized, and not a slice of Buffer's shared pool, which a cached slice would keep alive whole.
    const bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(state, "utf8"));
    bytes.write(state, 0, "utf8");
    this.entries.set(objectId, { resourceVersion, state: bytes, key });
    if (key !== null) this.idsByKey.set(key, objectId);
    if (this.entries.size > this.capacity) this.forget(this.entries.keys().next().value!);
  }

  private forget(objectId: number): void {
    const entry = this.entries.get(objectId);
    if (!entry) return;
    this.entries.delete(objectId);
    if (entry.key !== null && this.idsByKey.get(entry.key) === objectId) this.idsByKey.delete(entry.key);
  }

  /** Forgets everything (after a rolled-back transaction, what was set may not be stored). */
  clear(): void {
    this.entries.clear();
    this.idsByKey.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
