import { objectsAt, stringAt } from "../fields";
import { builtinResourceForKind, groupOfApiVersion, referenceByKind } from "../references";
import type { Linker, RelationClaim } from "../types";

/**
 * metadata.ownerReferences: the owner with `controller: true` is the object's controller
 * (`controller-owner`: Deployment → ReplicaSet → Pod, CronJob → Job → Pod, DaemonSet → Pod);
 * any other owner is a weaker `owner` link (garbage collection only). Applies to every kind.
 */
export const ownerReferencesLinker: Linker = {
  name: "ownerReferences",
  claims(body, self) {
    const claims: RelationClaim[] = [];
    for (const owner of objectsAt(body, "metadata", "ownerReferences")) {
      const apiVersion = stringAt(owner, "apiVersion");
      const kind = stringAt(owner, "kind");
      const name = stringAt(owner, "name");
      if (!apiVersion || !kind || !name) continue;
      // A cluster-scoped object cannot be owned by a namespaced one: Kubernetes's garbage
      // collector finds no such owner (an unresolvable reference), so it names no object.
      if (self.namespace === "" && builtinResourceForKind(groupOfApiVersion(apiVersion), kind)?.namespaced) continue;
      claims.push({
        kind: owner.controller === true ? "controller-owner" : "owner",
        role: "parent",
        // An owner is in the object's namespace, or cluster-scoped (a Node owning a mirror Pod).
        other: referenceByKind({ apiVersion, kind, name, namespace: self.namespace, uid: stringAt(owner, "uid") }),
      });
    }
    return claims;
  },
};
