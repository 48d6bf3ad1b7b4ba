import { stringAt } from "../fields";
import { coreReference } from "../references";
import type { Linker } from "../types";
import { isResource } from "./resourceMatch";

/** The PersistentVolume a PersistentVolumeClaim is bound to (`spec.volumeName`): a `bound-volume` reference. */
export const persistentVolumeClaimLinker: Linker = {
  name: "persistentVolumeClaim",
  claims(body, self) {
    if (!isResource(self, [""], "persistentvolumeclaims")) return [];
    const volumeName = stringAt(body, "spec", "volumeName");
    return volumeName ? [{ kind: "bound-volume", role: "parent", other: coreReference("persistentvolumes", "PersistentVolume", "", volumeName) }] : [];
  },
};
