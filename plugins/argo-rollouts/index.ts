import type { JsonObject, JsonValue, ObjectIdentity } from "../../server/ingest/audit/types";
import type { Linker, RelationClaim } from "../../server/model/links/types";
import type { KubetrailPlugin } from "../../server/plugins/types";

/**
 * Example Kubetrail plugin: relations of Argo Rollouts (argoproj.io/v1alpha1 Rollout) that
 * ownerReferences don't record. (The Rollout's ReplicaSets and AnalysisRuns carry
 * ownerReferences to it, which the built-in linker already follows.)
 *
 * - `rollout-service` (hierarchical): the Services the Rollout controller rewrites on every
 *   promotion — canary `canaryService`/`stableService`, blue-green `activeService`/
 *   `previewService` — shown under the Rollout, so a trace of a rollout shows the selector flips.
 * - `rollout-workload` (reference): the Deployment (or other workload) named by
 *   `spec.workloadRef`, whose Pod template the Rollout runs.
 * - `rollout-analysis` (reference): the AnalysisTemplates (ClusterAnalysisTemplates with
 *   `clusterScope: true`) its canary steps and blue-green promotions run.
 *
 * Enable with KUBETRAIL_PLUGINS=plugins/argo-rollouts. Only types are imported from Kubetrail.
 */

const GROUP = "argoproj.io";

function at(value: JsonValue | undefined, ...path: string[]): JsonValue | undefined {
  let current = value;
  for (const key of path) {
    if (typeof current !== "object" || current === null || Array.isArray(current)) return undefined;
    current = (current as JsonObject)[key];
  }
  return current;
}

function text(value: JsonValue | undefined, ...path: string[]): string | null {
  const found = at(value, ...path);
  return typeof found === "string" && found !== "" ? found : null;
}

function list(value: JsonValue | undefined, ...path: string[]): JsonValue[] {
  const found = at(value, ...path);
  return Array.isArray(found) ? found : [];
}

function service(self: ObjectIdentity, name: string): RelationClaim {
  return { kind: "rollout-service", role: "child", other: { apiGroup: "", resource: "services", namespace: self.namespace, name, kind: "Service", apiVersion: "v1" } };
}

/** The plural of a workload kind: the ones workloadRef may name. */
const WORKLOAD_RESOURCES: Record<string, string> = { Deployment: "deployments", ReplicaSet: "replicasets", PodTemplate: "podtemplates" };

function analysisTemplates(self: ObjectIdentity, analysis: JsonValue | undefined): RelationClaim[] {
  return list(analysis, "templates").flatMap((template): RelationClaim[] => {
    const name = text(template, "templateName");
    if (!name) return [];
    const clusterScope = at(template, "clusterScope") === true;
    return [
      {
        kind: "rollout-analysis",
        role: "parent",
        other: clusterScope
          ? { apiGroup: GROUP, resource: "clusteranalysistemplates", namespace: "", name, kind: "ClusterAnalysisTemplate" }
          : { apiGroup: GROUP, resource: "analysistemplates", namespace: self.namespace, name, kind: "AnalysisTemplate" },
      },
    ];
  });
}

export const argoRolloutsLinker: Linker = {
  name: "argoRollouts",
  claims(body, self) {
    if (self.apiGroup !== GROUP || self.resource !== "rollouts") return [];
    const claims: RelationClaim[] = [];
    const canary = at(body, "spec", "strategy", "canary");
    const blueGreen = at(body, "spec", "strategy", "blueGreen");
    for (const name of [text(canary, "canaryService"), text(canary, "stableService"), text(blueGreen, "activeService"), text(blueGreen, "previewService")]) {
      if (name) claims.push(service(self, name));
    }

    const workloadKind = text(body, "spec", "workloadRef", "kind");
    const workloadName = text(body, "spec", "workloadRef", "name");
    const workloadResource = workloadKind ? WORKLOAD_RESOURCES[workloadKind] : undefined;
    if (workloadKind && workloadName && workloadResource) {
      const apiVersion = text(body, "spec", "workloadRef", "apiVersion") ?? (workloadKind === "PodTemplate" ? "v1" : "apps/v1");
      const apiGroup = apiVersion.includes("/") ? apiVersion.slice(0, apiVersion.indexOf("/")) : "";
      claims.push({ kind: "rollout-workload", role: "parent", other: { apiGroup, resource: workloadResource, namespace: self.namespace, name: workloadName, kind: workloadKind, apiVersion } });
    }

    claims.push(...analysisTemplates(self, at(canary, "analysis")));
    for (const step of list(canary, "steps")) claims.push(...analysisTemplates(self, at(step, "analysis")));
    claims.push(...analysisTemplates(self, at(blueGreen, "prePromotionAnalysis")), ...analysisTemplates(self, at(blueGreen, "postPromotionAnalysis")));
    return claims;
  },
};

export default {
  name: "argo-rollouts",
  relationKinds: {
    "rollout-service": { hierarchical: true, description: "a Service an Argo Rollout manages (canary/stable, active/preview)" },
    "rollout-workload": { hierarchical: false, description: "the workload whose Pod template an Argo Rollout runs (spec.workloadRef)" },
    "rollout-analysis": { hierarchical: false, description: "an AnalysisTemplate an Argo Rollout runs" },
  },
  linkers: [argoRolloutsLinker],
} satisfies KubetrailPlugin;
