import { isJsonObject, type DiffEntry, type JsonObject, type JsonValue } from "../../ingest/audit/types";
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


function jsonEqual(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((item, i) => jsonEqual(item, b[i] as JsonValue));
  if (isJsonObject(a) && isJsonObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && jsonEqual(a[key] as JsonValue, b[key] as JsonValue));
  }
  return false;
}

/** Where a value sits: the readable path, and its segments for matching ignore patterns. */
interface Location {
  path: string;
  segments: string[];
}

function childAt(at: Location, key: string): Location {
  const path = IDENTIFIER.test(key) ? (at.path === "" ? key : `${at.path}.${key}`) : `${at.path}[${JSON.stringify(key)}]`;
  return { path, segments: [...at.segments, key] };
}

/** A list item: `label` is `3` or `name=nginx`, also the segment an ignore pattern matches. */
function itemAt(at: Location, label: string): Location {
  return { path: `${at.path}[${label}]`, segments: [...at.segments, label] };
}

type ItemKey = (item: JsonValue) => string;

function keyValueText(value: JsonValue): string {
  return typeof value === "string" && !PLAIN_KEY_VALUE.test(value) ? JSON.stringify(value) : String(value);
}

/** A field's value when it can tell an item apart (a string, number or boolean), else null. */
function identifyingValue(item: JsonObject, field: string): string | number | boolean | null {
  const value = item[field];
  return value === undefined || value === null || typeof value === "object" ? null : value;
}

/** The label of an item under a key set (`key=…,effect=…`), or null when the item lacks the first field. */
function labelUnder(keySet: string[], item: JsonValue): string | null {
  if (!isJsonObject(item) || identifyingValue(item, keySet[0] ?? "") === null) return null;
  return keySet
    .flatMap((field) => {
      const value = identifyingValue(item, field);
      return value === null ? [] : [`${field}=${keyValueText(value)}`];
    })
    .join(",");
}

function fits(keySet: string[], lists: JsonValue[][]): boolean {
  return lists.every((list) => {
    const labels = list.map((item) => labelUnder(keySet, item));
    return labels.every((label) => label !== null) && new Set(labels).size === labels.length;
  });
}

/** How to match the items of two versions of a list: by a key, or null when there is none. */
function itemKeyFor(field: string | null, before: JsonValue[], after: JsonValue[]): ItemKey | null {
  // Any list of uniquely named objects is keyed by name, known field or not.
  const keySets = [...((field !== null && LIST_ITEM_KEYS.get(field)) || []), ["name"]];
  const keySet = keySets.find((candidate) => fits(candidate, [before, after]));
  return keySet ? (item) => labelUnder(keySet, item) as string : null;
}

class Differ {
  readonly entries: DiffEntry[] = [];

  constructor(private readonly ignorePaths: string[][]) {}

  private ignored(at: Location): boolean {
    return this.ignorePaths.some(
      (pattern) => pattern.length === at.segments.length && pattern.every((key, i) => key === "*" || key === at.segments[i]),
    );
  }

  private added(at: Location, value: JsonValue): void {
    if (this.ignored(at)) return;
    this.entries.push(isRedactedValue(value) ? { path: at.path, redacted: true } : { path: at.path, new: structuredClone(value) });
  }

  private removed(at: Location, value: JsonValue): void {
    if (this.ignored(at)) return;
    this.entries.push(isRedactedValue(value) ? { path: at.path, redacted: true } : { path: at.path, old: structuredClone(value) });
  }

  private changed(at: Location, before: JsonValue, after: JsonValue): void {
    this.entries.push({ path: at.path, old: structuredClone(before), new: structuredClone(after) });
  }

  /** `field` is the key the values sit under, which tells how a list's items are matched. */
  values(before: JsonValue, after: JsonValue, at: Location, field: string | null): void {
    if (this.ignored(at) || jsonEqual(before, after)) return;
    // A sensitive value's fingerprints differ: say that it changed, never what it was.
    if (isRedactedValue(before) || isRedactedValue(after)) this.entries.push({ path: at.path, redacted: true });
    else if (isJsonObject(before) && isJsonObject(after)) this.objects(before, after, at);
    else if (Array.isArray(before) && Array.isArray(after)) this.lists(before, after, at, field);
    else this.changed(at, before, after);
  }

  /** Keys in the order of `after`, then the removed ones in the order of `before`. */
  objects(before: JsonObject, after: JsonObject, at: Location): void {
    for (const [key, value] of Object.entries(after)) {
      if (Object.hasOwn(before, key)) this.values(before[key] as JsonValue, value, childAt(at, key), key);
      else this.added(childAt(at, key), value);
    }
    for (const [key, value] of Object.entries(before)) {
      if (!Object.hasOwn(after, key)) this.removed(childAt(at, key), value);
    }
  }

  private lists(before: JsonValue[], after: JsonValue[], at: Location, field: string | null): void {
    const strings = (list: JsonValue[]) => list.every((item) => typeof item === "string");
    if (field !== null && SET_LISTS.has(field) && strings(before) && strings(after)) {
      const same = before.length === after.length && before.every((item) => after.includes(item)) && after.every((item) => before.includes(item));
      if (!same) this.changed(at, before, after);
      return;
    }
    const itemKey = itemKeyFor(field, before, after);
    if (itemKey) return this.keyedLists(before, after, at, itemKey);
    if (before.length === after.length) {
      before.forEach((item, i) => this.values(item, after[i] as JsonValue, itemAt(at, String(i)), null));
      return;
    }
    this.changed(at, before, after);
  }

  /** Items matched by key: a pure reorder is no change; an added or removed item is one entry. */
  private keyedLists(before: JsonValue[], after: JsonValue[], at: Location, itemKey: ItemKey): void {
    const beforeByKey = new Map(before.map((item) => [itemKey(item), item]));
    const afterKeys = new Set<string>();
    for (const item of after) {
      const label = itemKey(item);
      afterKeys.add(label);
      const previous = beforeByKey.get(label);
      if (previous === undefined) this.added(itemAt(at, label), item);
      else this.values(previous, item, itemAt(at, label), null);
    }
    for (const [label, item] of beforeByKey) {
      if (!afterKeys.has(label)) this.removed(itemAt(at, label), item);
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
  differ.objects(before, after, { path: "", segments: [] });
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
