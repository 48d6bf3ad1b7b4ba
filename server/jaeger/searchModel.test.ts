import { describe, expect, it } from "vitest";
import { DEFAULT_VIEW, operationNameOf, operationNames, parseOperation } from "./operations";
import { criteriaOf, narrow, parseResource, UnknownTagError } from "./searchTags";

describe("operations (the view of a trace)", () => {
  it("lists each display mode, then each with a relation mode", () => {
    const names = operationNames();
    expect(names.slice(0, 4)).toEqual(["tracing", "grouped", "tree", "timeline"]);
    expect(names).toContain("tree (ancestors)");
    expect(names).toContain("timeline (self)");
    expect(names).toHaveLength(20);
    for (const name of names) expect(operationNameOf(parseOperation(name)!)).toBe(name.replace(" (full)", ""));
  });

  it("defaults to tracing over the full tree, and reads Kelemetry's names", () => {
    expect(parseOperation(undefined)).toEqual(DEFAULT_VIEW);
    expect(parseOperation("all")).toEqual({ displayMode: "tracing", relationMode: "full" });
    expect(parseOperation("Tree")).toEqual({ displayMode: "tree", relationMode: "full" });
    expect(parseOperation("grouped (exclusive)")).toEqual({ displayMode: "grouped", relationMode: "descendants" });
    expect(parseOperation("timeline(ancestors)")).toEqual({ displayMode: "timeline", relationMode: "ancestors" });
    expect(parseOperation("GET /api")).toBeNull();
    expect(parseOperation("tracing (siblings)")).toBeNull();
  });
});

describe("criteriaOf (search tags)", () => {
  it("maps identity and actor tags, keys in any case", () => {
    expect(criteriaOf({ cluster: "prod", NAMESPACE: "web", name: "api-*", uid: "u-1", user: "kube:admin", userAgent: "kubectl/*", auditID: "a-1" })).toEqual({
      cluster: "prod",
      namespace: "web",
      name: "api-*",
      uid: "u-1",
      user: "kube:admin",
      userAgent: "kubectl/*",
      auditId: "a-1",
    });
  });

  it("reads kinds and resources with or without their group", () => {
    expect(criteriaOf({ kind: "Deployment" })).toEqual({ kind: "Deployment" });
    expect(criteriaOf({ kind: "Rollout.argoproj.io" })).toEqual({ kind: "Rollout", apiGroup: "argoproj.io" });
    expect(parseResource("deployments.apps")).toEqual({ resource: "deployments", apiGroup: "apps" });
    expect(parseResource("apps/deployments")).toEqual({ resource: "deployments", apiGroup: "apps" });
    expect(narrow(criteriaOf({ resource: "deployments" })!, { kind: "Deployment", apiGroup: "apps" })).toEqual({ kind: "Deployment", apiGroup: "apps", resource: "deployments" });
  });

  it("finds nothing when a service and the tags contradict each other", () => {
    expect(narrow(criteriaOf({ kind: "Deployment" })!, { kind: "Pod", apiGroup: "" })).toBeNull();
    expect(narrow(criteriaOf({ resource: "deployments.apps" })!, { kind: "Pod", apiGroup: "" })).toBeNull();
    expect(criteriaOf({ kind: "Pod", KIND: "Deployment" })).toBeNull();
  });

  it("refuses a tag it can't search by, naming it", () => {
    expect(() => criteriaOf({ "http.method": "GET" })).toThrow(UnknownTagError);
    expect(() => criteriaOf({ "http.method": "GET" })).toThrow(/unknown tag "http.method"; search by cluster, resource, kind/);
  });

  it("refuses the names of Object.prototype's members like any other unknown tag", () => {
    for (const key of ["constructor", "__proto__", "toString", "valueOf"]) {
      expect(() => criteriaOf(Object.fromEntries([[key, "x"]]))).toThrow(new UnknownTagError(key).message);
    }
  });
});
