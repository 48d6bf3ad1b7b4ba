import { isJsonObject, type DiffEntry, type JsonObject, type JsonValue } from "../../ingest/audit/types";
import { copyJson } from "../json/copyJson";
import { isRedactedValue, toDisplay } from "../redact/redact";

/**
 * Fields left out of diffs unless told otherwise: managedFields is bookkeeping of which
 * manager set what and changes with nearly every write; resourceVersion changes on every
 * write and is recorded separately. metadata.generation is kept on purpose: `1 -> 2` says
 * the spec changed.
 */
export const DEFAULT_IGNORED_PATHS: string[][] = [
  ["metadata", "managedFields"],
  ["metadata", "resourceVersion"],
];

export interface DiffOptions {
  /** Key lists not to compare (default DEFAULT_IGNORED_PATHS; [] compares everything). "*" matches any key or list item. */
  ignorePaths?: string[][];
}

/**
 * How the items of well-known lists are told apart, by the list's field name: each entry is
 * a key set to try in order. A key set fits when every item has its first field and the
 * items' keys are unique; later fields are added to the key when present.
 */
const LIST_ITEM_KEYS = new Map<string, string[][]>(
  Object.entries({
    containers: [["name"]],
    initContainers: [["name"]],
    ephemeralContainers: [["name"]],
    containerStatuses: [["name"]],
    initContainerStatuses: [["name"]],
    ephemeralContainerStatuses: [["name"]],
    env: [["name"]],
    volumes: [["name"]],
    imagePullSecrets: [["name"]],
    // A volume may be mounted twice (with subPaths), but never twice at one place.
    volumeMounts: [["mountPath"]],
    volumeDevices: [["devicePath"]],
    // Container ports, then Service ports; 53/TCP and 53/UDP need the protocol to differ.
    ports: [["name"], ["containerPort"], ["containerPort", "protocol"], ["port"], ["port", "protocol"]],
    conditions: [["type"]],
    ownerReferences: [["uid"]],
    tolerations: [["key", "effect"]],
    taints: [["key", "effect"]],
    // Endpoints addresses have ip; Node addresses have type (InternalIP, Hostname) and address.
    addresses: [["ip"], ["type"], ["type", "address"], ["address"]],
    podIPs: [["ip"]],
    hostIPs: [["ip"]],
  }),
);

/** Lists of strings whose order means nothing: a reorder is no change. */
const SET_LISTS = new Set(["finalizers"]);

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PLAIN_KEY_VALUE = /^[^\s[\],="]+$/;

const hasOwnProperty = Object.prototype.hasOwnProperty;

// Loops, not every() and Object.keys(): this runs on every node of both versions of each written object.
function jsonEqual(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i]!, b[i]!)) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  let unmatchedKeys = 0;
  for (const key in a) {
    if (!hasOwnProperty.call(a, key)) continue;
    if (!hasOwnProperty.call(b, key) || !jsonEqual(a[key]!, b[key]!)) return false;
    unmatchedKeys++;
  }
  for (const key in b) if (hasOwnProperty.call(b, key)) unmatchedKeys--;
  return unmatchedKeys === 0;
}

/**
 * Where a changed value sits: its parent, and the key or list-item label under it, which is
 * also the segment an ignore pattern matches. Made only for values that differ, and the
 * readable path only for those that get an entry (or have children that do).
 */
class Location {
  readonly depth: number;
  private pathText: string | undefined;

  constructor(
    readonly parent: Location | null,
    readonly segment: string,
    private readonly isItem: boolean,
  ) {
    this.depth = parent === null ? 0 : parent.depth + 1;
  }

  get path(): string {
    return (this.pathText ??= this.parent === null ? "" : pathTo(this.parent, this.segment, this.isItem));
  }
}

/** `spec.replicas`, `metadata.labels["app.kubernetes.io/name"]`, or for a list item (label `3` or `name=nginx`) `spec.containers[name=nginx]`. */
function pathTo(parent: Location, segment: string, isItem: boolean): string {
  const base = parent.path;
  if (isItem) return `${base}[${segment}]`;
  if (!IDENTIFIER.test(segment)) return `${base}[${JSON.stringify(segment)}]`;
  return base === "" ? segment : `${base}.${segment}`;
}

function keyValueText(value: JsonValue): string {
  return typeof value === "string" && !PLAIN_KEY_VALUE.test(value) ? JSON.stringify(value) : String(value);
}

/** A field's value when it can tell an item apart (a string, number or boolean), else null. */
function identifyingValue(item: JsonObject, field: string): string | number | boolean | null {
  const value = item[field];
  return value === undefined || value === null || typeof value === "object" ? null : value;
}

/** The label of an item under a key set (`key=…,effect=…`), or null when the item lacks the first field. */
export function labelUnder(keySet: string[], item: JsonValue): string | null {
  if (!isJsonObject(item) || identifyingValue(item, keySet[0] ?? "") === null) return null;
  let label = "";
  for (const field of keySet) {
    const value = identifyingValue(item, field);
    if (value !== null) label += `${label === "" ? "" : ","}${field}=${keyValueText(value)}`;
  }
  return label;
}

/** A list's items by their labels under `keySet`, in list order; null when the key set does not fit (an item lacks it, or two share a label). */
function itemsByLabel(keySet: string[], list: JsonValue[]): Map<string, JsonValue> | null {
  const items = new Map<string, JsonValue>();
  for (const item of list) {
    const label = labelUnder(keySet, item);
    if (label === null || items.has(label)) return null;
    items.set(label, item);
  }
  return items;
}

/** The key sets to try for a list under `field`: its known ones, then name, since any list of uniquely named objects is keyed by name. */
const NAME_KEY_SETS: string[][] = [["name"]];
const KEY_SETS_BY_FIELD = new Map([...LIST_ITEM_KEYS].map(([field, keySets]) => [field, [...keySets, ...NAME_KEY_SETS]]));

/** The key sets a list under `field` (null: a list that is itself a list's item) may be keyed by, in the order diffs try them. */
export function keySetsFor(field: string | null): string[][] {
  return (field !== null && KEY_SETS_BY_FIELD.get(field)) || NAME_KEY_SETS;
}

/** Both versions of a list keyed by the first key set that fits both, or null when none does. */
function keyedItems(field: string | null, before: JsonValue[], after: JsonValue[]): [Map<string, JsonValue>, Map<string, JsonValue>] | null {
  for (const keySet of keySetsFor(field)) {
    const beforeItems = itemsByLabel(keySet, before);
    if (beforeItems === null) continue;
    const afterItems = itemsByLabel(keySet, after);
    if (afterItems !== null) return [beforeItems, afterItems];
  }
  return null;
}

function allStrings(list: JsonValue[]): boolean {
  for (const item of list) if (typeof item !== "string") return false;
  return true;
}

class Differ {
  readonly entries: DiffEntry[] = [];
  /** Ignore patterns by their length, which is the depth they match at. */
  private readonly ignoredByDepth: Array<string[][] | undefined> = [];

  constructor(ignorePaths: string[][]) {
    for (const pattern of ignorePaths) (this.ignoredByDepth[pattern.length] ??= []).push(pattern);
  }

  /** Whether the value at `segment` under `parent` is left out. */
  private ignored(parent: Location, segment: string): boolean {
    const patterns = this.ignoredByDepth[parent.depth + 1];
    if (patterns === undefined) return false;
    patterns: for (const pattern of patterns) {
      const last = pattern.length - 1;
      if (pattern[last] !== "*" && pattern[last] !== segment) continue;
      let at: Location | null = parent;
      for (let i = last - 1; i >= 0 && at !== null; i--, at = at.parent) {
        if (pattern[i] !== "*" && pattern[i] !== at.segment) continue patterns;
      }
      return true;
    }
    return false;
  }

  // Entries hold copies, so that they share nothing with the bodies (scalars, most values, need none).
  private added(parent: Location, segment: string, isItem: boolean, value: JsonValue): void {
    if (this.ignored(parent, segment)) return;
    const path = pathTo(parent, segment, isItem);
    this.entries.push(isRedactedValue(value) ? { path, redacted: true } : { path, new: copyJson(value) });
  }

  private removed(parent: Location, segment: string, isItem: boolean, value: JsonValue): void {
    if (this.ignored(parent, segment)) return;
    const path = pathTo(parent, segment, isItem);
    this.entries.push(isRedactedValue(value) ? { path, redacted: true } : { path, old: copyJson(value) });
  }

  private changed(path: string, before: JsonValue, after: JsonValue): void {
    this.entries.push({ path, old: copyJson(before), new: copyJson(after) });
  }

  /** `field` is the key the values sit under (null for list items), which tells how a list's items are matched. */
  private values(before: JsonValue, after: JsonValue, parent: Location, segment: string, isItem: boolean, field: string | null): void {
    if (this.ignored(parent, segment) || jsonEqual(before, after)) return;
    // A sensitive value's fingerprints differ: say that it changed, never what it was.
    if (isRedactedValue(before) || isRedactedValue(after)) this.entries.push({ path: pathTo(parent, segment, isItem), redacted: true });
    else if (isJsonObject(before) && isJsonObject(after)) this.objects(before, after, new Location(parent, segment, isItem));
    else if (Array.isArray(before) && Array.isArray(after)) this.lists(before, after, new Location(parent, segment, isItem), field);
    else this.changed(pathTo(parent, segment, isItem), before, after);
  }

  /** Keys in the order of `after`, then the removed ones in the order of `before`. */
  objects(before: JsonObject, after: JsonObject, at: Location): void {
    for (const key in after) {
      if (!hasOwnProperty.call(after, key)) continue;
      if (hasOwnProperty.call(before, key)) this.values(before[key]!, after[key]!, at, key, false, key);
      else this.added(at, key, false, after[key]!);
    }
    for (const key in before) {
      if (hasOwnProperty.call(before, key) && !hasOwnProperty.call(after, key)) this.removed(at, key, false, before[key]!);
    }
  }

  private lists(before: JsonValue[], after: JsonValue[], at: Location, field: string | null): void {
    if (field !== null && SET_LISTS.has(field) && allStrings(before) && allStrings(after)) {
      const same = before.length === after.length && before.every((item) => after.includes(item)) && after.every((item) => before.includes(item));
      if (!same) this.changed(at.path, before, after);
      return;
    }
    const keyed = keyedItems(field, before, after);
    if (keyed) return this.keyedLists(keyed[0], keyed[1], at);
    if (before.length === after.length) {
      for (let i = 0; i < before.length; i++) this.values(before[i]!, after[i]!, at, String(i), true, null);
      return;
    }
    this.changed(at.path, before, after);
  }

  /** Items matched by key: a pure reorder is no change; an added or removed item is one entry. */
  private keyedLists(before: Map<string, JsonValue>, after: Map<string, JsonValue>, at: Location): void {
    for (const [label, item] of after) {
      const previous = before.get(label);
      if (previous === undefined) this.added(at, label, true, item);
      else this.values(previous, item, at, label, true, null);
    }
    for (const [label, item] of before) {
      if (!after.has(label)) this.removed(at, label, true, item);
    }
  }
}

/**
 * Field-level changes from `before` to `after`, e.g. `spec.replicas 1 -> 3` or
 * `spec.template.spec.containers[name=nginx].image`. Lists of named things are matched by
 * their key, so reordering them is no change; other lists by index when their lengths agree,
 * else reported whole. Redacted values are reported as changed without their values.
 */
export function diffObjects(before: JsonObject, after: JsonObject, options: DiffOptions = {}): DiffEntry[] {
  const differ = new Differ(options.ignorePaths ?? DEFAULT_IGNORED_PATHS);
  differ.objects(before, after, new Location(null, "", false));
  return differ.entries;
}

const JSON_LITERAL = /^(true|false|null|-?\d+(\.\d+)?([eE][+-]?\d+)?)$/;

/** Strings that read unambiguously without quotes: not a JSON literal, not empty, one line, no arrow. */
function isPlainText(text: string): boolean {
  return text !== "" && text === text.trim() && !/["\n\r\t]/.test(text) && !/^[[{(]/.test(text) && !text.includes(" -> ") && !JSON_LITERAL.test(text);
}

function valueText(value: JsonValue): string {
  const shown = toDisplay(value);
  return typeof shown === "string" && isPlainText(shown) ? shown : JSON.stringify(shown);
}

/** One line per change: `spec.replicas 1 -> 3`, `spec.x (added) 5`, `spec.y 2 -> (removed)`, `data.password (redacted) changed`. */
export function formatDiffEntry(e: DiffEntry): string {
  if (e.redacted) return `${e.path} (redacted) changed`;
  if (e.old === undefined && e.new !== undefined) return `${e.path} (added) ${valueText(e.new)}`;
  if (e.new === undefined && e.old !== undefined) return `${e.path} ${valueText(e.old)} -> (removed)`;
  if (e.old === undefined || e.new === undefined) return `${e.path} changed`;
  return `${e.path} ${valueText(e.old)} -> ${valueText(e.new)}`;
}
