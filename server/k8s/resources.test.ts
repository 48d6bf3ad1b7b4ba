import { describe, expect, it } from "vitest";
import { BUILTIN_RESOURCES, builtinResource, kindForResource, otherGroupsServing } from "./resources";

describe("kindForResource", () => {
  it("knows the common built-in kinds", () => {
    expect(kindForResource("", "pods")).toBe("Pod");
    expect(kindForResource("", "endpoints")).toBe("Endpoints");
    expect(kindForResource("apps", "deployments")).toBe("Deployment");
    expect(kindForResource("discovery.k8s.io", "endpointslices")).toBe("EndpointSlice");
    expect(kindForResource("rbac.authorization.k8s.io", "clusterrolebindings")).toBe("ClusterRoleBinding");
    expect(kindForResource("admissionregistration.k8s.io", "mutatingwebhookconfigurations")).toBe("MutatingWebhookConfiguration");
  });

  it("knows old groups that old audit logs still name", () => {
    expect(kindForResource("extensions", "deployments")).toBe("Deployment");
  });

  it("tells groups apart", () => {
    expect(kindForResource("", "deployments")).toBeNull();
    expect(kindForResource("apps", "pods")).toBeNull();
    expect(kindForResource("events.k8s.io", "events")).toBe("Event");
  });

  it("returns null for resources it does not know, like CRDs", () => {
    expect(kindForResource("monitoring.coreos.com", "prometheuses")).toBeNull();
  });
});

describe("builtinResource", () => {
  it("tells the scope", () => {
    expect(builtinResource("", "namespaces")?.namespaced).toBe(false);
    expect(builtinResource("", "configmaps")?.namespaced).toBe(true);
    expect(builtinResource("rbac.authorization.k8s.io", "clusterroles")?.namespaced).toBe(false);
  });
});

describe("otherGroupsServing", () => {
  it("names the old group and its successor for each other", () => {
    expect(otherGroupsServing("apps", "deployments")).toEqual(["extensions"]);
    expect(otherGroupsServing("extensions", "deployments")).toEqual(["apps"]);
    expect(otherGroupsServing("extensions", "ingresses")).toEqual(["networking.k8s.io"]);
    expect(otherGroupsServing("policy", "podsecuritypolicies")).toEqual(["extensions"]);
  });

  it("names none for a resource one group serves, or one it does not know", () => {
    expect(otherGroupsServing("apps", "statefulsets")).toEqual([]);
    expect(otherGroupsServing("", "pods")).toEqual([]);
    expect(otherGroupsServing("operator.openshift.io", "consoles")).toEqual([]);
  });
});

describe("BUILTIN_RESOURCES", () => {
  it("lists each group/resource once", () => {
    const keys = BUILTIN_RESOURCES.map((r) => `${r.apiGroup}/${r.resource}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("uses lowercase plural resources and capitalised kinds", () => {
    for (const r of BUILTIN_RESOURCES) {
      expect(r.resource).toMatch(/^[a-z]+$/);
      expect(r.kind).toMatch(/^[A-Z][A-Za-z]+$/);
    }
  });
});
