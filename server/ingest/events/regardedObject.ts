import type { ObjectIdentity } from "../audit/types";
import { builtinResource } from "../../k8s/resources";
import { referenceByKind, versionOfApiVersion } from "../../model/links/references";
import type { RegardedObject } from "./kubernetesEvent";

export type RegardedObjectIdentity = { ok: true; object: ObjectIdentity } | { ok: false; problem: string };

/**
 * The identity of the object an Event is about, as the store names objects: group and plural
 * resource from apiVersion + kind (referenceByKind: without an apiVersion, the first built-in
 * group serving the kind, else core). `field` is the reference's name in the Event's API
 * (`involvedObject`, `regarding`), for the problem.
 *
 * The namespace: none for a built-in cluster-scoped kind, though real must-gather data has Node
 * and Namespace references carrying the Event's. Else the reference's; a reference without one
 * is in the Event's namespace when its kind is a built-in namespaced one (a hand-made Event
 * leaves it out; the apiserver has a reference's namespace, when given, match its Event's). A
 * kind we don't know (a custom resource) without one is cluster-scoped: recorders copy the
 * object's namespace into the reference, so only a cluster-scoped object's is empty, and its
 * Event sits in "default" (or kube-system), which is not the object's.
 */
export function regardedObjectIdentity(ref: RegardedObject, eventNamespace: string | null, field: string): RegardedObjectIdentity {
  const groupAlone = ref.apiVersion !== null && isGroupAlone(ref.apiVersion);
  // referenceByKind reads the group before the slash.
  const apiVersion = groupAlone ? `${ref.apiVersion}/` : ref.apiVersion;
  const reference = referenceByKind({ apiVersion, kind: ref.kind, name: ref.name, namespace: ref.namespace ?? "" });
  const builtin = builtinResource(reference.apiGroup, reference.resource);
  let namespace = reference.namespace;
  if (namespace === "" && builtin?.namespaced === true) {
    if (eventNamespace === null) return { ok: false, problem: `${field}.namespace: required: a ${ref.kind} is namespaced, and the event has no namespace either` };
    namespace = eventNamespace;
  }
  return {
    ok: true,
    object: {
      apiGroup: reference.apiGroup,
      // The version alone, as audit objectRefs give it ("" when unknown, as there).
      apiVersion: ref.apiVersion === null || groupAlone ? "" : versionOfApiVersion(ref.apiVersion),
      resource: reference.resource,
      kind: ref.kind,
      namespace,
      name: ref.name,
      uid: regardedUid(ref),
    },
  };
}

/**
 * The reference's uid, unless it is not one: the kubelet names its Node in Events with the
 * node's name as uid (pkg/kubelet: `UID: types.UID(nodeName)`), which would otherwise pass for
 * the Node's real uid and split its history in two.
 */
function regardedUid(ref: RegardedObject): string | null {
  if (ref.kind === "Node" && ref.uid === ref.name) return null;
  return ref.uid;
}

/** A core API version: v1, v2beta1... (the only kind of apiVersion without a group). */
const CORE_VERSION = /^v\d+((alpha|beta)\d+)?$/;

/**
 * An apiVersion that names a group and no version, as Kubernetes 1.8's controllers wrote their
 * Events' references (`extensions` for a Deployment or a ReplicaSet: real Sonobuoy data). Read as
 * a version, it would put the object in the core group, as an object that does not exist there.
 */
function isGroupAlone(apiVersion: string): boolean {
  return apiVersion !== "" && !apiVersion.includes("/") && !CORE_VERSION.test(apiVersion);
}
