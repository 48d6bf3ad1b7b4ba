import { isJsonObject, type JsonObject, type ObjectIdentity } from "../audit/types";
import type { ObservedChange } from "../../k8s/reflector";
import type { WatchedResource } from "../../k8s/watchedResources";
import type { ObservedHistoryEntry } from "../../plugins/types";
import { latestWriters } from "./latestWriters";

/**
 * What a watch source remembers of an object between lists (server/ingest/watches/knownObjects.ts):
 * enough to say it is gone when a relist no longer brings it, never its body.
 */
export interface KnownObject {
  resourceVersion: string;
  object: ObjectIdentity & { uid: string };
  /** metadata.deletionTimestamp at that version, when its deletion was requested: a later version with the same one made no new request. */
  deletionTimestamp?: string;
}

export type WatchedObservation = { ok: true; entry: ObservedHistoryEntry; known: KnownObject } | { ok: false; problem: string };

/** The watch event each change type is, in entries' details. */
const WATCH_EVENTS = { LISTED: "LISTED", ADDED: "ADDED", MODIFIED: "MODIFIED", DELETED: "DELETED" } as const;
const VERBS = { LISTED: "observed", ADDED: "create", MODIFIED: "update", DELETED: "delete" } as const;

/**
 * One observed version of a watched object as a history entry (docs: the watch contract): keyed
 * by uid and resourceVersion, so a relist or a repeated watch event is stored once; timed when it
 * was observed; its actor the field manager that wrote it last (managedFields), as an Event's
 * actor is its reporting controller. A deletion's actor is "watch": managedFields name who wrote
 * the object last, not who deleted it. Never throws: an object that cannot be identified (no
 * name, no uid, no resourceVersion) is a problem naming what it lacks. `previous`: what the source
 * knew of the object before this version (null after a restart), which tells a deletion request
 * already seen from a new one.
 */
export function observeWatchedChange(change: ObservedChange, resource: WatchedResource, observedAt: Date, previous: KnownObject | null = null): WatchedObservation {
  if (!isJsonObject(change.object.metadata)) return { ok: false, problem: "it has no metadata" };
  const metadata = change.object.metadata;
  if (typeof metadata.name !== "string" || metadata.name === "") return { ok: false, problem: "it has no metadata.name" };
  if (typeof metadata.uid !== "string" || metadata.uid === "") return { ok: false, problem: "it has no metadata.uid" };
  if (typeof metadata.resourceVersion !== "string" || metadata.resourceVersion === "") return { ok: false, problem: "it has no metadata.resourceVersion" };
  if (metadata.namespace !== undefined && typeof metadata.namespace !== "string") return { ok: false, problem: "its metadata.namespace is not a string" };
  const object = {
    apiGroup: resource.apiGroup,
    // The collection is read at this version, so its objects come at it.
    apiVersion: resource.version,
    resource: resource.resource,
    kind: typeof change.object.kind === "string" && change.object.kind !== "" ? change.object.kind : resource.kind,
    namespace: metadata.namespace ?? "",
    name: metadata.name,
    uid: metadata.uid,
  };
  const resourceVersion = metadata.resourceVersion;
  // A typed list's items carry no kind or apiVersion, watch events' objects do: the same object
  // must read the same either way, or its next version would differ from a listed one by them.
  const body = { apiVersion: change.object.apiVersion ?? (resource.apiGroup === "" ? resource.version : `${resource.apiGroup}/${resource.version}`), ...(object.kind !== null ? { kind: object.kind } : {}), ...change.object };
  const deleted = change.type === "DELETED";
  const writers = deleted ? null : latestWriters(body);
  const deletionTimestamp = typeof metadata.deletionTimestamp === "string" && metadata.deletionTimestamp !== "" ? metadata.deletionTimestamp : null;
  const requested = change.type === "MODIFIED" ? deletionRequestedAfterWriters(body, writers?.at ?? null) : null;
  // The request made the first version that carries its deletionTimestamp; a later version with the
  // same one (a finalizer removed, which stamps no manager's time) made no new request, and no
  // manager stamped since the request names its writer either.
  const requestSeenBefore = requested !== null && previous !== null && previous.deletionTimestamp === deletionTimestamp;
  const deletion = requestSeenBefore ? null : requested;
  // A version the deletion request made names no manager: managedFields tell who wrote, not who deleted.
  const actor = deletion === null && !requestSeenBefore && writers?.managers.length === 1 ? writers.managers[0]! : "watch";
  const verb = deletion !== null ? "delete" : VERBS[change.type];
  const subresource = deletion === null && !requestSeenBefore ? (writers?.subresource ?? null) : null;
  const details: JsonObject = {
    watchEvent: WATCH_EVENTS[change.type],
    resourceVersionAfter: resourceVersion,
    ...(writers ? { managers: writers.managers, managedAt: writers.at } : {}),
    ...(subresource ? { subresource } : {}),
    ...(deletion !== null ? { deletionRequestedAt: deletion.requestedAt, deletionGracePeriodSeconds: deletion.graceSeconds } : {}),
  };
  const entry: ObservedHistoryEntry = {
    source: "watch",
    key: `${object.uid}@${resourceVersion}${deleted ? "/deleted" : ""}`,
    object,
    startTime: observedAt,
    endTime: observedAt,
    actor,
    verb,
    title: titleOf(change.type, actor, verb, subresource, deletion),
    details,
    body,
    ...(deleted ? { deleted: true } : {}),
  };
  return { ok: true, entry, known: { resourceVersion, object, ...(deletionTimestamp !== null ? { deletionTimestamp } : {}) } };
}

const PAST: Record<string, string> = { create: "created", update: "updated", delete: "deleted" };

/**
 * `<manager> <verb>[ <subresource>] (watched)` when one manager wrote the version; else what the
 * watch saw: `watched: updated status`, `watched: deleted`, `watched: deletion requested (grace 70 s)`.
 */
function titleOf(type: ObservedChange["type"], actor: string, verb: string, subresource: string | null, deletion: DeletionRequest | null): string {
  if (type === "LISTED") return "watched: already existed";
  if (deletion !== null) return `watched: deletion requested (grace ${deletion.graceSeconds} s)`;
  const what = `${subresource ? ` ${subresource}` : ""}`;
  return actor === "watch" ? `watched: ${PAST[verb] ?? verb}${what}` : `${actor} ${verb}${what} (watched)`;
}

interface DeletionRequest {
  /** When the delete request came (ISO 8601, to the second): deletionTimestamp less the grace period. */
  requestedAt: string;
  graceSeconds: number;
}

/**
 * The graceful deletion that made this version, when it did: a delete request sets
 * metadata.deletionTimestamp (the request's time plus the grace period) without going through
 * the field manager, so the version it makes still names the last writer before it. A version
 * whose deletion was requested after every managedFields time (compared to the second, as both
 * are kept) was made by that request; a later write (the kubelet's status while the Pod stops, a
 * controller removing its finalizer) stamps its manager at or after it, and is that manager's.
 */
function deletionRequestedAfterWriters(body: JsonObject, managedAt: string | null): DeletionRequest | null {
  const metadata = body.metadata as JsonObject;
  const deletionTimestamp = Date.parse(typeof metadata.deletionTimestamp === "string" ? metadata.deletionTimestamp : "");
  const grace = metadata.deletionGracePeriodSeconds;
  if (Number.isNaN(deletionTimestamp) || typeof grace !== "number" || !Number.isInteger(grace) || grace < 0) return null;
  const requested = deletionTimestamp - grace * 1000;
  if (managedAt !== null && !(Date.parse(managedAt) < Math.floor(requested / 1000) * 1000)) return null;
  return { requestedAt: new Date(requested).toISOString().replace(".000Z", "Z"), graceSeconds: grace };
}

/**
 * An object a relist no longer brings: deleted while it was not watched (client-go's
 * DeletedFinalStateUnknown). Its last body is not kept in memory: the store has it.
 */
export function goneEntry(known: KnownObject, observedAt: Date): ObservedHistoryEntry {
  return {
    source: "watch",
    key: `${known.object.uid}@${known.resourceVersion}/gone`,
    object: known.object,
    startTime: observedAt,
    endTime: observedAt,
    actor: "watch",
    verb: "delete",
    title: "watched: gone (deleted while not watched)",
    details: { watchEvent: "GONE", resourceVersionAfter: known.resourceVersion },
    body: null,
    deleted: true,
  };
}

/** `namespace/name`, or the name, or what the object lacks: how logs name an object that could not be taken. */
export function describeWatchedObject(object: JsonObject): string {
  const metadata = isJsonObject(object.metadata) ? object.metadata : {};
  const name = typeof metadata.name === "string" && metadata.name !== "" ? metadata.name : null;
  const namespace = typeof metadata.namespace === "string" && metadata.namespace !== "" ? `${metadata.namespace}/` : "";
  if (name !== null) return `${namespace}${name}`;
  if (typeof metadata.generateName === "string") return `${namespace}${metadata.generateName}… (no name)`;
  return "an object without a name";
}
