import { DEFAULT_IGNORED_PATHS, diffObjects } from "../../model/diff/diff";
import { UNKNOWN_VERSION_BEHAVIOUR, type ApiserverBehaviour } from "./apiserverBehaviour";
import { evictedPod, type EvictionEffect } from "./eviction";
import { isJsonObject, type AuditWrite, type JsonObject, type JsonValue, type ObjectChange } from "./types";

/*
 * Bodies, snapshots and diff values here keep redaction fingerprints (`<redacted:…>`): the
 * store keeps them so that a later write can still be told apart from an unchanged secret.
 * They become the plain REDACTED text only on the way out (toDisplay in model/redact).
 */

/** What we knew of the object before this write. */
export interface PreviousState {
  /** Its last known body; null when we never saw one (e.g. only Metadata-level events). */
  state: JsonObject | null;
  /** Its last known resourceVersion, even when the body is unknown. */
  resourceVersion: string | null;
}

export interface ChangeOptions {
  /** Paths to leave out of diffs in addition to DEFAULT_IGNORED_PATHS, which are always left out here. */
  ignorePaths?: string[][];
  /**
   * What the cluster's kube-apiserver did in a binding or an eviction received at `time` (the
   * write's startTime), by the version it ran then (./apiserverBehaviour.ts);
   * UNKNOWN_VERSION_BEHAVIOUR when not given.
   */
  apiserverAt?: (time: Date) => ApiserverBehaviour;
}

/**
 * Subresources whose request and response bodies are another kind than the object (Scale,
 * Eviction, Binding, TokenRequest): such a body must never stand in for the object's state.
 */
const SUBRESOURCES_WITH_OTHER_BODIES = new Set(["scale", "eviction", "binding", "token"]);


function kindOf(body: JsonObject | null): string | null {
  return typeof body?.kind === "string" ? body.kind : null;
}

/** metadata.resourceVersion of a body, or null when it has none. */
export function resourceVersionOf(body: JsonObject | null): string | null {
  const metadata = body?.metadata;
  const rv = isJsonObject(metadata) ? metadata.resourceVersion : undefined;
  return typeof rv === "string" && rv !== "" ? rv : null;
}

/**
 * The write's body when it is the object itself. The converter already leaves out Status
 * responses; this also guards against subresource bodies of another kind (a Scale is not its
 * Deployment), which would otherwise replace the state that later diffs start from.
 */
function objectBodyAfter(previous: PreviousState, write: AuditWrite): JsonObject | null {
  const body = write.bodyAfter;
  if (body === null) return null;
  if (body.kind === "Status" && body.apiVersion === "v1") return null;
  if (write.subresource === "") return body;
  if (SUBRESOURCES_WITH_OTHER_BODIES.has(write.subresource)) return null;
  const expectedKind = kindOf(previous.state) ?? write.object.kind;
  const kind = kindOf(body);
  return expectedKind !== null && kind !== null && kind !== expectedKind ? null : body;
}

/** What the cluster's kube-apiserver did in `write`, by the version it ran when it received it. */
function apiserverFor(write: AuditWrite, options: ChangeOptions): ApiserverBehaviour {
  return options.apiserverAt?.(write.startTime) ?? UNKNOWN_VERSION_BEHAVIOUR;
}

/**
 * The object's state after a write to a subresource of another kind (a Scale, a Binding), from its
 * previous state and what the write did to it (AuditWrite.effect, ./subresourceEffect.ts); null
 * when either is unknown. Its resourceVersion is the write's when a Scale response told it, and
 * left out otherwise: the state is not the one the previous version named.
 */
function stateAfterEffect(previous: PreviousState, write: AuditWrite, options: ChangeOptions): JsonObject | null {
  const effect = write.effect;
  // An eviction's state comes with whether it removed the Pod (evictionChange).
  if (effect === undefined || effect.kind === "eviction" || previous.state === null) return null;
  // Copied along the paths it changes only: the previous state may be one an earlier write of the
  // batch left, which its observation still holds; the rest is shared, never changed after.
  const state: JsonObject = { ...previous.state };
  const metadata = copiedObjectAt(state, "metadata");
  const spec = copiedObjectAt(state, "spec");
  delete metadata.resourceVersion;
  switch (effect.kind) {
    case "scale":
      // A change of spec is a new generation (the update strategies of the workloads that have a Scale).
      if (spec.replicas !== effect.replicas && typeof metadata.generation === "number") metadata.generation += 1;
      spec.replicas = effect.replicas;
      if (effect.resourceVersion !== null) metadata.resourceVersion = effect.resourceVersion;
      break;
    case "binding": {
      const apiserver = apiserverFor(write, options);
      // A Pod is bound once (the apiserver refuses to bind a Pod that has a node): a state that
      // has one is newer than the binding, which arrived late and makes no version to place it by.
      if (typeof spec.nodeName === "string" && spec.nodeName !== "") return null;
      spec.nodeName = effect.nodeName;
      if (effect.annotations !== undefined) metadata.annotations = { ...(isJsonObject(metadata.annotations) ? metadata.annotations : {}), ...effect.annotations };
      if (effect.labels !== undefined && apiserver.bindingCopiesLabels) metadata.labels = { ...(isJsonObject(metadata.labels) ? metadata.labels : {}), ...effect.labels };
      // Cleared as `""`, which the Pod's JSON leaves out.
      if (apiserver.bindingClearsNominatedNode && isJsonObject(state.status) && state.status.nominatedNodeName !== undefined) delete copiedObjectAt(state, "status").nominatedNodeName;
      // As the apiserver's UpdatePodCondition: the condition replaced whole, its transition time
      // kept when its status was already true.
      const status = state.status;
      const conditions = isJsonObject(status) && Array.isArray(status.conditions) ? status.conditions : [];
      const at = conditions.findIndex((condition) => isJsonObject(condition) && condition.type === "PodScheduled");
      const before = at >= 0 ? (conditions[at] as JsonObject) : null;
      const kept = before?.status === "True" && before.lastTransitionTime !== undefined;
      // The second the binding ran in is unknowable (its request spanned two): no time is made
      // up, and the condition is left as it was. The Pod is on its node, its annotations are
      // there; the next write that shows the Pod whole shows the condition made true, at its time.
      if (!kept && effect.at === null) break;
      const scheduled: JsonObject = { type: "PodScheduled", status: "True", lastProbeTime: null, lastTransitionTime: kept ? before!.lastTransitionTime! : effect.at };
      const changed = [...conditions];
      if (at >= 0) changed[at] = scheduled;
      else changed.push(scheduled);
      copiedObjectAt(state, "status").conditions = changed;
      break;
    }
  }
  return state;
}

/** A copy of the object at `key` of `body` (an empty one when it is missing or something else), put in its place. */
function copiedObjectAt(body: JsonObject, key: string): JsonObject {
  const value = body[key];
  const copy: JsonObject = isJsonObject(value) ? { ...value } : {};
  body[key] = copy;
  return copy;
}

/** Whether a body carries a deletionTimestamp: a delete was requested. */
function isBeingDeleted(body: JsonObject): boolean {
  const metadata = body.metadata;
  return isJsonObject(metadata) && typeof metadata.deletionTimestamp === "string" && metadata.deletionTimestamp !== "";
}

/**
 * Whether a body returned by a delete is of an object that still exists: deletion is pending
 * while finalizers remain, and a graceful Pod delete returns the Pod with a grace period that
 * the kubelet has yet to honour (its own delete, with grace 0, removes it). A Namespace also
 * waits for the finalizers of its spec (`kubernetes`: its contents deleted), which the namespace
 * controller removes through `namespaces/finalize` before it deletes the Namespace again.
 */
function isPendingDeletion(body: JsonObject): boolean {
  if (!isBeingDeleted(body)) return false;
  const metadata = body.metadata as JsonObject;
  const finalizers = metadata.finalizers;
  const gracePeriod = metadata.deletionGracePeriodSeconds;
  return (Array.isArray(finalizers) && finalizers.length > 0) || (typeof gracePeriod === "number" && gracePeriod > 0) || hasSpecFinalizers(body);
}

function hasSpecFinalizers(body: JsonObject): boolean {
  if (body.kind !== "Namespace" || !isJsonObject(body.spec)) return false;
  const finalizers = body.spec.finalizers;
  return Array.isArray(finalizers) && finalizers.length > 0;
}

function nothingKnown(): ObjectChange {
  return { diff: null, snapshot: null, noop: false, nextState: null, deleted: false };
}

/**
 * An update or patch (or a create on a subresource, e.g. pods/binding, which changes an
 * existing object). Without the object's body (Metadata level, or a patch at Request level,
 * whose request body is the patch that the caller records from write.patch) or the state a
 * Scale or Binding makes of the previous one, there is nothing to diff and the known state stays
 * as it was.
 */
function modification(previous: PreviousState, write: AuditWrite, body: JsonObject | null, options: ChangeOptions): ObjectChange {
  if (body === null) return nothingKnown();
  const ignorePaths = [...DEFAULT_IGNORED_PATHS, ...(options.ignorePaths ?? [])];
  const resourceVersion = resourceVersionOf(body);
  // The write that removes the last finalizer of an object being deleted completes the
  // delete: the apiserver removes the object as this request ends, and no delete request follows.
  const deletionCompleted = isBeingDeleted(body) && !isPendingDeletion(body);
  return {
    diff: previous.state === null ? null : diffObjects(previous.state, body, { ignorePaths }),
    snapshot: deletionCompleted ? body : null,
    // Only a response tells the resourceVersion after the write; at Request level the body is
    // the request, whose resourceVersion is the one the client read, i.e. the previous one.
    noop: write.level === "RequestResponse" && resourceVersion !== null && resourceVersion === previous.resourceVersion,
    nextState: body,
    deleted: deletionCompleted,
  };
}

/**
 * An allowed eviction of a Pod (./eviction.ts): the DisruptionTarget condition and the start of
 * a graceful deletion, as a modification; or the Pod removed at once (on no node, or terminal),
 * as a delete, its snapshot the Pod as the eviction left it or, where that is not known to the
 * second, as last known. Nothing without the Pod's state, after its removal, or where what it
 * became depends on a second the request's times do not tell: the next write shows it then.
 */
function evictionChange(previous: PreviousState, write: AuditWrite, effect: EvictionEffect, options: ChangeOptions): ObjectChange {
  // A state that is the Pod's removal (its kubelet's delete): the eviction arrived after it.
  if (previous.state === null || (isBeingDeleted(previous.state) && !isPendingDeletion(previous.state))) return nothingKnown();
  const apiserver = apiserverFor(write, options);
  const evicted = evictedPod(previous.state, effect, { from: write.startTime, to: write.endTime }, { setsDisruptionTarget: apiserver.evictionSetsDisruptionTarget });
  if (evicted.removed) return { diff: null, snapshot: evicted.state ?? previous.state, noop: false, nextState: null, deleted: true };
  const change = modification(previous, write, evicted.state, options);
  // A Pod already evicted and being deleted (an eviction retried, or one arriving after the
  // Pod's next write): the apiserver's update changed nothing, so it made no version either.
  return change.diff !== null && change.diff.length === 0 ? nothingKnown() : change;
}

function deletion(previous: PreviousState, body: JsonObject | null): ObjectChange {
  return {
    diff: null,
    // Without a returned body (a Status, or Metadata level), the last state we knew is what was deleted.
    snapshot: body ?? previous.state,
    noop: false,
    nextState: body,
    // At Metadata level we cannot see a pending deletion, so a delete that succeeded counts as done.
    deleted: body === null || !isPendingDeletion(body),
  };
}

/**
 * Whether a write brought its object into being: a create of the object itself, or a patch the
 * apiserver answered with 201 Created (server-side apply, `kubectl apply --server-side`, creates
 * an object that does not exist yet with a patch).
 */
export function createsObject(write: Pick<AuditWrite, "verb" | "subresource" | "statusCode" | "failed" | "dryRun">): boolean {
  if (write.failed || write.dryRun || write.subresource !== "") return false;
  return write.verb === "create" || (write.verb === "patch" && write.statusCode === 201);
}

/** What `write` did to its object, given what we knew of the object before it. */
export function computeChange(previous: PreviousState, write: AuditWrite, options: ChangeOptions = {}): ObjectChange {
  // A failed write changed nothing, nor did a dry run.
  if (write.failed || write.dryRun) return nothingKnown();
  if (write.effect?.kind === "eviction") return evictionChange(previous, write, write.effect, options);
  const body = objectBodyAfter(previous, write) ?? stateAfterEffect(previous, write, options);
  if (createsObject(write)) return { diff: null, snapshot: body, noop: false, nextState: body, deleted: false };
  switch (write.verb) {
    case "create":
    case "update":
    case "patch":
      return modification(previous, write, body, options);
    case "delete":
      // Only a DELETE of the object itself removes it: one through a subresource (a Pod's,
      // Service's or Node's proxy, forwarded to the server behind it) leaves it as it was.
      return write.subresource === "" ? deletion(previous, body) : nothingKnown();
    case "deletecollection":
      // The collection, not one object: the objects it removed are not named in the event.
      return nothingKnown();
    case "get":
      // A session opened in a Pod over WebSocket (SESSION_SUBRESOURCES): the Pod is as it was.
      return nothingKnown();
  }
}
