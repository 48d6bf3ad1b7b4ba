import type { DiffEntry, JsonObject, JsonValue } from "../../ingest/audit/types";
import { isJsonObject } from "../../ingest/audit/types";
import { copyJson } from "../json/copyJson";
import { diffObjects, keySetsFor, labelUnder, type DiffOptions } from "./diff";

/**
 * Undoing a diff: the version of an object before a change, from the version after it and the
 * change's entries. It is what a write that arrived late needs (lateWrites.ts): the version it
 * was made on is only kept as the diff of the write that overtook it.
 */

/** One step of a diff path: an object's key, a list item by index, or a list item by its label (`name=nginx`). */
export type PathSegment = { key: string } | { index: number } | { label: string };

const IDENTIFIER_START = /[A-Za-z_]/;
const IDENTIFIER_PART = /[A-Za-z0-9_]/;
const INDEX = /^\d+$/;

/**
 * The segments of a path as diffObjects writes it (`spec.containers[name=nginx].image`,
 * `metadata.labels["app.kubernetes.io/name"]`, `status.conditions[type=Ready]`,
 * `spec.ports[port=53,protocol=UDP]`, `items[3]`), or null when it is not one.
 */
export function parseDiffPath(path: string): PathSegment[] | null {
  const segments: PathSegment[] = [];
  let i = 0;
  while (i < path.length) {
    const c = path[i]!;
    if (c === "[") {
      const end = closingBracket(path, i + 1);
      if (end < 0) return null;
      const inside = path.slice(i + 1, end);
      if (inside.startsWith('"')) {
        // A key that is not an identifier, as JSON text.
        let key: unknown;
        try {
          key = JSON.parse(inside);
        } catch {
          return null;
        }
        if (typeof key !== "string") return null;
        segments.push({ key });
      } else if (INDEX.test(inside)) {
        segments.push({ index: Number(inside) });
      } else if (inside.includes("=")) {
        segments.push({ label: inside });
      } else {
        return null;
      }
      i = end + 1;
      continue;
    }
    // An identifier: first in the path, or after a dot.
    if (c === ".") {
      if (segments.length === 0) return null;
      i++;
    } else if (segments.length > 0) {
      return null;
    }
    const start = i;
    if (i >= path.length || !IDENTIFIER_START.test(path[i]!)) return null;
    while (i < path.length && IDENTIFIER_PART.test(path[i]!)) i++;
    segments.push({ key: path.slice(start, i) });
  }
  return segments;
}

/** The index of the `]` closing a bracket opened before `from`, past any JSON string inside; -1 when there is none. */
function closingBracket(path: string, from: number): number {
  let inString = false;
  for (let i = from; i < path.length; i++) {
    const c = path[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
    } else if (c === "]") {
      return i;
    }
  }
  return -1;
}

/**
 * The version before the change `diff` made, given the version after it; null when the diff
 * cannot be undone: a redacted entry (its values were never kept), a path that is not there, or
 * a result whose diff to `after` does not say what `diff` says. That last check makes the answer
 * exact wherever a diff looks: what it leaves unknown (the order of keys and of keyed list items,
 * the ignored paths such as managedFields) no diff can see either. `options` must be those the diff was made with.
 */
export function stateBefore(after: JsonObject, diff: readonly DiffEntry[], options: DiffOptions = {}): JsonObject | null {
  const before = copyJson(after);
  for (const entry of diff) {
    if (!undo(before, entry)) return null;
  }
  return sameChanges(diffObjects(before, after, options), diff) ? before : null;
}

/**
 * Whether two diffs say the same: the same paths, each with equal old and new values, where
 * equal is as diffs see it (object keys and keyed list items in any order). Not their text: a
 * version rebuilt by undoing has re-added keys and items last, so its diffs list entries, and
 * keys within values, in another order than the diff made from the version itself.
 */
function sameChanges(a: readonly DiffEntry[], b: readonly DiffEntry[]): boolean {
  if (a.length !== b.length) return false;
  const byPath = new Map(b.map((entry) => [entry.path, entry]));
  if (byPath.size !== b.length) return false;
  for (const entry of a) {
    const other = byPath.get(entry.path);
    if (other === undefined || Boolean(entry.redacted) !== Boolean(other.redacted)) return false;
    if (diffObjects(sidesOf(entry), sidesOf(other), { ignorePaths: [] }).length > 0) return false;
  }
  return true;
}

/**
 * An entry's old and new values as one object (a side absent when the field was added or
 * removed), each under the field it sits under, so that a list is matched as the diff matched
 * it: `tolerations` by key and effect, whatever the order of its items.
 */
function sidesOf(entry: DiffEntry): JsonObject {
  const segments = parseDiffPath(entry.path);
  const last = segments?.[segments.length - 1];
  const field = last !== undefined && "key" in last ? last.key : "item";
  const sides: JsonObject = {};
  if (entry.old !== undefined) sides.old = { [field]: entry.old };
  if (entry.new !== undefined) sides.new = { [field]: entry.new };
  return sides;
}

function undo(root: JsonObject, entry: DiffEntry): boolean {
  if (entry.redacted) return false;
  const segments = parseDiffPath(entry.path);
  if (segments === null || segments.length === 0) return false;
  let container: JsonValue = root;
  let field: string | null = null;
  for (let s = 0; s < segments.length - 1; s++) {
    const segment = segments[s]!;
    const next = childAt(container, segment, field);
    if (next === undefined) return false;
    field = "key" in segment ? segment.key : null;
    container = next;
  }
  const last = segments[segments.length - 1]!;
  const hasOld = entry.old !== undefined;
  const hasNew = entry.new !== undefined;
  if ("key" in last) {
    if (!isJsonObject(container)) return false;
    const present = Object.hasOwn(container, last.key);
    if (hasOld && hasNew && present) return setKey(container, last.key, copyJson(entry.old!));
    if (hasNew && !hasOld && present) return delete container[last.key];
    if (hasOld && !hasNew && !present) return setKey(container, last.key, copyJson(entry.old!));
    return false;
  }
  if (!Array.isArray(container)) return false;
  if ("index" in last) {
    // Items by index are only ever changed: lists whose lengths differ are reported whole.
    if (!(hasOld && hasNew) || last.index >= container.length) return false;
    container[last.index] = copyJson(entry.old!);
    return true;
  }
  const position = labelledItem(container, last.label, field);
  if (hasOld && hasNew && position >= 0) {
    container[position] = copyJson(entry.old!);
    return true;
  }
  if (hasNew && !hasOld && position >= 0) {
    container.splice(position, 1);
    return true;
  }
  if (hasOld && !hasNew && position < 0) {
    // Where it stood is not kept, and does not matter: keyed items are matched by their label.
    container.push(copyJson(entry.old!));
    return true;
  }
  return false;
}

function childAt(container: JsonValue, segment: PathSegment, field: string | null): JsonValue | undefined {
  if ("key" in segment) return isJsonObject(container) && Object.hasOwn(container, segment.key) ? container[segment.key] : undefined;
  if (!Array.isArray(container)) return undefined;
  if ("index" in segment) return container[segment.index];
  const position = labelledItem(container, segment.label, field);
  return position >= 0 ? container[position] : undefined;
}

/** Where the item labelled `label` stands in a list under `field`, trying its key sets in the order diffs do; -1 when none is. */
function labelledItem(list: JsonValue[], label: string, field: string | null): number {
  for (const keySet of keySetsFor(field)) {
    for (let i = 0; i < list.length; i++) if (labelUnder(keySet, list[i]!) === label) return i;
  }
  return -1;
}

/** As assignment would, but a key named `__proto__` stays data. */
function setKey(object: JsonObject, key: string, value: JsonValue): true {
  Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
  return true;
}
