import { isDecimal } from "../ingest/audit/lateWrites";

/**
 * The version of a stored object state (object_states.resource_version, the audit writer's
 * ObjectRow.resourceVersion). Most states are a body a response told, stored under its
 * resourceVersion. A write that changes its object without telling the version it made (a
 * binding, an eviction, a Scale at Request level: AuditWrite.effect) leaves a state that is the told one plus
 * that change, stored as `<told>+<n>`: n such changes since the version told. So:
 *
 * - a state cache keyed by it (stateCache.ts) never takes a body cached under `<told>` (by another
 *   worker or process, before the change) for the state after it: the two differ;
 * - the version that orders writes stays known: a write of `<told>` or older arriving now is late
 *   (and so is a newer one whose body lacks the changes: auditWriter.ts, predatesUntoldChanges);
 * - the next write names `<told>+<n>` as its version before, which is what its diff starts from:
 *   were it `<told>`, the versions rebuilt to place late writes (lateWrites.ts) would go below it
 *   through that diff, and so hold the untold changes where they had not been made.
 */

/** The resourceVersion last told of a state's version (itself for a told state); null when none was. */
export function toldVersion(version: string | null): string | null {
  if (version === null) return null;
  const plus = version.indexOf("+");
  return plus < 0 ? version : version.slice(0, plus);
}

/** The version of the state that a change which told no version made of a state of `version`; null stays null (nothing was told). */
export function afterUntoldChange(version: string | null): string | null {
  if (version === null) return null;
  const plus = version.indexOf("+");
  if (plus < 0) return `${version}+1`;
  return `${version.slice(0, plus)}+${Number(version.slice(plus + 1)) + 1}`;
}

/**
 * Whether a write that made resourceVersion `written` is older than the state of `version`: before
 * the version told, or that version itself when changes made since told none. Kubernetes calls
 * resourceVersions opaque, but every apiserver backed by etcd hands out increasing integers;
 * anything else is never older.
 */
export function isOlderThanState(written: string | null, version: string | null): boolean {
  const told = toldVersion(version);
  if (written === null || told === null || !isDecimal(written) || !isDecimal(told)) return false;
  const a = BigInt(written);
  const b = BigInt(told);
  return a < b || (a === b && told !== version);
}
