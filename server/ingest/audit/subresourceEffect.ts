import type { AuditEvent } from "./eventSchema";
import { secondOf } from "./eviction";
import { isJsonObject, type JsonObject, type JsonValue, type SubresourceEffect } from "./types";

/**
 * What a successful write to a subresource of another kind did to its object, read from the
 * Scale, Binding or Eviction it carries (AuditWrite.effect). Without it, `kubectl scale`, an HPA,
 * the scheduler and `kubectl drain` change their objects invisibly: their bodies are not the
 * object, so the change shows on whoever writes the object next (the deployment-controller's
 * status update takes the new replicas, the kubelet's status patch the node, or the deletion).
 */

/**
 * The scale subresources whose Scale maps spec.replicas to the object's own spec.replicas: the
 * built-in ones (kube-apiserver's registries for apps Deployments, ReplicaSets and StatefulSets,
 * their extensions/v1beta1 and apps/v1beta* forms, and core ReplicationControllers). A custom
 * resource's Scale reads a path its definition names (specReplicasPath), which an audit event
 * does not say: its scale writes keep no effect.
 */
const SCALE_MAPS_SPEC_REPLICAS = new Set(["apps/deployments", "apps/replicasets", "apps/statefulsets", "extensions/deployments", "extensions/replicasets", "/replicationcontrollers"]);

/** The effect of `event`, a write of `verb` that succeeded and was not a dry run, to `apiGroup`/`resource`/`subresource`; undefined when it has none. */
export function subresourceEffectOf(event: AuditEvent, verb: string, apiGroup: string, resource: string, subresource: string): SubresourceEffect | undefined {
  if (subresource === "scale" && SCALE_MAPS_SPEC_REPLICAS.has(`${apiGroup}/${resource}`)) return scaleEffectOf(event, verb);
  if (subresource === "binding" && apiGroup === "" && resource === "pods" && verb === "create") return bindingEffectOf(event);
  if (subresource === "eviction" && apiGroup === "" && resource === "pods" && verb === "create") return evictionEffectOf(event);
  return undefined;
}

/**
 * A Scale's replicas: from the response (the object as the write left it, its resourceVersion
 * the object's own), or without one (Request level) from the request, which is what was asked
 * and what the apiserver stores (its scale update copies only spec.replicas to the object): an
 * update's Scale (an HPA's), or a patch that sets spec.replicas (`kubectl scale`'s merge patch
 * `{"spec":{"replicas":3}}`). The version it made is then not told. At either level, a version
 * the request names is the one it was made on (`madeOn`): the apiserver copies it to the object it
 * updates, and refuses the write when the object is at another (an HPA's update sends the Scale
 * it read, and so does `kubectl scale --resource-version` or `--current-replicas`). Answered, it
 * still tells more than the version made: that the scale came before any change made on that
 * version without telling its own (another scale at Request level).
 */
function scaleEffectOf(event: AuditEvent, verb: string): SubresourceEffect | undefined {
  const request = event.requestObject;
  const named = isJsonObject(request) && isJsonObject(request.metadata) ? request.metadata.resourceVersion : undefined;
  const madeOn = typeof named === "string" && named !== "" ? { madeOn: named } : {};
  const response = asScale(event.responseObject);
  if (response !== null) {
    const replicas = replicasOf(response);
    if (replicas === null) return undefined;
    const metadata = response.metadata;
    const resourceVersion = isJsonObject(metadata) && typeof metadata.resourceVersion === "string" && metadata.resourceVersion !== "" ? metadata.resourceVersion : null;
    return { kind: "scale", replicas, resourceVersion, ...madeOn };
  }
  // A response that is something else (a Status, say) tells nothing the request could stand for.
  if (event.responseObject !== null) return undefined;
  const asked = verb === "update" ? replicasOf(asScale(request) ?? {}) : verb === "patch" ? replicasSetByPatch(request) : null;
  if (asked === null) return undefined;
  return { kind: "scale", replicas: asked, resourceVersion: null, ...madeOn };
}

/**
 * The replicas a patch of a Scale sets: an object patch's (JSON merge, strategic merge or apply)
 * spec.replicas, or the last value a JSON patch adds or replaces at /spec/replicas. Null when it
 * sets none, or may change them in a way not told by a value (a JSON patch that removes, moves
 * or copies them, or replaces spec or the whole Scale).
 */
function replicasSetByPatch(patch: JsonValue | null): number | null {
  if (isJsonObject(patch)) return replicasOf(patch);
  if (!Array.isArray(patch)) return null;
  const touches = (pointer: JsonValue | undefined) => typeof pointer === "string" && (pointer === "" || pointer === "/spec" || pointer === "/spec/replicas" || pointer.startsWith("/spec/replicas/"));
  let replicas: number | null = null;
  for (const operation of patch) {
    if (!isJsonObject(operation) || operation.op === "test") continue;
    if ((operation.op === "add" || operation.op === "replace") && operation.path === "/spec/replicas" && isCount(operation.value)) replicas = operation.value;
    else if (touches(operation.path) || (operation.op === "move" && touches(operation.from))) return null;
  }
  return replicas;
}

function asScale(body: JsonValue | null): JsonObject | null {
  return isJsonObject(body) && body.kind === "Scale" ? body : null;
}

/** spec.replicas of a Scale (or a patch of one), when it is a count (the apiserver defaults a missing one to 0; an event that leaves it out says nothing). */
function replicasOf(scale: JsonObject): number | null {
  const spec = scale.spec;
  const replicas = isJsonObject(spec) ? spec.replicas : undefined;
  return isCount(replicas) ? replicas : null;
}

function isCount(value: JsonValue | undefined): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

/**
 * The node a Binding names, its annotations and labels, from the request (the response is a
 * Status). The apiserver sets the Pod's spec.nodeName to its target, copies the Binding's
 * annotations onto the Pod's (over those of the same key), and makes the Pod's PodScheduled
 * condition true, stamped with the time it did so (kube-apiserver's pod binding storage,
 * setPodHostAndAnnotations; setPodNodeAndMetadata since 1.33), to the whole second a condition's
 * time keeps: the second the request ran in, when it was received and answered within one (the
 * same "now" as an eviction's, ./eviction.ts); else that second is unknowable and `at` is null.
 * The converter redacts the annotations and labels as the Pod's body would have them.
 *
 * The Binding's labels are the Pod's too only in the releases that copy them (from 1.35 by
 * default: ./apiserverBehaviour.ts), which change.ts applies as the cluster's version says. The
 * labels told are those the client sent: the topology labels that feature's admission plugin
 * (PodTopologyLabels) adds to the Binding are added after the audit log recorded the request,
 * and show on the Pod's next write.
 */
function bindingEffectOf(event: AuditEvent): SubresourceEffect | undefined {
  const binding = event.requestObject;
  if (!isJsonObject(binding) || binding.kind !== "Binding" || !isJsonObject(binding.target)) return undefined;
  const { target } = binding;
  if (typeof target.name !== "string" || target.name === "" || (target.kind !== undefined && target.kind !== "Node")) return undefined;
  const metadata = isJsonObject(binding.metadata) ? binding.metadata : {};
  const annotations = stringMap(metadata.annotations);
  const labels = stringMap(metadata.labels);
  return {
    kind: "binding",
    nodeName: target.name,
    at: secondOf({ from: event.requestReceivedTime, to: event.stageTime }),
    ...(annotations !== null ? { annotations } : {}),
    ...(labels !== null ? { labels } : {}),
  };
}

/** The string entries of a map of strings (anything else would not have been decoded by the apiserver); null when there are none. */
function stringMap(value: JsonValue | undefined): JsonObject | null {
  if (!isJsonObject(value)) return null;
  const entries = Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === "string");
  return entries.length > 0 ? Object.fromEntries(entries) : null;
}

/**
 * An allowed eviction, with the grace period its Eviction's DeleteOptions ask for (the request;
 * the response is a Status). What the apiserver then does to the Pod is ./eviction.ts's. None at
 * Metadata level, where the options are not told, and none for options that would add a
 * finalizer to the Pod (orphanDependents, propagationPolicy Orphan or Foreground), which no
 * eviction client sends and which is not modelled. A dry run (the options' dryRun too) is none
 * either: the converter tells it.
 */
function evictionEffectOf(event: AuditEvent): SubresourceEffect | undefined {
  const eviction = event.requestObject;
  if (!isJsonObject(eviction) || eviction.kind !== "Eviction") return undefined;
  // A Status that is not a success: the apiserver answers those with their own code, but a
  // response that says so is believed over the code. The eviction REST returns one as its result
  // for a Pod under two PodDisruptionBudgets, which the create handler answers with 201: the
  // audit event's responseStatus keeps its status at every level, the response only at
  // RequestResponse.
  const response = event.responseObject;
  if (isJsonObject(response) && response.kind === "Status" && response.status !== undefined && response.status !== "Success") return undefined;
  const status = event.responseStatus?.status;
  if (status !== undefined && status !== "" && status !== "Success") return undefined;
  const options = eviction.deleteOptions ?? null;
  if (options === null) return { kind: "eviction", gracePeriodSeconds: null };
  if (!isJsonObject(options)) return undefined;
  const grace = options.gracePeriodSeconds ?? null;
  if (grace !== null && !(typeof grace === "number" && Number.isSafeInteger(grace))) return undefined;
  const propagation = options.propagationPolicy ?? null;
  if (options.orphanDependents === true || (propagation !== null && propagation !== "Background")) return undefined;
  return { kind: "eviction", gracePeriodSeconds: grace };
}

/** Whether an Eviction asks for a dry run in its DeleteOptions (kubectl drain --dry-run=server puts it there, not in the URL). */
export function evictionIsDryRun(event: AuditEvent): boolean {
  const eviction = event.requestObject;
  const options = isJsonObject(eviction) && eviction.kind === "Eviction" ? eviction.deleteOptions : undefined;
  return isJsonObject(options) && Array.isArray(options.dryRun) && options.dryRun.length > 0;
}

/**
 * The fields an effect sets on its object (change.ts), as paths of its body; the generation a
 * scale bumps is not among them, as it comes from the state held, redacted as it is.
 */
function pathsSetBy(effect: SubresourceEffect): string[][] {
  switch (effect.kind) {
    case "scale":
      return [["spec", "replicas"]];
    case "binding":
      return [["spec", "nodeName"], ["status", "conditions"]];
    case "eviction":
      return [["metadata", "deletionTimestamp"], ["metadata", "deletionGracePeriodSeconds"], ["status", "conditions"]];
  }
}

/**
 * The fields of its object's state that what an effect does depends on, beyond those it sets
 * (./eviction.ts): redacted there, they are fingerprints, and an eviction would take a Pod whose
 * grace period is one for a Pod without any, and remove it at once.
 */
function pathsReadBy(effect: SubresourceEffect): string[][] {
  return effect.kind === "eviction" ? [["spec", "nodeName"], ["spec", "terminationGracePeriodSeconds"], ["status", "phase"], ["metadata", "finalizers"]] : [];
}

/**
 * Whether `effect` sets, or depends on, a field at or above one of `sensitivePaths` (its
 * object's, as the redaction rules give them): the state it would make would hold what a body's
 * redaction keeps out, or be made of fingerprints, so the converter drops it, and the object's
 * next write shows the change, redacted.
 */
export function setsSensitiveFields(effect: SubresourceEffect, sensitivePaths: readonly string[][]): boolean {
  const overlap = (a: readonly string[], b: readonly string[]) => a.every((key, i) => i >= b.length || b[i] === key);
  return [...pathsSetBy(effect), ...pathsReadBy(effect)].some((set) => sensitivePaths.some((sensitive) => overlap(set, sensitive)));
}

/**
 * Whether a write through `subresource` may have had an effect (AuditWrite.effect): its object's
 * state after it, when it has one, was then made of the state before it, not told whole.
 */
export function mayHaveEffect(subresource: string): boolean {
  return subresource === "scale" || subresource === "binding";
}

/**
 * Whether `body`, its object as a response told it, was made before `state`, a state that
 * effects made of an older one (change.ts), whatever its resourceVersion says: it lacks what they
 * did, which no later write undoes. A bound Pod keeps its node (the apiserver refuses to change
 * spec.nodeName), a generation only grows (a Scale that changed the replicas made a new one), and
 * a deletionTimestamp, once set, stays until the object is gone (an eviction set it).
 * Such a body's resourceVersion may be newer than the one the effects were applied to, as the
 * version they made is not told (a binding, an eviction, a Scale at Request level).
 */
export function predatesEffects(body: JsonObject, state: JsonObject): boolean {
  const generation = fieldOf(body, "metadata", "generation");
  const generationOfState = fieldOf(state, "metadata", "generation");
  if (typeof generation === "number" && typeof generationOfState === "number" && generation < generationOfState) return true;
  const node = fieldOf(state, "spec", "nodeName");
  const nodeOfBody = fieldOf(body, "spec", "nodeName");
  if (typeof node === "string" && node !== "" && (typeof nodeOfBody !== "string" || nodeOfBody === "")) return true;
  const deletion = fieldOf(state, "metadata", "deletionTimestamp");
  const deletionOfBody = fieldOf(body, "metadata", "deletionTimestamp");
  return typeof deletion === "string" && deletion !== "" && (typeof deletionOfBody !== "string" || deletionOfBody === "");
}

function fieldOf(body: JsonObject, section: string, key: string): JsonValue | undefined {
  const value = body[section];
  return isJsonObject(value) ? value[key] : undefined;
}
