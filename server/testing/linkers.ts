import type { JsonObject, ObjectIdentity } from "../ingest/audit/types";
import { kindForResource } from "../k8s/resources";
import type { EditableObject } from "./fixtures";

/** The identity an audit event would give `body` as an object of `resource` in `apiGroup` (bodies may lack kind, as Sonobuoy's do). */
export function identityOf(body: EditableObject, apiGroup: string, resource: string): ObjectIdentity {
  return {
    apiGroup,
    apiVersion: typeof body.apiVersion === "string" ? body.apiVersion.split("/").pop()! : "v1",
    resource,
    kind: typeof body.kind === "string" ? body.kind : kindForResource(apiGroup, resource),
    namespace: body.metadata?.namespace ?? "",
    name: body.metadata?.name ?? "",
    uid: body.metadata?.uid ?? null,
  };
}

/** `body` typed as the JSON object a linker receives. */
export const asBody = (body: EditableObject): JsonObject => body as JsonObject;

/**
 * The README's (docs/relations.md) example link rule as a rules file: a Pod's configMap volumes
 * name their ConfigMaps, its parents; `hierarchical` decides whether it shapes the trace tree.
 */
export function podConfigMapsRulesYaml(hierarchical: boolean): string {
  return `rules:
  - name: pod-configmaps
    match: { resource: pods }
    path: spec.volumes[].configMap.name
    target: { apiGroup: "", resource: configmaps, namespace: same }
    relation: mounts-configmap
    role: parent
    hierarchical: ${hierarchical}
`;
}
