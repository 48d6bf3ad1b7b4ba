import type { ConvertedAuditEvent } from "./types";

const hasNul = (value: string | null) => value !== null && value.includes("\u0000");

/**
 * Postgres text cannot hold U+0000 (NUL): a value with one fails the statement, and with it the
 * whole batch, which the apiserver would then retry forever. JSON columns are safe (JSON text
 * writes NUL as the escape `\u0000`); the plain text columns a converted event fills are not.
 * Such an event is rejected on its own instead: this names the first field holding a NUL, or
 * returns null. Runs on every event, so it allocates nothing.
 */
export function fieldWithNul(event: ConvertedAuditEvent): string | null {
  if (hasNul(event.auditId)) return "auditID";
  if (hasNul(event.stage)) return "stage";
  if (event.kind === "read") {
    if (hasNul(event.verb)) return "verb";
    if (hasNul(event.resource)) return "objectRef.resource";
    if (hasNul(event.username)) return "user.username";
    return null;
  }
  if (event.kind !== "write") return null;
  if (hasNul(event.actor)) return "user";
  if (hasNul(event.title)) return "title";
  if (hasNul(event.verb)) return "verb";
  if (hasNul(event.subresource)) return "objectRef.subresource";
  if (hasNul(event.userAgent)) return "userAgent";
  const o = event.object;
  if (hasNul(o.apiGroup)) return "objectRef.apiGroup";
  if (hasNul(o.apiVersion)) return "objectRef.apiVersion";
  if (hasNul(o.resource)) return "objectRef.resource";
  if (hasNul(o.kind)) return "kind";
  if (hasNul(o.namespace)) return "objectRef.namespace";
  if (hasNul(o.name)) return "objectRef.name";
  if (hasNul(o.uid)) return "objectRef.uid";
  return null;
}
