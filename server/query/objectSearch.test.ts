import { describe, expect, it } from "vitest";
import type { KindRow } from "./kinds";
import { kindCriteriaOf, kindsNamed, SearchCriterionError } from "./objectSearch";

/**
 * Kinds as listKinds reads them from a store holding the falco traces and the OpenShift cascade
 * (server/trpc/routers/search.integration-test.ts), with Ingress in both its groups, Pods some
 * source never told the kind of (a Metadata-level delete), and two custom kinds that differ only
 * in case.
 */
const KINDS: KindRow[] = [
  { kind: "Pod", apiGroup: "", resource: "pods" },
  { kind: null, apiGroup: "", resource: "pods" },
  { kind: "ConfigMap", apiGroup: "", resource: "configmaps" },
  { kind: "Deployment", apiGroup: "apps", resource: "deployments" },
  { kind: "ReplicaSet", apiGroup: "apps", resource: "replicasets" },
  { kind: "ClusterRole", apiGroup: "rbac.authorization.k8s.io", resource: "clusterroles" },
  { kind: "Ingress", apiGroup: "extensions", resource: "ingresses" },
  { kind: "Ingress", apiGroup: "networking.k8s.io", resource: "ingresses" },
  { kind: "Widget", apiGroup: "a.example.com", resource: "widgets" },
  { kind: "WIDGET", apiGroup: "b.example.com", resource: "bigwidgets" },
];

describe("the kind typed in a search", () => {
  it("names a kind in any case, or by its plural resource, with the objects of that resource no source told the kind of", () => {
    const pods = { resource: "pods", apiGroup: "" };
    for (const text of ["Pod", "pod", "POD", "pods"]) expect(kindCriteriaOf(text, KINDS), text).toEqual(pods);
    expect(kindsNamed("pod", KINDS)).toEqual([KINDS[0], KINDS[1]]);
    expect(kindCriteriaOf("deployment", KINDS)).toEqual({ resource: "deployments", apiGroup: "apps" });
    expect(kindCriteriaOf("clusterroles", KINDS)).toEqual({ resource: "clusterroles", apiGroup: "rbac.authorization.k8s.io" });
  });

  it("asks a kind of several groups by its name", () => {
    expect(kindCriteriaOf("ingress", KINDS)).toEqual({ kind: "Ingress" });
    expect(kindCriteriaOf("ingresses", KINDS)).toEqual({ kind: "Ingress" });
  });

  it("takes the kind spelled exactly as typed over another spelled alike, and refuses to guess between two spelled otherwise", () => {
    expect(kindCriteriaOf("Widget", KINDS)).toEqual({ resource: "widgets", apiGroup: "a.example.com" });
    expect(kindCriteriaOf("WIDGET", KINDS)).toEqual({ resource: "bigwidgets", apiGroup: "b.example.com" });
    expect(() => kindCriteriaOf("widget", KINDS)).toThrow(new SearchCriterionError("kind", "widget names several kinds (WIDGET, Widget): type one as it is spelled"));
  });

  it("names nothing for a kind the store has no object of, nor for part of one", () => {
    for (const text of ["Job", "Deploy", "apps", "pods.", "", "sts", "cj"]) expect(kindCriteriaOf(text, KINDS), text).toBeNull();
    expect(kindCriteriaOf("Pod", [])).toBeNull();
    expect(kindCriteriaOf("po", [])).toBeNull();
  });

  it("takes kubectl's short names for built-in resources, spelled as kubectl spells them", () => {
    expect(kindCriteriaOf("po", KINDS)).toEqual({ resource: "pods", apiGroup: "" });
    expect(kindsNamed("po", KINDS)).toEqual([KINDS[0], KINDS[1]]);
    expect(kindCriteriaOf("deploy", KINDS)).toEqual({ resource: "deployments", apiGroup: "apps" });
    expect(kindCriteriaOf("rs", KINDS)).toEqual({ resource: "replicasets", apiGroup: "apps" });
    expect(kindCriteriaOf("RS", KINDS)).toBeNull();
    expect(kindCriteriaOf("cm", KINDS)).toEqual({ resource: "configmaps", apiGroup: "" });
    expect(kindCriteriaOf("ing", KINDS)).toEqual({ kind: "Ingress" });
  });

  it("takes a kind or resource the store has spelled as typed over a short name", () => {
    // A custom resource whose plural is a built-in short name: the store's own spelling wins.
    const withCustom: KindRow[] = [...KINDS, { kind: "Po", apiGroup: "x.example.com", resource: "pos" }];
    expect(kindCriteriaOf("po", withCustom)).toEqual({ resource: "pos", apiGroup: "x.example.com" });
  });
});
