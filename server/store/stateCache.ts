import { Buffer } from "node:buffer";
import { isOlderVersion } from "./resourceVersion";
import type { SharedStates } from "./stateSharing";

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
 *
 * A batch's states are kept as views into one buffer (SharedStates, which is also what the
 * other ingest workers receive): one allocation per batch, not one per state. A buffer stays
 * alive while any of its states is cached, so the bound is on the bytes of the buffers held as
 * well as on the number of entries. (With a buffer per state, twice the buffers that sharing
 * brings made V8's full collections 47% longer in the ingest benchmark.)
 */
export class StateCache {
  private readonly entries = new Map<number, { resourceVersion: string; state: Uint8Array }>();
  /** How many entries hold a view into each buffer. */
  private readonly holders = new Map<ArrayBufferLike, number>();
  private heldBytes = 0;

  /**
   * `capacity`: entries at most. `maxHeldBytes`: the buffers that cached states are views into,
   * at most (one entry may exceed it: the cache then holds that one alone).
   */
  constructor(
    private readonly capacity: number,
    private readonly maxHeldBytes = Number.POSITIVE_INFINITY,
  ) {}

  /** The cached state of `objectId` when its resourceVersion is `resourceVersion`. */
  get(objectId: number, resourceVersion: string | null): string | null {
    if (resourceVersion === null) return null;
    const entry = this.entries.get(objectId);
    if (!entry || entry.resourceVersion !== resourceVersion) return null;
    // Re-insert: a Map iterates in insertion order, so the first key is the least recently used.
    this.entries.delete(objectId);
    this.entries.set(objectId, entry);
    const { state } = entry;
    return Buffer.from(state.buffer, state.byteOffset, state.byteLength).toString("utf8");
  }

  /** One state this thread stored. */
  set(objectId: number, resourceVersion: string | null, state: string): void {
    this.forget(objectId);
    if (resourceVersion === null || this.capacity === 0) return;
    // Exactly sized, and not a slice of Buffer's shared pool, which a cached slice would keep alive whole.
    const bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(state, "utf8"));
    bytes.write(state, 0, "utf8");
    this.keep(objectId, resourceVersion, bytes);
  }

  /**
   * The states of a batch, packed (stateSharing.ts's packStates): stored by this thread, or by
   * another worker (`fromOtherWorker`). Another worker's message can arrive after this thread's
   * own, later write of an object: a state older than the one held is not kept.
   */
  setPacked(packed: SharedStates, options: { fromOtherWorker: boolean }): void {
    if (this.capacity === 0) return;
    const { objectIds, resourceVersions, ends, utf8 } = packed;
    let start = 0;
    for (let i = 0; i < objectIds.length; i++) {
      const objectId = objectIds[i]!;
      const resourceVersion = resourceVersions[i]!;
      const end = ends[i]!;
      const state = utf8.subarray(start, end);
      start = end;
      const held = this.entries.get(objectId);
      if (options.fromOtherWorker && held && isOlderVersion(resourceVersion, held.resourceVersion)) continue;
      this.forget(objectId);
      this.keep(objectId, resourceVersion, state);
    }
  }

  /** Forgets everything (after a rolled-back transaction, what was set may not be stored). */
  clear(): void {
    this.entries.clear();
    this.holders.clear();
    this.heldBytes = 0;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Bytes of the buffers that cached states are views into. */
  get bytesHeld(): number {
    return this.heldBytes;
  }

  private keep(objectId: number, resourceVersion: string, state: Uint8Array): void {
    this.entries.set(objectId, { resourceVersion, state });
    const holders = this.holders.get(state.buffer) ?? 0;
    this.holders.set(state.buffer, holders + 1);
    if (holders === 0) this.heldBytes += state.buffer.byteLength;
    while (this.entries.size > this.capacity || (this.heldBytes > this.maxHeldBytes && this.entries.size > 1)) {
      this.forget(this.entries.keys().next().value!);
    }
  }

  private forget(objectId: number): void {
    const entry = this.entries.get(objectId);
    if (!entry) return;
    this.entries.delete(objectId);
    const buffer = entry.state.buffer;
    const holders = this.holders.get(buffer)! - 1;
    if (holders > 0) {
      this.holders.set(buffer, holders);
      return;
    }
    this.holders.delete(buffer);
    this.heldBytes -= buffer.byteLength;
  }
}
