import type { KnownObject } from "./observeWatchedChange";

/**
 * The objects a watch source knows to exist, by uid: their last resourceVersion and identity, a
 * few hundred bytes each and never a body. A relist tells which of them were deleted while the
 * watch was down (client-go's DeletedFinalStateUnknown): those it no longer brings.
 */
export class KnownObjects {
  private readonly byUid = new Map<string, KnownObject>();
  /** The uids the list under way has brought; null between lists. */
  private listed: Set<string> | null = null;

  get size(): number {
    return this.byUid.size;
  }

  /** A list starts (again): what it brings is counted from here. */
  listStarting(): void {
    this.listed = new Set();
  }

  /** The list under way brought `uid`; true when it is known at `resourceVersion` already (nothing new to hand over). */
  listedUnchanged(uid: string, resourceVersion: string): boolean {
    this.listed?.add(uid);
    return this.byUid.get(uid)?.resourceVersion === resourceVersion;
  }

  /** The objects known that the list now complete did not bring. */
  notListed(): KnownObject[] {
    const listed = this.listed ?? new Set<string>();
    return [...this.byUid.values()].filter((known) => !listed.has(known.object.uid));
  }

  /** The list is over (its gone objects handed over): counting stops. */
  listDone(): void {
    this.listed = null;
  }

  /** What is known of `uid`: its last version stored. */
  get(uid: string): KnownObject | null {
    return this.byUid.get(uid) ?? null;
  }

  /** Seen at this version (listed, added, modified). */
  seen(known: KnownObject): void {
    this.byUid.set(known.object.uid, known);
  }

  /** Deleted, or gone. */
  forget(uid: string): void {
    this.byUid.delete(uid);
  }
}
