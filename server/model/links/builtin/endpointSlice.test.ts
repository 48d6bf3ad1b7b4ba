import { describe, expect, it } from "vitest";
import { openshiftItems } from "../../../testing/fixtures";
import { asBody, identityOf } from "../../../testing/linkers";
import { endpointSliceLinker } from "./endpointSlice";

/**
 * The captures hold no EndpointSlice. This is the one the EndpointSlice controller keeps for
 * the Service `api` in openshift-apiserver (the Service in front of these Pods on every
 * OpenShift 4 cluster), listing the three real apiserver Pods with their real names, uids,
 * node names and Pod IPs, as discovery.k8s.io/v1 shapes it.
 */
function apiEndpointSlice(): Record<string, any> {
  const pods = openshiftItems("openshift-apiserver", "core/pods.yaml");
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: {
      name: "api-7x2kq",
      generateName: "api-",
      namespace: "openshift-apiserver",
      uid: "d4c1a3f2-8a8e-4a8b-9f3e-2b9b6f0d1c01",
      labels: { "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io", "kubernetes.io/service-name": "api" },
      ownerReferences: [{ apiVersion: "v1", kind: "Service", name: "api", uid: "0e3c7f2a-1b4d-4c9e-8f6a-5d2e1c0b9a87", controller: true, blockOwnerDeletion: true }],
    },
    addressType: "IPv4",
    endpoints: pods.map((pod) => ({
      addresses: [pod.status.podIP],
      conditions: { ready: true, serving: true, terminating: false },
      nodeName: pod.spec.nodeName,
      targetRef: { kind: "Pod", namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid },
    })),
    ports: [{ name: "https", port: 8443, protocol: "TCP" }],
  };
}

describe("endpointSlice linker", () => {
  it("puts the slice under its Service and its Pods under the slice", () => {
    const slice = apiEndpointSlice();
    const claims = endpointSliceLinker.claims(asBody(slice), identityOf(slice, "discovery.k8s.io", "endpointslices"));
    expect(claims[0]).toEqual({
      kind: "service-endpointslice",
      role: "parent",
      other: { apiGroup: "", resource: "services", namespace: "openshift-apiserver", name: "api", kind: "Service", apiVersion: "v1" },
    });
    expect(claims.slice(1)).toEqual(
      openshiftItems("openshift-apiserver", "core/pods.yaml").map((pod) => ({
        kind: "endpoint-target",
        role: "child",
        other: { apiGroup: "", resource: "pods", namespace: "openshift-apiserver", name: pod.metadata.name, kind: "Pod", apiVersion: "v1", uid: pod.metadata.uid },
      })),
    );
  });

  it("follows the endpoints as they change: a Pod going away leaves the slice", () => {
    const slice = apiEndpointSlice();
    slice.endpoints.splice(1, 1);
    delete slice.endpoints[0].targetRef.namespace;
    slice.endpoints.push({ addresses: ["10.0.0.9"] }, { targetRef: { kind: "Pod" } });
    const claims = endpointSliceLinker.claims(asBody(slice), identityOf(slice, "discovery.k8s.io", "endpointslices"));
    expect(claims.filter((c) => c.kind === "endpoint-target").map((c) => [c.other.namespace, c.other.name])).toEqual([
      ["openshift-apiserver", "apiserver-5d887d5fcd-mrn5h"],
      ["openshift-apiserver", "apiserver-5d887d5fcd-xdwdd"],
    ]);
  });

  it("reads the v1beta1 shape and ignores other resources", () => {
    const slice = apiEndpointSlice();
    slice.apiVersion = "discovery.k8s.io/v1beta1";
    slice.endpoints[0].topology = { "kubernetes.io/hostname": slice.endpoints[0].nodeName };
    expect(endpointSliceLinker.claims(asBody(slice), identityOf(slice, "discovery.k8s.io", "endpointslices"))).toHaveLength(4);
    expect(endpointSliceLinker.claims(asBody(slice), identityOf(slice, "", "endpoints"))).toEqual([]);
  });
});
