import { diffObjects } from "../../model/diff/diff";
import { stateBefore } from "../../model/diff/reverse";
import { predatesEffects } from "./subresourceEffect";
import type { DiffEntry, JsonObject } from "./types";

/**
 * Where writes that arrived late belong in their object's history. The apiserver's webhook sends
 * batches concurrently, and Kubetrail stores several at once, so a write can arrive after a
 * newer version of its object. By then the write that overtook it has been diffed against the
 * version before both, and shows both changes. Given the stored entries since, this finds the
 * version each late write was made on, and the entries whose diff must now start from the late
 * write's version instead, as if everything had arrived in order.
 *
 * The versions in between are rebuilt from the newest one by undoing the stored diffs, one entry
 * at a time (model/diff/reverse.ts). Where that cannot be done (a redacted change, an entry
 * without a diff, a gap in the chain of resourceVersions), a late write is left unplaced.
 */

/** A stored history entry that took its object from one version to the next. */
export interface VersionStep<Ref> {
  ref: Ref;
  /** The version its diff starts from; null when it was diffed against nothing (no version was known before it). */
  resourceVersionBefore: string | null;
  /**
   * When its diff starts from a state that changes which told no version (a binding) made of
   * a version told, `<told>+<n>` (server/store/stateVersion.ts): that version told, `<told>`.
   */
  toldBefore?: string;
  resourceVersionAfter: string;
  /** null when the entry has none (a create's snapshot, a write whose base was unknown). */
  diff: DiffEntry[] | null;
  /** It created the object: no version came before it. */
  creates: boolean;
  /**
   * Its version's state was made of the one before it and what the write did (a Scale's
   * replicas: AuditWrite.effect), not told whole: a write made between the two is not in it.
   */
  madeOfPrevious?: boolean;
}

export interface ObjectVersion {
  resourceVersion: string;
  state: JsonObject;
}

export interface LateWrite {
  /** Its resourceVersion: decimal, as etcd's are (the caller checks). */
  resourceVersion: string;
  /**
   * The object as the write left it; or, for a write whose answer is not its object but tells
   * its version (a Scale: AuditWrite.effect), how it made the object of the version it was made
   * on (null: it cannot). Such a write goes only on a version rebuilt whole, never below every
   * version known, nor on one made of an untold change (whose place among versions is unknown).
   */
  body: JsonObject | MadeOf;
  /** It created the object (an old log imported after a newer one): it can only go before every version known. */
  creates?: boolean;
}

/** The object a write made of the version it was made on. */
export type MadeOf = (made: JsonObject) => JsonObject | null;

/** Where a late write goes: on a known version, on nothing known (it came before every version known), or nowhere. */
export type LatePlacement = { placed: true; base: ObjectVersion | null } | { placed: false };

export interface LatePlacements<Ref> {
  /** One per late write, in the order given. */
  placements: LatePlacement[];
  /** Stored entries that now follow a late write: their new diff, and the version it starts from (the last late write's). */
  rediffed: Map<Ref, { resourceVersionBefore: string; diff: DiffEntry[] }>;
}

interface Version {
  resourceVersion: bigint;
  text: string;
  state: JsonObject;
  /** The stored entry that made this version from the one below it. */
  madeBy: VersionStep<unknown> | null;
  /** Nothing below this version can be rebuilt, but a late write may still go under it: its maker was diffed against nothing. */
  openBelow: boolean;
  /**
   * Made of `resourceVersion` by changes that told no version (VersionStep.toldBefore; `text` is
   * `<rv>+<n>`): its own is newer, and unknown. Nothing below it is rebuilt: a change that
   * tells no version is no step.
   */
  untold?: boolean;
}

/**
 * Places `late` (each older than `newest`, the version held) among the versions `steps` lead
 * to. `steps` are the object's stored entries whose resourceVersionAfter is newer than the oldest
 * late write (more do no harm); entries that made no new version (no-ops) are ignored.
 */
export function placeLateWrites<Ref>(newest: ObjectVersion, steps: ReadonlyArray<VersionStep<Ref>>, late: readonly LateWrite[]): LatePlacements<Ref> {
  const placements: LatePlacement[] = late.map(() => ({ placed: false }));
  const rediffed = new Map<Ref, { resourceVersionBefore: string; diff: DiffEntry[] }>();
  if (late.length === 0) return { placements, rediffed };
  const order = late.map((_, i) => i).sort((a, b) => compare(BigInt(late[a]!.resourceVersion), BigInt(late[b]!.resourceVersion)));
  const oldest = BigInt(late[order[0]!]!.resourceVersion);
  const versions = rebuildVersions(newest, steps, oldest);
  // Nothing of this object comes before its create.
  const creates = late.filter((w) => w.creates).map((w) => BigInt(w.resourceVersion));
  const created = creates.length > 0 ? creates.reduce((a, b) => (a < b ? a : b)) : null;

  for (const i of order) {
    const write = late[i]!;
    const rv = BigInt(write.resourceVersion);
    if (created !== null && rv < created) continue;
    const madeOf = typeof write.body === "function" ? write.body : null;
    // versions run newest first: the first one not newer than the write is the one it was made on.
    const below = versions.findIndex((v) => v.resourceVersion <= rv);
    // A version made of another without telling its own (a binding) has only a newer write
    // above it, and only one showing what made it: an older write is missing from its state. A
    // write whose body is made of the version below it cannot show that: what it was made on is
    // the untold change or the version before it, which nothing tells.
    if (below >= 0 && versions[below]!.untold && (versions[below]!.resourceVersion === rv || madeOf !== null || predatesEffects(write.body as JsonObject, versions[below]!.state))) continue;
    if (below >= 0 && versions[below]!.resourceVersion === rv) {
      // The write left the version as it was (a no-op update, or the version's own write again).
      placements[i] = { placed: true, base: publicVersion(versions[below]!) };
      continue;
    }
    if (below === 0) continue; // newer than every version known: not late
    const bottom = versions[versions.length - 1]!;
    if (below < 0 && (!bottom.openBelow || madeOf !== null)) continue;
    if (write.creates && below >= 0) continue; // a create after a version of its object: not this object's create
    const above = below < 0 ? bottom : versions[below - 1]!;
    const maker = above.madeBy as VersionStep<Ref> | null;
    // A version made of the one before it by a Scale lacks this write, made between the two:
    // diffed against the write, the Scale would undo it.
    if (maker === null || maker.madeOfPrevious) continue;
    const body = madeOf === null ? (write.body as JsonObject) : madeOf(versions[below]!.state);
    if (body === null) continue;
    placements[i] = { placed: true, base: below < 0 ? null : publicVersion(versions[below]!) };
    rediffed.set(maker.ref, { resourceVersionBefore: write.resourceVersion, diff: diffObjects(body, above.state) });
    // Nothing comes before a create.
    const version: Version = { resourceVersion: rv, text: write.resourceVersion, state: body, madeBy: null, openBelow: below < 0 && !write.creates };
    if (below < 0) {
      bottom.openBelow = false;
      versions.push(version);
    } else {
      versions.splice(below, 0, version);
    }
  }
  return { placements, rediffed };
}

/** The versions from `newest` down to the first one not newer than `oldest`, or as far as they can be rebuilt. */
function rebuildVersions(newest: ObjectVersion, steps: ReadonlyArray<VersionStep<unknown>>, oldest: bigint): Version[] {
  const makers = new Map<string, VersionStep<unknown> | null>();
  for (const step of steps) {
    if (step.resourceVersionBefore === step.resourceVersionAfter) continue; // a no-op made no version
    // Two entries claiming to have made one version: which came first is unknown, so neither is used.
    makers.set(step.resourceVersionAfter, makers.has(step.resourceVersionAfter) ? null : step);
  }
  const versions: Version[] = [{ resourceVersion: BigInt(newest.resourceVersion), text: newest.resourceVersion, state: newest.state, madeBy: null, openBelow: false }];
  for (;;) {
    const current = versions[versions.length - 1]!;
    if (current.resourceVersion <= oldest) break;
    const maker = makers.get(current.text);
    if (!maker || maker.creates) break;
    current.madeBy = maker;
    if (maker.resourceVersionBefore === null) {
      current.openBelow = maker.diff === null;
      break;
    }
    const told = maker.toldBefore ?? maker.resourceVersionBefore;
    if (maker.diff === null || !isDecimal(told)) break;
    const before = stateBefore(current.state, maker.diff);
    if (before === null) break;
    const resourceVersion = BigInt(told);
    if (resourceVersion >= current.resourceVersion) break; // not a chain that goes back in time
    // A version made without telling it is not below any step's (they name versions told): the rebuild stops there.
    versions.push({ resourceVersion, text: maker.resourceVersionBefore, state: before, madeBy: null, openBelow: false, untold: maker.toldBefore !== undefined });
  }
  return versions;
}

function publicVersion(version: Version): ObjectVersion {
  return { resourceVersion: version.text, state: version.state };
}

const compare = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);

/** etcd's resourceVersions: what isOlderThanState (server/store/stateVersion.ts) compares. */
export function isDecimal(resourceVersion: string): boolean {
  return /^\d{1,30}$/.test(resourceVersion);
}
