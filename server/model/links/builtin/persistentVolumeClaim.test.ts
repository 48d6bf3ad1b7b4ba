import { describe, expect, it } from "vitest";
import { openshiftObject } from "../../../testing/fixtures";
import { asBody, identityOf } from "../../../testing/linkers";
import { persistentVolumeClaimLinker } from "./persistentVolumeClaim";

/**
 * The captures hold no PersistentVolumeClaim: this one is the claim the OpenShift image registry
 * operator creates for PVC storage (image-registry-storage, in the real registry Pod's namespace,
 * labelled like the real registry objects), bound the way dynamic provisioning names volumes
 * (pvc-<claim uid>).
 */
function registryClaim(): Record<string, any> {
  const pod = openshiftObject("openshift-image-registry", "core/pods.yaml", "image-registry-6dc4cb66fc-k66zl");
  const uid = "5b0f4e4a-2c1d-4d7e-9a51-6c2f7c1e9a10";
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name: "image-registry-storage", namespace: pod.metadata.namespace, uid, labels: { "docker-registry": pod.metadata.labels["docker-registry"] } },
    spec: { accessModes: ["ReadWriteMany"], resources: { requests: { storage: "100Gi" } }, storageClassName: "azurefile-csi", volumeName: `pvc-${uid}` },
    status: { phase: "Bound" },
  };
}

describe("persistentVolumeClaim linker", () => {
  it("links a bound claim to its PersistentVolume (cluster-scoped)", () => {
    const claim = registryClaim();
    expect(persistentVolumeClaimLinker.claims(asBody(claim), identityOf(claim, "", "persistentvolumeclaims"))).toEqual([
      {
        kind: "bound-volume",
        role: "parent",
        other: { apiGroup: "", resource: "persistentvolumes", namespace: "", name: "pvc-5b0f4e4a-2c1d-4d7e-9a51-6c2f7c1e9a10", kind: "PersistentVolume", apiVersion: "v1" },
      },
    ]);
  });

  it("states nothing while the claim is pending", () => {
    const claim = registryClaim();
    delete claim.spec.volumeName;
    claim.status.phase = "Pending";
    expect(persistentVolumeClaimLinker.claims(asBody(claim), identityOf(claim, "", "persistentvolumeclaims"))).toEqual([]);
  });
});
