import { describe, expect, it } from "vitest";
import { openshiftItems, sonobuoyItems } from "../../../testing/fixtures";
import { asBody, identityOf } from "../../../testing/linkers";
import { podNodeLinker } from "./podNode";

describe("podNode linker", () => {
  it("links every real OpenShift Pod to the Node it runs on", () => {
    const pods = [...openshiftItems("openshift-apiserver", "core/pods.yaml"), ...openshiftItems("openshift-image-registry", "core/pods.yaml")];
    for (const pod of pods) {
      expect(podNodeLinker.claims(asBody(pod), identityOf(pod, "", "pods"))).toEqual([
        { kind: "node", role: "parent", other: { apiGroup: "", resource: "nodes", namespace: "", name: pod.spec.nodeName, kind: "Node", apiVersion: "v1" } },
      ]);
    }
  });

  it("links the Kubernetes 1.8 Pods of Sonobuoy (no kind field) too", () => {
    const pod = sonobuoyItems("kube-system", "Pods").find((p) => p.metadata.name === "kube-dns-545bc4bfd4-t4lzx")!;
    expect(podNodeLinker.claims(asBody(pod), identityOf(pod, "", "pods"))[0]!.other.name).toBe("ip-10-0-26-239.us-west-2.compute.internal");
  });

  it("states nothing for a Pod not yet scheduled, or for other resources", () => {
    // The real Pod as the replicaset-controller creates it: no nodeName until the scheduler binds it.
    const [pod] = openshiftItems("openshift-apiserver", "core/pods.yaml");
    delete pod!.spec.nodeName;
    expect(podNodeLinker.claims(asBody(pod!), identityOf(pod!, "", "pods"))).toEqual([]);
    const [replicaSet] = openshiftItems("openshift-apiserver", "apps/replicasets.yaml");
    replicaSet!.spec.nodeName = "not-a-pod";
    expect(podNodeLinker.claims(asBody(replicaSet!), identityOf(replicaSet!, "apps", "replicasets"))).toEqual([]);
  });
});
