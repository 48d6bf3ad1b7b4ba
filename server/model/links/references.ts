import { BUILTIN_RESOURCES, builtinResource, otherGroupsServing, type BuiltinResource } from "../../k8s/resources";
import type { ObjectReference } from "./types";

/**
 * Turning what bodies say about other objects (apiVersion + kind, as in ownerReferences and
 * scaleTargetRef) into the group + plural resource + namespace that identify objects in the
 * store.
 */

/** The group of an apiVersion: "apps/v1" → "apps", "v1" → "" (core). */
export function groupOfApiVersion(apiVersion: string): string {
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? "" : apiVersion.slice(0, slash);
}

/** The version of an apiVersion: "apps/v1" → "v1", "v1" → "v1". */
export function versionOfApiVersion(apiVersion: string): string {
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
}

const byGroupKind = new Map(BUILTIN_RESOURCES.map((r) => [`${r.apiGroup}/${r.kind}`, r]));

/** The built-in resource of `kind` in `apiGroup`, or null (a CRD, or a kind we don't list). */
export function builtinResourceForKind(apiGroup: string, kind: string): BuiltinResource | null {
  return byGroupKind.get(`${apiGroup}/${kind}`) ?? null;
}

/**
 * The plural resource of a kind: from the built-in table, else guessed the way client-go's
 * UnsafeGuessKindToResource does (lowercase; s/x/z/ch/sh → +es; consonant+y → ies; else +s).
 * Custom resources almost always follow it (Rollout → rollouts, Policy → policies).
 */
export function resourceForKind(apiGroup: string, kind: string): string {
  const known = builtinResourceForKind(apiGroup, kind);
  if (known) return known.resource;
  const lower = kind.toLowerCase();
  if (lower === "") return lower;
  if (/(s|x|z|ch|sh)$/.test(lower)) return `${lower}es`;
  if (/[^aeiou]y$/.test(lower)) return `${lower.slice(0, -1)}ies`;
  return `${lower}s`;
}

/**
 * Whether objects of (apiGroup, resource) live in a namespace. Unknown resources (CRDs) are
 * taken to be namespaced: a reference from a namespaced object to a namespaced owner is the
 * common case, and cluster-scoped custom owners of namespaced objects are rare. When the guess
 * is wrong, the uid the reference gives corrects it in the store (mayBeClusterScoped).
 */
export function isNamespacedResource(apiGroup: string, resource: string): boolean {
  return builtinResource(apiGroup, resource)?.namespaced ?? true;
}

/**
 * Whether the object `ref` names may be cluster-scoped though `ref` puts it in a namespace: the
 * namespace of a kind we don't know is the guess above (isNamespacedResource), and Kubernetes
 * lets a namespaced object's owner be cluster-scoped (an OpenShift operator's Console, which owns
 * objects in openshift-console). The store then finds it by uid (docs/relations.md).
 */
export function mayBeClusterScoped(ref: Pick<ObjectReference, "apiGroup" | "resource" | "namespace">): boolean {
  return ref.namespace !== "" && builtinResource(ref.apiGroup, ref.resource) === null;
}

/**
 * The cluster-scoped name of the object `ref` names, when `ref` gives its uid and it may be
 * cluster-scoped (mayBeClusterScoped), else null: a batch whose relations name it locks that
 * name too, with the names it writes, as the writer of that object locks it (docs/storage.md,
 * "Locks"; transactionParts.ts counts it).
 */
export function clusterScopedNameToLock<T extends Pick<ObjectReference, "apiGroup" | "resource" | "namespace" | "uid">>(ref: T): T | null {
  return ref.uid && mayBeClusterScoped(ref) ? { ...ref, namespace: "" } : null;
}

/**
 * The name relations give `object` when they name it by its kind (resourceForKind) and that guess
 * is not its resource: a custom resource whose plural is irregular (the redis operator's Redis,
 * resource `redis`, guessed `redises`). Null when the guess is right, the kind is not known, or
 * the resource is built in (the table gives it). Its writer locks that name too, as a relation
 * naming it does (docs/storage.md, "Locks"): otherwise, stored at once, neither would see the
 * other's row, and a placeholder would hold its uid beside it.
 */
export function nameRelationsGuess(object: Pick<ObjectReference, "apiGroup" | "resource" | "namespace" | "name"> & { kind: string | null }): Pick<ObjectReference, "apiGroup" | "resource" | "namespace" | "name"> | null {
  if (object.kind === null || builtinResource(object.apiGroup, object.resource) !== null) return null;
  const guessed = resourceForKind(object.apiGroup, object.kind);
  return guessed === "" || guessed === object.resource ? null : { apiGroup: object.apiGroup, resource: guessed, namespace: object.namespace, name: object.name };
}

/**
 * The uid a batch locks (shared) before it makes a placeholder holding it for the object `ref`
 * names, when that object's writer may lock no name the relation gives: a custom resource, whose
 * plural the relation guessed from its kind, written at Metadata level, which tells no kind to
 * lock that guess by (nameRelationsGuess). Such a writer locks the uid it brings instead
 * (auditWriter.ts); stored at once, neither would see the other's row. Null for a built-in
 * resource, whose writer holds the name relations give it.
 */
export function uidToLockFor(ref: Pick<ObjectReference, "apiGroup" | "resource" | "uid">): string | null {
  return ref.uid && builtinResource(ref.apiGroup, ref.resource) === null ? ref.uid : null;
}

/**
 * The name the group that replaced `extensions` gives the object `ref` names through it (an old
 * ReplicaSet's Deployment: apps' `deployments`), else null. The store gives a placeholder named
 * through one group the other's name once its object is written there, finding it by uid
 * (docs/relations.md); a batch that writes an object through `extensions`, or whose relations
 * name one there by uid, locks this name too, as a batch writing it through the newer group does:
 * stored at once, neither would see the other's row, and a placeholder would hold the uid beside
 * the object. Only logs of clusters that served `extensions` (before 1.16) name it.
 */
export function newerGroupNameToLock<T extends Pick<ObjectReference, "apiGroup" | "resource">>(ref: T): T | null {
  if (ref.apiGroup !== "extensions") return null;
  const [newer] = otherGroupsServing(ref.apiGroup, ref.resource);
  return newer === undefined ? null : { ...ref, apiGroup: newer };
}

/**
 * A reference to the object of `kind` named `name`, given by apiVersion + kind as bodies name
 * other objects. Its namespace is `namespace` (the referrer's) unless the kind is cluster-scoped.
 * Without an apiVersion (old scaleTargetRefs, targetRefs), the group is the first built-in
 * group serving the kind (apps before extensions), else the core group.
 */
export function referenceByKind(fields: { apiVersion?: string | null; kind: string; name: string; namespace: string; uid?: string | null }): ObjectReference {
  const apiGroup = fields.apiVersion ? groupOfApiVersion(fields.apiVersion) : (BUILTIN_RESOURCES.find((r) => r.kind === fields.kind)?.apiGroup ?? "");
  const resource = resourceForKind(apiGroup, fields.kind);
  return {
    apiGroup,
    resource,
    namespace: isNamespacedResource(apiGroup, resource) ? fields.namespace : "",
    name: fields.name,
    kind: fields.kind,
    ...(fields.apiVersion ? { apiVersion: fields.apiVersion } : {}),
    ...(fields.uid ? { uid: fields.uid } : {}),
  };
}

/** A reference to a core-group (v1) object, e.g. a Pod's Node or PersistentVolumeClaim. */
export function coreReference(resource: string, kind: string, namespace: string, name: string, uid?: string | null): ObjectReference {
  return { apiGroup: "", resource, namespace, name, kind, apiVersion: "v1", ...(uid ? { uid } : {}) };
}
