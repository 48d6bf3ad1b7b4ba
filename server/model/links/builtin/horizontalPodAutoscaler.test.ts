import { describe, expect, it } from "vitest";
import { openshiftObject } from "../../../testing/fixtures";
import { asBody, identityOf } from "../../../testing/linkers";
import { horizontalPodAutoscalerLinker } from "./horizontalPodAutoscaler";

/**
 * The captures hold no HorizontalPodAutoscaler: this one targets the real Deployment
 * openshift-console/downloads (autoscaling/v2 shape, as `kubectl autoscale` creates it).
 */
function downloadsAutoscaler(): Record<string, any> {
  const deployment = openshiftObject("openshift-console", "apps/deployments.yaml", "downloads");
  return {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: { name: deployment.metadata.name, namespace: deployment.metadata.namespace, uid: "6a0de2a1-93f4-4c86-8f0e-4f57a1c0d2b3" },
    spec: {
      scaleTargetRef: { apiVersion: deployment.apiVersion, kind: deployment.kind, name: deployment.metadata.name },
      minReplicas: 2,
      maxReplicas: 5,
      metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } } }],
    },
  };
}

describe("horizontalPodAutoscaler linker", () => {
  it("puts the scaled Deployment under its autoscaler", () => {
    const hpa = downloadsAutoscaler();
    expect(horizontalPodAutoscalerLinker.claims(asBody(hpa), identityOf(hpa, "autoscaling", "horizontalpodautoscalers"))).toEqual([
      {
        kind: "scale-target",
        role: "child",
        other: { apiGroup: "apps", resource: "deployments", namespace: "openshift-console", name: "downloads", kind: "Deployment", apiVersion: "apps/v1" },
      },
    ]);
  });

  it("takes the kind's group when an old scaleTargetRef has no apiVersion, and custom kinds by their plural", () => {
    const hpa = downloadsAutoscaler();
    delete hpa.spec.scaleTargetRef.apiVersion;
    expect(horizontalPodAutoscalerLinker.claims(asBody(hpa), identityOf(hpa, "autoscaling", "horizontalpodautoscalers"))[0]!.other).toMatchObject({
      apiGroup: "apps",
      resource: "deployments",
    });
    hpa.spec.scaleTargetRef = { apiVersion: "argoproj.io/v1alpha1", kind: "Rollout", name: "downloads" };
    expect(horizontalPodAutoscalerLinker.claims(asBody(hpa), identityOf(hpa, "autoscaling", "horizontalpodautoscalers"))[0]!.other).toMatchObject({
      apiGroup: "argoproj.io",
      resource: "rollouts",
      namespace: "openshift-console",
    });
  });

  it("states nothing without a complete target", () => {
    const hpa = downloadsAutoscaler();
    delete hpa.spec.scaleTargetRef.name;
    expect(horizontalPodAutoscalerLinker.claims(asBody(hpa), identityOf(hpa, "autoscaling", "horizontalpodautoscalers"))).toEqual([]);
  });
});
