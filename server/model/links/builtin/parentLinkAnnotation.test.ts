import { describe, expect, it } from "vitest";
import { openshiftObject } from "../../../testing/fixtures";
import { asBody, identityOf } from "../../../testing/linkers";
import { PARENT_LINK_ANNOTATION, parentLinkAnnotationLinker } from "./parentLinkAnnotation";

/** The real Deployment openshift-console/downloads, annotated with a parent link. */
function annotated(value: unknown): Record<string, any> {
  const deployment = openshiftObject("openshift-console", "apps/deployments.yaml", "downloads");
  deployment.metadata.annotations[PARENT_LINK_ANNOTATION] = typeof value === "string" ? value : JSON.stringify(value);
  return deployment;
}

const claimsOf = (body: Record<string, any>) => parentLinkAnnotationLinker.claims(asBody(body), identityOf(body, "apps", "deployments"));

describe("parentLinkAnnotation linker", () => {
  it("links to a parent in another cluster", () => {
    const body = annotated({ cluster: "hub", group: "argoproj.io", version: "v1alpha1", resource: "applications", namespace: "argocd", name: "console" });
    expect(claimsOf(body)).toEqual([
      {
        kind: "parent-link",
        role: "parent",
        other: { cluster: "hub", apiGroup: "argoproj.io", resource: "applications", namespace: "argocd", name: "console", apiVersion: "argoproj.io/v1alpha1" },
      },
    ]);
  });

  it("defaults to the same cluster, the object's namespace for namespaced resources and none for cluster-scoped ones", () => {
    expect(claimsOf(annotated({ group: "", version: "v1", resource: "configmaps", name: "console-config" }))[0]!.other).toEqual({
      apiGroup: "",
      resource: "configmaps",
      namespace: "openshift-console",
      name: "console-config",
      apiVersion: "v1",
      kind: "ConfigMap",
    });
    expect(claimsOf(annotated({ group: "", version: "v1", resource: "namespaces", name: "openshift-console" }))[0]!.other).toMatchObject({ namespace: "", kind: "Namespace" });
  });

  it.each([
    ["not JSON", "{group: apps"],
    ["a JSON string", "\"apps/deployments/x\""],
    ["missing name", { group: "apps", version: "v1", resource: "deployments" }],
    ["missing version", { group: "apps", resource: "deployments", name: "x" }],
    ["a bad cluster name", { cluster: "Prod_EU", group: "apps", version: "v1", resource: "deployments", name: "x" }],
    ["an uppercase resource", { group: "apps", version: "v1", resource: "Deployment", name: "x" }],
  ])("states nothing, without throwing, for %s", (_label, value) => {
    expect(claimsOf(annotated(value))).toEqual([]);
  });

  it("states nothing without the annotation", () => {
    expect(claimsOf(openshiftObject("openshift-console", "apps/deployments.yaml", "downloads"))).toEqual([]);
  });
});
