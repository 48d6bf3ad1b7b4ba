import { compareResourceVersions } from "../../k8s/resourceVersionOrder";
import type { KnownObject } from "./observeWatchedChange";

/** Why a known object a complete list did not bring is not judged gone (NotListed.undecided). */
export type UndecidedReason = "stored-newer" | "unordered";

/** What a complete list tells of the known objects it did not bring (KnownObjects.notListed). */
export interface NotListed {
  /** Deleted since they were known: each to be handed over as gone. */
  gone: KnownObject[];
  /** Known only from the store, and not the list's to judge: why, for each. */
  undecided: Array<{ known: KnownObject; reason: UndecidedReason }>;
}

/**
 * The objects a watch source knows to exist, by uid: their last resourceVersion and identity, a
 * few hundred bytes each and never a body. A relist tells which of them were deleted while the
 * watch was down (client-go's DeletedFinalStateUnknown): those it no longer brings. What the
 * store held as existing before the source's first list (learnStored) is known too: after a
 * restart the first list then tells what was deleted while Kubetrail was down.
 */
export class KnownObjects {
  private readonly byUid = new Map<string, KnownObject>();
  /** Uids known only from the store (learnStored): neither listed nor watched by this source yet. */
  private readonly onlyStored = new Set<string>();
  /** The uids the list under way has brought; null between lists. */
  private listed: Set<string> | null = null;

  get size(): number {
    return this.byUid.size;
  }

  /**
   * What the store held as existing of the collection (stored by this source before a restart, or
   * by another replica): known as if watched, so a list brings nothing unchanged again and tells
   * which of them are gone. What the source knows itself already is kept.
   */
  learnStored(objects: readonly KnownObject[]): void {
    for (const known of objects) {
      if (this.byUid.has(known.object.uid)) continue;
      this.byUid.set(known.object.uid, known);
      this.onlyStored.add(known.object.uid);
    }
  }

  /** A list starts (again): what it brings is counted from here. */
  listStarting(): void {
    this.listed = new Set();
  }

  /**
   * The list under way brought `listed`; true when it is known at its resourceVersion already
   * (nothing new to hand over). Listed, it is this source's own from here, even unchanged, and
   * known as listed: the store's identities (learnStored) do not tell a deletion request's
   * deletionTimestamp, without which the next version with it (a finalizer removed) would read
   * as a second request.
   */
  listedUnchanged(listed: KnownObject): boolean {
    const { uid } = listed.object;
    this.listed?.add(uid);
    this.onlyStored.delete(uid);
    if (this.byUid.get(uid)?.resourceVersion !== listed.resourceVersion) return false;
    this.byUid.set(uid, listed);
    return true;
  }

  /**
   * The objects known that the list now complete, read at `listVersion`, did not bring. Those this
   * source listed or watched were deleted since. Those only the store told of were deleted too
   * when stored at or before the list's version; one stored at a newer version (another replica,
   * watching, stored it after this list was read) is not the list's to judge, nor one whose
   * version cannot be ordered against the list's (not etcd's decimal versions).
   */
  notListed(listVersion: string): NotListed {
    const listed = this.listed ?? new Set<string>();
    const result: NotListed = { gone: [], undecided: [] };
    for (const known of this.byUid.values()) {
      if (listed.has(known.object.uid)) continue;
      if (!this.onlyStored.has(known.object.uid)) {
        result.gone.push(known);
        continue;
      }
      const order = compareResourceVersions(known.resourceVersion, listVersion);
      if (order === null) result.undecided.push({ known, reason: "unordered" });
      else if (order > 0) result.undecided.push({ known, reason: "stored-newer" });
      else result.gone.push(known);
    }
    return result;
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
    this.onlyStored.delete(known.object.uid);
  }

  /** Deleted, or gone, or left for the watch to tell (undecided). */
  forget(uid: string): void {
    this.byUid.delete(uid);
    this.onlyStored.delete(uid);
  }
}
