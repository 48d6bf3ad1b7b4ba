import { describe, expect, it } from "vitest";
import { falcoEvents, openshiftItems, openshiftObject, sonobuoyItems } from "../../../testing/fixtures";
import { asBody, identityOf } from "../../../testing/linkers";
import { ownerReferencesLinker } from "./ownerReferences";

const claimsOf = (body: Record<string, any>, group: string, resource: string) => ownerReferencesLinker.claims(asBody(body), identityOf(body, group, resource));

describe("ownerReferences linker", () => {
  it("puts a real OpenShift Pod under its ReplicaSet as controller-owner, with the owner's uid", () => {
    const pod = openshiftObject("openshift-apiserver", "core/pods.yaml", "apiserver-5d887d5fcd-mrn5h");
    expect(claimsOf(pod, "", "pods")).toEqual([
      {
        kind: "controller-owner",
        role: "parent",
        other: {
          apiGroup: "apps",
          resource: "replicasets",
          namespace: "openshift-apiserver",
          name: "apiserver-5d887d5fcd",
          kind: "ReplicaSet",
          apiVersion: "apps/v1",
          uid: "844d9542-7974-4670-9d85-746e8c4b2d83",
        },
      },
    ]);
  });

  it("puts each real ReplicaSet of the rollout under the Deployment apiserver", () => {
    const deployment = openshiftObject("openshift-apiserver", "apps/deployments.yaml", "apiserver");
    for (const rs of openshiftItems("openshift-apiserver", "apps/replicasets.yaml")) {
      expect(claimsOf(rs, "apps", "replicasets")).toEqual([
        {
          kind: "controller-owner",
          role: "parent",
          other: expect.objectContaining({ apiGroup: "apps", resource: "deployments", name: "apiserver", uid: deployment.metadata.uid }),
        },
      ]);
    }
  });

  it("puts the real node-ca Pods under their DaemonSet", () => {
    const pods = openshiftItems("openshift-image-registry", "core/pods.yaml").filter((p) => p.metadata.name.startsWith("node-ca-"));
    expect(pods.length).toBe(6);
    for (const pod of pods) {
      expect(claimsOf(pod, "", "pods")).toEqual([
        { kind: "controller-owner", role: "parent", other: expect.objectContaining({ apiGroup: "apps", resource: "daemonsets", namespace: "openshift-image-registry", name: "node-ca" }) },
      ]);
    }
  });

  it("reads Kubernetes 1.8 objects (no kind/apiVersion, extensions/v1beta1 owners) from Sonobuoy", () => {
    const pods = sonobuoyItems("kube-system", "Pods");
    const byName = Object.fromEntries(pods.map((p) => [p.metadata.name, claimsOf(p, "", "pods")]));
    expect(byName["kube-dns-545bc4bfd4-t4lzx"]).toEqual([
      {
        kind: "controller-owner",
        role: "parent",
        other: expect.objectContaining({ apiGroup: "extensions", resource: "replicasets", name: "kube-dns-545bc4bfd4", uid: "fce41ecc-e026-11e7-8132-0254a9767590" }),
      },
    ]);
    expect(byName["calico-node-5sgh9"]![0]!.other).toMatchObject({ apiGroup: "extensions", resource: "daemonsets", name: "calico-node" });
    // Static (mirror) pods of that era have no ownerReferences at all.
    expect(byName["etcd-ip-10-0-9-206.us-west-2.compute.internal"]).toEqual([]);
    const rs = sonobuoyItems("kube-system", "ReplicaSets");
    expect(claimsOf(rs[0]!, "extensions", "replicasets")[0]!.other).toMatchObject({ resource: "deployments", name: "calico-kube-controllers" });
  });

  it("states a non-controller owner as a weaker owner link, and a cluster-scoped owner without a namespace", () => {
    // Derived from the real Pod: a second owner without controller: true (as operators set for
    // garbage collection only), and a mirror-Pod-style Node owner.
    const pod = openshiftObject("openshift-apiserver", "core/pods.yaml", "apiserver-5d887d5fcd-qnvqh");
    pod.metadata.ownerReferences.push(
      { apiVersion: "operator.openshift.io/v1", kind: "OpenShiftAPIServer", name: "cluster", uid: "0b1d2d3e-0000-4000-8000-000000000001" },
      { apiVersion: "v1", kind: "Node", name: pod.spec.nodeName, uid: "7ffab0b6-9174-4f84-9b4f-2a33e3956b36", controller: false },
    );
    const claims = claimsOf(pod, "", "pods");
    expect(claims.map((c) => c.kind)).toEqual(["controller-owner", "owner", "owner"]);
    expect(claims[1]!.other).toMatchObject({ apiGroup: "operator.openshift.io", resource: "openshiftapiservers", namespace: "openshift-apiserver" });
    expect(claims[2]!.other).toMatchObject({ apiGroup: "", resource: "nodes", namespace: "", name: "ci-ln-k7vx6h2-002ac-w7gjh-master-1" });
  });

  it("states no owner of a cluster-scoped object that names a namespaced kind (Kubernetes cannot resolve it)", () => {
    // The real ClusterRole of the falco trace, given owners as an operator might: a Deployment
    // (namespaced: garbage collection treats it as unresolvable) and a cluster-scoped Namespace.
    const clusterRole = falcoEvents("create_clusterrole.json")[0]!.responseObject;
    clusterRole.metadata.ownerReferences = [
      { apiVersion: "apps/v1", kind: "Deployment", name: "apiserver", uid: "0b1d2d3e-0000-4000-8000-000000000002", controller: true },
      { apiVersion: "v1", kind: "Namespace", name: "openshift-apiserver", uid: "0b1d2d3e-0000-4000-8000-000000000003" },
    ];
    expect(claimsOf(clusterRole, "rbac.authorization.k8s.io", "clusterroles")).toEqual([
      { kind: "owner", role: "parent", other: expect.objectContaining({ apiGroup: "", resource: "namespaces", namespace: "", name: "openshift-apiserver" }) },
    ]);
  });

  it("skips malformed owner references and never throws", () => {
    const pod = openshiftObject("openshift-apiserver", "core/pods.yaml", "apiserver-5d887d5fcd-xdwdd");
    pod.metadata.ownerReferences = [{ kind: "ReplicaSet" }, "nonsense", null, { apiVersion: "apps/v1", kind: "ReplicaSet", name: 7 }];
    expect(claimsOf(pod, "", "pods")).toEqual([]);
    for (const body of [{}, { metadata: null }, { metadata: { ownerReferences: "x" } }]) {
      expect(ownerReferencesLinker.claims(asBody(body), identityOf(body, "", "pods"))).toEqual([]);
    }
  });
});
