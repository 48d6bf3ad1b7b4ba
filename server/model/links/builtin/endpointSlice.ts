import { objectsAt, stringAt } from "../fields";
import { coreReference, referenceByKind } from "../references";
import type { Linker, RelationClaim } from "../types";
import { isResource } from "./resourceMatch";

export const SERVICE_NAME_LABEL = "kubernetes.io/service-name";

/**
 * An EndpointSlice sits between its Service (label `kubernetes.io/service-name`:
 * `service-endpointslice`) and the Pods it routes to (`endpoints[].targetRef`:
 * `endpoint-target`). Its endpoints change as Pods become ready or go away, and so do these
 * relations. (The EndpointSlice controller also sets an ownerReference to the Service, which
 * the ownerReferences linker states as controller-owner.)
 */
export const endpointSliceLinker: Linker = {
  name: "endpointSlice",
  claims(body, self) {
    if (!isResource(self, ["discovery.k8s.io"], "endpointslices")) return [];
    const claims: RelationClaim[] = [];
    const serviceName = stringAt(body, "metadata", "labels", SERVICE_NAME_LABEL);
    if (serviceName) {
      claims.push({ kind: "service-endpointslice", role: "parent", other: coreReference("services", "Service", self.namespace, serviceName) });
    }
    for (const endpoint of objectsAt(body, "endpoints")) {
      const kind = stringAt(endpoint, "targetRef", "kind");
      const name = stringAt(endpoint, "targetRef", "name");
      if (!kind || !name) continue;
      claims.push({
        kind: "endpoint-target",
        role: "child",
        other: referenceByKind({
          apiVersion: stringAt(endpoint, "targetRef", "apiVersion") ?? (kind === "Pod" ? "v1" : null),
          kind,
          name,
          namespace: stringAt(endpoint, "targetRef", "namespace") ?? self.namespace,
          uid: stringAt(endpoint, "targetRef", "uid"),
        }),
      });
    }
    return claims;
  },
};
