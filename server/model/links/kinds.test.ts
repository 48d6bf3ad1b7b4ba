import { describe, expect, it } from "vitest";
import { BUILTIN_RELATION_KINDS, isKnownRelationKind, parentPrecedence, registerRelationKinds, relationKindInfo } from "./kinds";

describe("relation kinds", () => {
  it("knows the built-in kinds: ownership and routing are hierarchical, Node and volumes are references", () => {
    const hierarchical = Object.entries(BUILTIN_RELATION_KINDS).filter(([, info]) => info.hierarchical).map(([kind]) => kind);
    expect(hierarchical.sort()).toEqual(["controller-owner", "endpoint-target", "ingress-backend", "owner", "parent-link", "scale-target", "service-endpointslice"]);
    expect(relationKindInfo("node")).toEqual({ hierarchical: false, description: expect.stringContaining("spec.nodeName") });
  });

  it("knows custom kinds once registered, and treats unknown ones as references", () => {
    expect(isKnownRelationKind("mounts-secret")).toBe(false);
    expect(relationKindInfo("mounts-secret").hierarchical).toBe(false);
    registerRelationKinds({ "mounts-secret": { hierarchical: false, description: "a Secret a Pod mounts" } }, "plugin secrets");
    registerRelationKinds({ "rollout-service": { hierarchical: true, description: "a Service a Rollout manages" } }, "plugin argo-rollouts");
    expect(relationKindInfo("mounts-secret")).toEqual({ hierarchical: false, description: "a Secret a Pod mounts" });
    expect(relationKindInfo("rollout-service").hierarchical).toBe(true);
    // The same declaration again is fine (a reloaded rules file).
    registerRelationKinds({ "mounts-secret": { hierarchical: false, description: "mounted Secret" } }, "rules file /b.yaml");
    expect(relationKindInfo("mounts-secret").description).toBe("mounted Secret");
  });

  it("refuses contradictions with a built-in or another source, and bad names", () => {
    expect(() => registerRelationKinds({ node: { hierarchical: true, description: "" } }, "plugin x")).toThrow(
      'plugin x: relation kind "node" is built in with hierarchical: false, not true',
    );
    registerRelationKinds({ "runs-on": { hierarchical: false, description: "" } }, "plugin a");
    expect(() => registerRelationKinds({ "runs-on": { hierarchical: true, description: "" } }, "plugin b")).toThrow(
      'plugin b: relation kind "runs-on" is declared by plugin a with hierarchical: false, not true',
    );
    expect(() => registerRelationKinds({ "Runs On": { hierarchical: true, description: "" } }, "plugin c")).toThrow(/plugin c: relation kind "Runs On" must be lowercase/);
  });

  it("ranks parents: the controller first, then other owners, then routing, then custom kinds", () => {
    const ranked = ["endpoint-target", "custom", "owner", "controller-owner", "service-endpointslice"].sort((a, b) => parentPrecedence(a) - parentPrecedence(b));
    expect(ranked).toEqual(["controller-owner", "owner", "service-endpointslice", "endpoint-target", "custom"]);
  });
});
