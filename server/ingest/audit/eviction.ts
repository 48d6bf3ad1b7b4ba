import { isJsonObject, type JsonObject, type JsonValue, type SubresourceEffect } from "./types";

/**
 * What an eviction the apiserver allowed did to its Pod (`create` of pods/eviction: `kubectl
 * drain`, the descheduler, autoscalers), as kube-apiserver's eviction REST does it
 * (pkg/registry/core/pod/storage/eviction.go, addConditionAndDeletePod): two writes the audit
 * log does not show, made within the request.
 *
 * 1. The Pod's DisruptionTarget condition is made true (reason EvictionByEvictionAPI), replaced
 *    whole as podutil.UpdatePodCondition does, its transition time now unless it was already
 *    true, the observedGeneration of the one it replaces kept (the status update's
 *    preserveOldObservedGeneration). Since Kubernetes 1.26 (PodDisruptionConditions, on by
 *    default; always since 1.31): the caller says whether the cluster's release does it
 *    (./apiserverBehaviour.ts).
 * 2. The Pod is deleted with the Eviction's DeleteOptions (rest.BeforeDelete and the pod
 *    strategy's CheckGracefulDelete; the generic store's Delete): a Pod that is not being deleted
 *    gets deletionTimestamp now + its grace period (the options', else its
 *    terminationGracePeriodSeconds; 0 for a Pod on no node or already terminal) and
 *    deletionGracePeriodSeconds, its generation, where it has one, bumped; with a grace period of
 *    0 and no finalizers it is removed at once. A Pod already being deleted keeps its deletion,
 *    unless the options shorten its grace period; one whose grace period had run out (0, or none
 *    given) is removed, or, with finalizers, marked as deleting now.
 *
 * "Now" is the apiserver's clock while it ran the request, which the audit event brackets
 * (requestReceivedTimestamp, stageTimestamp); the times a Pod keeps are whole seconds. When both
 * ends fall in one second, that second is "now" as the Pod keeps it; otherwise the exact value is
 * unknowable, and the Pod's state after the eviction is not made up: the next write shows it.
 */

export type EvictionEffect = Extract<SubresourceEffect, { kind: "eviction" }>;

/** What an eviction left of a Pod. */
export interface EvictedPod {
  /**
   * The Pod as the eviction left it (no resourceVersion: the answer tells none); null when a
   * value it set depends on when within the request the apiserver set it, to the second.
   */
  state: JsonObject | null;
  /** The apiserver removed the Pod (a grace period of 0, no finalizers). */
  removed: boolean;
}

/** The condition the eviction REST sets (its lastTransitionTime aside). */
const DISRUPTION_TARGET = { type: "DisruptionTarget", status: "True", reason: "EvictionByEvictionAPI", message: "Eviction API: evicting" };

/**
 * The longest grace period, in seconds, that kube-apiserver adds to a time as it is: a Go
 * time.Duration (int64 nanoseconds) of more seconds overflows, and the deletion time it then
 * sets is not now plus the grace period. A longer one (a valid int64, which DeleteOptions and a
 * Pod's spec take) makes the time unknown here.
 */
const MAX_DURATION_SECONDS = 9_223_372_036;

/** When the request was received and answered, on the apiserver's clock: "now" was in between. */
export interface RequestWindow {
  from: Date;
  to: Date;
}

/** What the cluster's kube-apiserver does in an eviction, by its release (./apiserverBehaviour.ts). */
export interface EvictionRules {
  /** It makes the Pod's DisruptionTarget condition true (1.26 and later by default). */
  setsDisruptionTarget: boolean;
}

/** What evicting `pod` (its last known state, never changed here) with `effect` during `window` made of it. */
export function evictedPod(pod: JsonObject, effect: EvictionEffect, window: RequestWindow, rules: EvictionRules): EvictedPod {
  const now = secondOf(window);
  // Copied along the paths it changes only, as change.ts's other effects do: `pod` may be shared.
  const state: JsonObject = { ...pod };
  const metadata = copiedObjectAt(state, "metadata");
  delete metadata.resourceVersion;
  const conditionKnown = rules.setsDisruptionTarget ? setDisruptionTarget(copiedObjectAt(state, "status"), now) : true;
  // rest.BeforeDelete: a negative grace period is taken as 1 second.
  const asked = effect.gracePeriodSeconds === null ? null : effect.gracePeriodSeconds < 0 ? 1 : effect.gracePeriodSeconds;
  const deletion = deletePod(state, metadata, asked, window, now);
  return { state: conditionKnown && deletion.known ? state : null, removed: deletion.removed };
}

/** Sets the DisruptionTarget condition as podutil.UpdatePodCondition does; false when its new transition time is not known to the second. */
function setDisruptionTarget(status: JsonObject, now: string | null): boolean {
  const conditions = Array.isArray(status.conditions) ? [...status.conditions] : [];
  status.conditions = conditions;
  const index = conditions.findIndex((condition) => isJsonObject(condition) && condition.type === DISRUPTION_TARGET.type);
  const before = index >= 0 ? (conditions[index] as JsonObject) : null;
  // Kept, whatever it was, when the condition was already true; else now.
  const kept = before?.status === "True";
  const lastTransitionTime = kept ? (before.lastTransitionTime ?? null) : now;
  const condition: JsonObject = { ...DISRUPTION_TARGET, lastProbeTime: null, lastTransitionTime };
  // The new condition carries none, and the status update keeps the one the condition it
  // replaces had (podStatusStrategy.PrepareForUpdate, preserveOldObservedGeneration).
  if (typeof before?.observedGeneration === "number" && before.observedGeneration !== 0) condition.observedGeneration = before.observedGeneration;
  if (index >= 0) conditions[index] = condition;
  else conditions.push(condition);
  return kept || now !== null;
}

/**
 * Applies the eviction's delete to `pod` (its `metadata` already copied into it), with the
 * grace period `asked` by its DeleteOptions: whether the apiserver removed the Pod, and whether
 * the deletion fields it set are known (they may depend on the second it ran in).
 */
function deletePod(pod: JsonObject, metadata: JsonObject, asked: number | null, window: RequestWindow, now: string | null): { removed: boolean; known: boolean } {
  const finalizers = Array.isArray(metadata.finalizers) && metadata.finalizers.length > 0;
  const pending = typeof metadata.deletionTimestamp === "string" ? Date.parse(metadata.deletionTimestamp) : Number.NaN;
  if (!Number.isNaN(pending)) {
    const recorded = metadata.deletionGracePeriodSeconds;
    const grace = typeof recorded === "number" ? (recorded < 0 ? 1 : recorded) : 0;
    if (grace === 0) {
      // Its grace period ran out: removed now, unless finalizers hold it (markAsDeleting: the
      // deletion moved to now if it was later, the grace period 0).
      if (!finalizers) return { removed: true, known: true };
      metadata.deletionGracePeriodSeconds = 0;
      const later = isAfterNow(pending, window);
      if (later === true && now !== null) metadata.deletionTimestamp = now;
      return { removed: false, known: later === false || (later === true && now !== null) };
    }
    // Only a shorter grace period changes a pending deletion; a longer one, or none, leaves it as it is.
    if (asked === null || asked >= grace) return { removed: false, known: true };
    const removed = asked === 0 && !finalizers;
    if (grace > MAX_DURATION_SECONDS) return { removed, known: false };
    // Moved back by the difference; to now, if that is past, graceful (1 second) unless 0 was asked.
    const shortened = pending - (grace - asked) * 1000;
    const past = isBeforeNow(shortened, window);
    if (past === null || (past && now === null)) return { removed, known: false };
    metadata.deletionTimestamp = past ? now! : isoSeconds(shortened);
    metadata.deletionGracePeriodSeconds = past && asked !== 0 ? 1 : asked;
    return { removed, known: true };
  }
  const period = gracePeriodOf(pod, asked);
  if (period > MAX_DURATION_SECONDS) return { removed: false, known: false };
  if (now !== null) metadata.deletionTimestamp = isoSeconds(Date.parse(now) + period * 1000);
  metadata.deletionGracePeriodSeconds = period;
  // The first graceful deletion is a new generation, where the object counts them.
  if (typeof metadata.generation === "number" && metadata.generation > 0) metadata.generation += 1;
  return { removed: period === 0 && !finalizers, known: now !== null };
}

/** The pod strategy's CheckGracefulDelete: the grace period a delete of `pod` not yet being deleted gets. */
function gracePeriodOf(pod: JsonObject, asked: number | null): number {
  const spec = isJsonObject(pod.spec) ? pod.spec : {};
  const status = isJsonObject(pod.status) ? pod.status : {};
  let period = asked ?? (typeof spec.terminationGracePeriodSeconds === "number" ? spec.terminationGracePeriodSeconds : 0);
  if (typeof spec.nodeName !== "string" || spec.nodeName === "") period = 0;
  if (status.phase === "Failed" || status.phase === "Succeeded") period = 0;
  return period < 0 ? 1 : period;
}

/** Whether `time` (ms) is after the apiserver's "now" during `window`; null when the window does not tell. */
function isAfterNow(time: number, window: RequestWindow): boolean | null {
  if (time > window.to.getTime()) return true;
  if (time <= window.from.getTime()) return false;
  return null;
}

/** Whether `time` (ms) is before the apiserver's "now" during `window`; null when the window does not tell. */
function isBeforeNow(time: number, window: RequestWindow): boolean | null {
  if (time < window.from.getTime()) return true;
  if (time >= window.to.getTime()) return false;
  return null;
}

/** The second "now" was in while the request ran, as a Pod keeps times; null when the request spanned seconds. */
export function secondOf(window: RequestWindow): string | null {
  const from = Math.floor(window.from.getTime() / 1000);
  const to = Math.floor(window.to.getTime() / 1000);
  return from === to ? isoSeconds(from * 1000) : null;
}

function isoSeconds(ms: number): string {
  return `${new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19)}Z`;
}

/** A copy of the object at `key` of `body` (an empty one when it is missing or something else), put in its place. */
function copiedObjectAt(body: JsonObject, key: string): JsonObject {
  const value: JsonValue | undefined = body[key];
  const copy: JsonObject = isJsonObject(value) ? { ...value } : {};
  body[key] = copy;
  return copy;
}
