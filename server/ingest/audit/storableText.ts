import type { ConvertedAuditEvent } from "./types";

/**
 * Postgres text cannot hold U+0000 (NUL): a value with one fails the statement, and with it the
 * whole batch, which the apiserver would then retry forever. JSON columns are safe (JSON text
 * writes NUL as the escape `\u0000`); the plain text columns a converted event fills are not.
 * Such an event is rejected on its own instead, naming the field.
 */
export function fieldWithNul(event: ConvertedAuditEvent): string | null {
  const fields: Array<[string, string | null]> = [
    ["auditID", event.auditId],
    ["stage", event.stage],
  ];
  if (event.kind === "write") {
    const o = event.object;
    fields.push(
      ["user", event.actor],
      ["title", event.title],
      ["verb", event.verb],
      ["objectRef.subresource", event.subresource],
      ["userAgent", event.userAgent],
      ["objectRef.apiGroup", o.apiGroup],
      ["objectRef.apiVersion", o.apiVersion],
      ["objectRef.resource", o.resource],
      ["kind", o.kind],
      ["objectRef.namespace", o.namespace],
      ["objectRef.name", o.name],
      ["objectRef.uid", o.uid],
    );
  } else if (event.kind === "read") {
    fields.push(["verb", event.verb], ["objectRef.resource", event.resource], ["user.username", event.username]);
  }
  for (const [name, value] of fields) if (value !== null && value.includes("\u0000")) return name;
  return null;
}
