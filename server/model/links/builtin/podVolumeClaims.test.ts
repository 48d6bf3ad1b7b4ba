import { describe, expect, it } from "vitest";
import { openshiftItems, openshiftObject } from "../../../testing/fixtures";
import { asBody, identityOf } from "../../../testing/linkers";
import { podVolumeClaimsLinker } from "./podVolumeClaims";

describe("podVolumeClaims linker", () => {
  it("states nothing for the real Pods, whose volumes are ConfigMaps, Secrets, projected and emptyDirs", () => {
    for (const pod of openshiftItems("openshift-image-registry", "core/pods.yaml")) {
      expect(podVolumeClaimsLinker.claims(asBody(pod), identityOf(pod, "", "pods"))).toEqual([]);
    }
  });

  it("links a Pod to the claims it mounts, including a generic ephemeral volume's", () => {
    // The real image-registry Pod (Azure blob storage in the capture), given the PVC volume the
    // registry operator configures on platforms with PVC storage (claim image-registry-storage),
    // and an ephemeral scratch volume, whose claim Kubernetes names <pod>-<volume>.
    const pod = openshiftObject("openshift-image-registry", "core/pods.yaml", "image-registry-6dc4cb66fc-k66zl");
    pod.spec.volumes.push(
      { name: "registry-storage", persistentVolumeClaim: { claimName: "image-registry-storage" } },
      { name: "registry-storage-again", persistentVolumeClaim: { claimName: "image-registry-storage", readOnly: true } },
      { name: "scratch", ephemeral: { volumeClaimTemplate: { spec: { accessModes: ["ReadWriteOnce"] } } } },
    );
    const claims = podVolumeClaimsLinker.claims(asBody(pod), identityOf(pod, "", "pods"));
    expect(claims.map((c) => [c.kind, c.role, c.other.resource, c.other.namespace, c.other.name])).toEqual([
      ["volume-claim", "parent", "persistentvolumeclaims", "openshift-image-registry", "image-registry-storage"],
      ["volume-claim", "parent", "persistentvolumeclaims", "openshift-image-registry", "image-registry-storage"],
      ["volume-claim", "parent", "persistentvolumeclaims", "openshift-image-registry", "image-registry-6dc4cb66fc-k66zl-scratch"],
    ]);
  });

  it("skips malformed volumes", () => {
    const pod = openshiftObject("openshift-image-registry", "core/pods.yaml", "image-registry-6dc4cb66fc-k66zl");
    pod.spec.volumes = [{ persistentVolumeClaim: {} }, { persistentVolumeClaim: { claimName: 3 } }, null, "x", { ephemeral: {} }];
    expect(podVolumeClaimsLinker.claims(asBody(pod), identityOf(pod, "", "pods"))).toEqual([]);
  });
});
