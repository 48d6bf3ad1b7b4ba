import { randomUUID } from "node:crypto";
import { isJsonObject, type JsonObject, type JsonValue } from "../../ingest/audit/types";
import { apiVersionOf, groupResourceOf, type GroupResource, type ServedResource } from "./resources";

/**
 * A versioned object store modelled on etcd as kube-apiserver uses it: one revision counter for
 * the whole store (every write of any resource takes the next one, and it becomes the written
 * object's metadata.resourceVersion), earlier states readable at any revision not yet compacted,
 * and a history of changes that watches replay. Nothing here knows HTTP.
 */

export type ChangeType = "ADDED" | "MODIFIED" | "DELETED";

/** One write, as a watch delivers it: the object as it was written (for a deletion, its last state) at `resourceVersion`. */
export interface StoreChange {
  type: ChangeType;
  groupResource: GroupResource;
  /** "" for cluster-scoped objects. */
  namespace: string;
  resourceVersion: number;
  object: JsonObject;
}

/** Where an object lives within its resource: its namespace ("" when cluster-scoped) and name. */
export interface ObjectName {
  namespace?: string;
  name: string;
}

/** A read at a revision older than the compaction point: etcd answers ErrCompacted, the API 410 Expired. */
export class CompactedError extends Error {
  constructor(
    readonly requested: number,
    readonly compacted: number,
  ) {
    super(`resourceVersion ${requested} is compacted (the store keeps ${compacted} and later)`);
  }
}

/** A read at a revision the store has not reached yet. */
export class FutureResourceVersionError extends Error {
  constructor(
    readonly requested: number,
    readonly current: number,
  ) {
    super(`resourceVersion ${requested} is newer than the store's ${current}`);
  }
}

/** One page of a list at a revision, in key order. */
export interface ListPage {
  resourceVersion: number;
  items: JsonObject[];
  /** The key to continue from (exclusive of what this page returned), when more items follow. */
  continueFrom?: string;
  remainingItemCount: number;
}

export interface ListRange {
  /** Only this namespace's objects; all when undefined. */
  namespace?: string;
  resourceVersion: number;
  /** The first key to return (a continue token's start key). */
  fromKey?: string;
  /** At most this many items; all when undefined. */
  limit?: number;
}

/** A state of one key: the object, or null when the write at that revision deleted it. */
interface Revision {
  resourceVersion: number;
  object: JsonObject | null;
}

interface Collection {
  resource: ServedResource;
  /** Every kept revision of every key, oldest first. Keys are etcd's: "namespace/name", or "name" when cluster-scoped. */
  revisions: Map<string, Revision[]>;
}

export interface VersionedStoreOptions {
  /** Keep at most this many changes for watches to replay; older ones are compacted away, as etcd's auto-compaction does. */
  historyLimit?: number;
  /**
   * A create or update whose body carries a decimal resourceVersion newer than the store's is
   * written at that revision, as if other keys' writes had taken the ones between: recorded
   * objects replayed in order keep the versions their cluster gave them, so what the watch
   * delivers matches what the cluster's audit log says of the same writes. Etcd's revisions are
   * any increasing numbers; other writes (an older or no version) take the next one as usual.
   */
  keepRecordedVersions?: boolean;
}

/** etcd's revision for an empty store: never "0", which the API reads as "any resourceVersion". */
const EMPTY_STORE_REVISION = 1;

export class VersionedStore {
  private revision = EMPTY_STORE_REVISION;
  private compacted = 0;
  private readonly collections = new Map<GroupResource, Collection>();
  private history: StoreChange[] = [];
  private readonly listeners = new Set<(change: StoreChange) => void>();

  constructor(
    resources: readonly ServedResource[],
    private readonly options: VersionedStoreOptions = {},
  ) {
    for (const resource of resources) {
      const key = groupResourceOf(resource);
      if (this.collections.has(key)) throw new Error(`resource ${key} is declared twice`);
      this.collections.set(key, { resource, revisions: new Map() });
    }
    if (options.historyLimit !== undefined && !(Number.isInteger(options.historyLimit) && options.historyLimit > 0)) {
      throw new Error(`historyLimit must be a positive integer, got ${options.historyLimit}`);
    }
  }

  /** The newest revision: the resourceVersion of the last write. */
  get resourceVersion(): number {
    return this.revision;
  }

  /** Revisions before this one are gone: reads and watches from earlier resourceVersions get 410. */
  get compactedResourceVersion(): number {
    return this.compacted;
  }

  resourceNamed(groupResource: GroupResource): ServedResource {
    return this.collection(groupResource).resource;
  }

  /** Stores a new object; fills uid and creationTimestamp when it has none, as kube-apiserver does on create. */
  create(groupResource: GroupResource, object: JsonObject): JsonObject {
    const collection = this.collection(groupResource);
    const recorded = recordedVersionOf(object);
    const body = this.admitted(collection.resource, object);
    const key = this.keyOf(collection.resource, body);
    if (this.current(collection, key)) throw new Error(`${groupResource} "${key}" already exists`);
    const metadata = body.metadata as JsonObject;
    metadata.uid ??= randomUUID();
    metadata.creationTimestamp ??= new Date().toISOString().replace(/\.\d+Z$/, "Z");
    return structuredClone(this.write(collection, key, "ADDED", body, recorded));
  }

  /**
   * Replaces an existing object, unconditionally (the body's resourceVersion is not checked). uid and
   * creationTimestamp stay the stored object's, as on a real update. A body equal to the stored one
   * is no write at all, as in kube-apiserver: no new resourceVersion, no watch event.
   */
  update(groupResource: GroupResource, object: JsonObject): JsonObject {
    const collection = this.collection(groupResource);
    const recorded = recordedVersionOf(object);
    const body = this.admitted(collection.resource, object);
    const key = this.keyOf(collection.resource, body);
    const stored = this.current(collection, key);
    if (!stored) throw new Error(`${groupResource} "${key}" not found: create it first`);
    const storedMetadata = stored.metadata as JsonObject;
    const metadata = body.metadata as JsonObject;
    if (metadata.uid !== undefined && metadata.uid !== storedMetadata.uid) {
      throw new Error(`${groupResource} "${key}": uid ${String(metadata.uid)} is not the stored object's ${String(storedMetadata.uid)}`);
    }
    // create() gave every stored object all three.
    metadata.uid = storedMetadata.uid!;
    metadata.creationTimestamp = storedMetadata.creationTimestamp!;
    metadata.resourceVersion = storedMetadata.resourceVersion!;
    if (canonicalJson(body) === canonicalJson(stored)) return structuredClone(stored);
    return structuredClone(this.write(collection, key, "MODIFIED", body, recorded));
  }

  /** Deletes an object; its DELETED change carries its last state at the deletion's new resourceVersion. */
  delete(groupResource: GroupResource, name: ObjectName): JsonObject {
    const collection = this.collection(groupResource);
    const key = this.keyOfName(collection.resource, name);
    const stored = this.current(collection, key);
    if (!stored) throw new Error(`${groupResource} "${key}" not found`);
    return structuredClone(this.write(collection, key, "DELETED", structuredClone(stored)));
  }

  /** Creates each object in turn (each its own write and ADDED change). */
  load(groupResource: GroupResource, objects: readonly JsonObject[]): JsonObject[] {
    return objects.map((object) => this.create(groupResource, object));
  }

  /** The object as it is now, or undefined. */
  get(groupResource: GroupResource, name: ObjectName): JsonObject | undefined {
    const collection = this.collection(groupResource);
    const current = this.current(collection, this.keyOfName(collection.resource, name));
    return current ? structuredClone(current) : undefined;
  }

  /**
   * Forgets every state older than `resourceVersion` (default: the newest), as etcd's compaction
   * does: each key keeps its state at that revision and later ones, and the change history keeps
   * only later changes.
   */
  compact(resourceVersion: number = this.revision): void {
    if (!Number.isInteger(resourceVersion) || resourceVersion > this.revision) {
      throw new Error(`cannot compact to ${resourceVersion}: the store is at ${this.revision}`);
    }
    if (resourceVersion < this.compacted) throw new Error(`cannot compact to ${resourceVersion}: already compacted to ${this.compacted}`);
    for (const { revisions } of this.collections.values()) {
      for (const [key, kept] of revisions) {
        const atCompaction = lastIndexAtOrBefore(kept, resourceVersion);
        const from = atCompaction >= 0 && kept[atCompaction]!.object === null ? atCompaction + 1 : Math.max(atCompaction, 0);
        const remaining = kept.slice(from);
        if (remaining.length === 0) revisions.delete(key);
        else revisions.set(key, remaining);
      }
    }
    this.history = this.history.filter((change) => change.resourceVersion > resourceVersion);
    this.compacted = resourceVersion;
  }

  /** A page of the resource's objects as they were at `range.resourceVersion`, in key order. */
  list(groupResource: GroupResource, range: ListRange): ListPage {
    const collection = this.collection(groupResource);
    this.checkReadable(range.resourceVersion);
    const prefix = range.namespace === undefined ? "" : `${range.namespace}/`;
    const keys = [...collection.revisions.keys()].filter((key) => key.startsWith(prefix) && (range.fromKey === undefined || key >= range.fromKey)).sort(byteOrder);
    const items: JsonObject[] = [];
    let lastKey = "";
    let remainingItemCount = 0;
    for (const key of keys) {
      const state = stateAt(collection.revisions.get(key)!, range.resourceVersion);
      if (!state) continue;
      if (range.limit === undefined || items.length < range.limit) {
        items.push(structuredClone(state));
        lastKey = key;
      } else {
        remainingItemCount++;
      }
    }
    // etcd's continue key: the last returned key plus a zero byte, the smallest key after it.
    return { resourceVersion: range.resourceVersion, items, remainingItemCount, ...(remainingItemCount > 0 ? { continueFrom: `${lastKey}\u0000` } : {}) };
  }

  /** Every change to the resource (in `namespace` when given) after `resourceVersion`, oldest first. */
  changesAfter(groupResource: GroupResource, namespace: string | undefined, resourceVersion: number): StoreChange[] {
    this.collection(groupResource);
    this.checkReadable(resourceVersion);
    return this.history
      .filter((change) => change.resourceVersion > resourceVersion && change.groupResource === groupResource && (namespace === undefined || change.namespace === namespace))
      .map((change) => structuredClone(change));
  }

  /** Calls `listener` with each change as it is written, synchronously; returns the unsubscribe function. */
  subscribe(listener: (change: StoreChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private checkReadable(resourceVersion: number): void {
    if (resourceVersion < this.compacted) throw new CompactedError(resourceVersion, this.compacted);
    if (resourceVersion > this.revision) throw new FutureResourceVersionError(resourceVersion, this.revision);
  }

  private write(collection: Collection, key: string, type: ChangeType, object: JsonObject, recorded: number | null = null): JsonObject {
    if (this.options.keepRecordedVersions && recorded !== null && recorded > this.revision) this.revision = recorded - 1;
    const resourceVersion = ++this.revision;
    (object.metadata as JsonObject).resourceVersion = String(resourceVersion);
    const revisions = collection.revisions.get(key) ?? [];
    revisions.push({ resourceVersion, object: type === "DELETED" ? null : object });
    collection.revisions.set(key, revisions);
    const namespace = collection.resource.namespaced ? key.slice(0, key.indexOf("/")) : "";
    const change: StoreChange = { type, groupResource: groupResourceOf(collection.resource), namespace, resourceVersion, object };
    this.history.push(change);
    const limit = this.options.historyLimit;
    if (limit !== undefined && this.history.length > limit) this.compact(this.history[this.history.length - limit - 1]!.resourceVersion);
    for (const listener of [...this.listeners]) listener(structuredClone(change));
    return object;
  }

  private collection(groupResource: GroupResource): Collection {
    const collection = this.collections.get(groupResource);
    if (!collection) throw new Error(`this store serves no resource "${groupResource}" (it serves: ${[...this.collections.keys()].join(", ")})`);
    return collection;
  }

  private current(collection: Collection, key: string): JsonObject | null {
    return collection.revisions.get(key)?.at(-1)?.object ?? null;
  }

  /** A copy of `object` with the resource's kind and apiVersion, after checking it can be stored as one. */
  private admitted(resource: ServedResource, object: JsonObject): JsonObject {
    if (!isJsonObject(object) || !isJsonObject(object.metadata)) throw new Error(`${resource.kind}: metadata must be an object`);
    const apiVersion = apiVersionOf(resource);
    if (object.kind !== undefined && object.kind !== resource.kind) throw new Error(`expected kind ${resource.kind}, got ${String(object.kind)}`);
    if (object.apiVersion !== undefined && object.apiVersion !== apiVersion) throw new Error(`expected apiVersion ${apiVersion}, got ${String(object.apiVersion)}`);
    const body = jsonCopy(object, resource.kind);
    body.kind = resource.kind;
    body.apiVersion = apiVersion;
    return body;
  }

  private keyOf(resource: ServedResource, object: JsonObject): string {
    const metadata = object.metadata as JsonObject;
    const name = metadata.name;
    const namespace = metadata.namespace;
    if (typeof name !== "string") throw new Error(`${resource.kind}: metadata.name must be a string`);
    if (namespace !== undefined && typeof namespace !== "string") throw new Error(`${resource.kind} ${name}: metadata.namespace must be a string`);
    return this.keyOfName(resource, { name, namespace });
  }

  private keyOfName(resource: ServedResource, { namespace, name }: ObjectName): string {
    if (!isPathSegment(name)) throw new Error(`${resource.kind} name ${JSON.stringify(name)} is not a valid object name`);
    if (!resource.namespaced) {
      if (namespace) throw new Error(`${resource.kind} is cluster-scoped: ${name} cannot have namespace ${namespace}`);
      return name;
    }
    if (namespace === undefined || !isPathSegment(namespace)) throw new Error(`${resource.kind} ${name} is namespaced: it needs a namespace`);
    return `${namespace}/${name}`;
  }
}

/**
 * A deep copy of `object` that is JSON through and through, so the store serves what it was given;
 * a value JSON cannot hold as is (a Date from a typed client object, a function, NaN) is refused,
 * naming where it is. Properties set to undefined are dropped, as JSON drops them.
 */
function jsonCopy(object: JsonObject, kind: string): JsonObject {
  const copy = (value: unknown, where: string): JsonValue | undefined => {
    if (value === null || typeof value === "string" || typeof value === "boolean") return value;
    if (typeof value === "number" && Number.isFinite(value)) return value;
    if (Array.isArray(value)) return value.map((item, index) => copy(item, `${where}[${index}]`) ?? null);
    if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
      const entries = Object.entries(value).flatMap(([key, inner]) => {
        const copied = copy(inner, where ? `${where}.${key}` : key);
        return copied === undefined ? [] : [[key, copied] as const];
      });
      return Object.fromEntries(entries);
    }
    if (value === undefined) return undefined;
    const what = typeof value === "object" ? (value.constructor?.name ?? "object") : typeof value;
    throw new Error(`${kind}: ${where} is a ${what}, not a JSON value`);
  };
  return copy(object, "") as JsonObject;
}

/** Names become path and key segments: kube-apiserver refuses empty ones, ".", ".." and those with "/" or "%". */
function isPathSegment(value: string): boolean {
  return value !== "" && value !== "." && value !== ".." && !/[/%]/.test(value);
}

function lastIndexAtOrBefore(revisions: readonly Revision[], resourceVersion: number): number {
  for (let index = revisions.length - 1; index >= 0; index--) if (revisions[index]!.resourceVersion <= resourceVersion) return index;
  return -1;
}

function stateAt(revisions: readonly Revision[], resourceVersion: number): JsonObject | null {
  const index = lastIndexAtOrBefore(revisions, resourceVersion);
  return index >= 0 ? revisions[index]!.object : null;
}

/** etcd orders keys by their bytes; names are ASCII, so UTF-16 code unit order is the same. */
function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** JSON with object keys sorted, so two bodies that differ only in key order compare equal. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    isJsonObject(inner as JsonObject) ? Object.fromEntries(Object.entries(inner as JsonObject).sort(([a], [b]) => byteOrder(a, b))) : inner,
  );
}

/** The decimal resourceVersion a body to write carries, or null. */
function recordedVersionOf(object: JsonObject): number | null {
  const metadata = object.metadata;
  const version = metadata !== null && typeof metadata === "object" && !Array.isArray(metadata) ? (metadata as JsonObject).resourceVersion : undefined;
  return typeof version === "string" && /^[1-9]\d{0,14}$/.test(version) ? Number(version) : null;
}
