import { objectsAt, stringAt } from "../fields";
import { coreReference } from "../references";
import type { Linker, RelationClaim } from "../types";
import { isResource } from "./resourceMatch";

/**
 * The PersistentVolumeClaims a Pod mounts: `spec.volumes[].persistentVolumeClaim.claimName`,
 * and generic ephemeral volumes (`spec.volumes[].ephemeral`), whose claim Kubernetes names
 * `<pod>-<volume>`. `volume-claim` references.
 */
export const podVolumeClaimsLinker: Linker = {
  name: "podVolumeClaims",
  claims(body, self) {
    if (!isResource(self, [""], "pods")) return [];
    const claims: RelationClaim[] = [];
    for (const volume of objectsAt(body, "spec", "volumes")) {
      const claimName =
        stringAt(volume, "persistentVolumeClaim", "claimName") ??
        (volume.ephemeral !== undefined && stringAt(volume, "name") ? `${self.name}-${stringAt(volume, "name")}` : null);
      if (claimName) {
        claims.push({ kind: "volume-claim", role: "parent", other: coreReference("persistentvolumeclaims", "PersistentVolumeClaim", self.namespace, claimName) });
      }
    }
    return claims;
  },
};
