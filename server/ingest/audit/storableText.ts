import { INDEXED_TEXT_MAX_BYTES as MAX, unstorableTextProblem } from "../../store/indexedText";
import type { ConvertedAuditEvent, JsonObject } from "./types";

/**
 * Why the store cannot hold a converted event's text fields (server/store/indexedText.ts: a
 * NUL, or a value too long for the btree index it goes in), as "<field>: <problem>", or null.
 * Such an event is rejected on its own, where storing it would fail the whole batch (which the
 * apiserver would then resend forever). JSON columns are safe from both: JSON text writes NUL
 * as the escape `\u0000`, and they are not indexed. Runs on every event, so it allocates
 * nothing when all is well.
 */
export function unstorableText(event: ConvertedAuditEvent): string | null {
  return (
    problem("auditID", event.auditId, MAX.auditId) ??
    problem("stage", event.stage) ??
    (event.kind === "read"
      ? (problem("verb", event.verb, MAX.verb) ?? problem("objectRef.resource", event.resource, MAX.resource) ?? problem("user.username", event.username, MAX.username))
      : event.kind === "write"
        ? writeProblem(event)
        : null)
  );
}

function writeProblem(event: Extract<ConvertedAuditEvent, { kind: "write" }>): string | null {
  const o = event.object;
  return (
    problem("user", event.actor, MAX.username) ??
    // The user who impersonated the actor: indexed too (history_impersonator_time_idx).
    problem("user.username", event.details.impersonatedBy?.username ?? null, MAX.username) ??
    problem("title", event.title) ??
    problem("verb", event.verb) ??
    problem("objectRef.subresource", event.subresource) ??
    problem("userAgent", event.userAgent) ??
    problem("objectRef.apiGroup", o.apiGroup) ??
    problem("objectRef.apiVersion", o.apiVersion) ??
    problem("objectRef.resource", o.resource, MAX.resource) ??
    problem("kind", o.kind) ??
    problem("objectRef.namespace", o.namespace, MAX.namespace) ??
    problem("objectRef.name", o.name, MAX.name) ??
    problem("objectRef.uid", o.uid, MAX.uid) ??
    // Kept as the object's state's version, a text column of its own.
    problem("metadata.resourceVersion", resourceVersionOf(event.bodyAfter))
  );
}

function problem(field: string, text: string | null, maxBytes?: number): string | null {
  // Nearly every value is short and free of NUL: decided here without a call.
  if (text === null || ((maxBytes === undefined || text.length * 3 <= maxBytes) && !text.includes("\u0000"))) return null;
  const found = unstorableTextProblem(text, maxBytes);
  return found === null ? null : `${field}: ${found}`;
}

function resourceVersionOf(body: JsonObject | null): string | null {
  const metadata = body?.metadata;
  if (typeof metadata !== "object" || metadata === null || Array.isArray(metadata)) return null;
  const version = metadata.resourceVersion;
  return typeof version === "string" ? version : null;
}
