import type { EditableObject } from "./fixtures";

/**
 * A RequestResponse audit event of one write of `body`, in the style of the scenarios: the
 * request URI, objectRef and response as kube-apiserver records them, for a namespaced or a
 * cluster-scoped object (no `metadata.namespace`: no namespace in either).
 */
export function writeEvent(fields: { id: string; at: string; verb: "create" | "update"; apiGroup: string; resource: string; body: EditableObject }): EditableObject {
  const { body } = fields;
  const stage = new Date(fields.at);
  const version = body.apiVersion.split("/").pop();
  const namespace: string | undefined = body.metadata.namespace || undefined;
  const collection = `${fields.apiGroup === "" ? "/api/v1" : `/apis/${fields.apiGroup}/${version}`}${namespace ? `/namespaces/${namespace}` : ""}/${fields.resource}`;
  return {
    kind: "Event",
    apiVersion: "audit.k8s.io/v1",
    level: "RequestResponse",
    auditID: fields.id,
    stage: "ResponseComplete",
    requestURI: fields.verb === "create" ? collection : `${collection}/${body.metadata.name}`,
    verb: fields.verb,
    user: { username: "kube:admin", groups: ["system:cluster-admins", "system:authenticated"] },
    sourceIPs: ["10.0.0.5"],
    userAgent: "kubectl/v1.21.1 (linux/amd64) kubernetes/a4ab7a9",
    objectRef: { resource: fields.resource, namespace, name: body.metadata.name, apiGroup: fields.apiGroup, apiVersion: version },
    responseStatus: { metadata: {}, code: fields.verb === "create" ? 201 : 200 },
    requestObject: body,
    responseObject: body,
    requestReceivedTimestamp: new Date(stage.getTime() - 5).toISOString(),
    stageTimestamp: stage.toISOString(),
  };
}
