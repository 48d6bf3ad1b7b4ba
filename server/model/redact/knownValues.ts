import { Buffer } from "node:buffer";
import { isJsonObject, REDACTED, type AuditDetails, type JsonValue, type SensitiveRule } from "../../ingest/audit/types";
import { redactBody, redactPatch, sensitivePathsFor, type RedactionTarget } from "./redact";

/*
 * Free text can repeat a sensitive value in its own words, where no field path says which part
 * it is: an admission webhook's denial (Kyverno and Gatekeeper messages interpolate the object:
 * `value {{request.object.data.password}} is not allowed`), a CEL rule's messageExpression, a
 * ValidatingAdmissionPolicy's audit annotation. The request and response bodies tell which
 * values are sensitive; wherever a request's failure or audit annotations repeat one of them,
 * it is shown as REDACTED.
 */

/** Shorter values are not looked for: "1" or "yes" would be cut out of every message about the object. */
export const MIN_KNOWN_VALUE_LENGTH = 4;

/**
 * The texts a message could repeat for the sensitive values that `bodies` (objects or merge
 * patches) and `patch` (a request's patch, any form) hold for the target: each scalar as
 * written, as JSON would escape it, and — a Secret's `data` is base64 — decoded when that
 * gives text. Empty for a target without sensitive fields.
 */
export function sensitiveValuesIn(bodies: ReadonlyArray<JsonValue | null | undefined>, patch: JsonValue | null | undefined, target: RedactionTarget, rules: SensitiveRule[]): string[] {
  if (sensitivePathsFor(target, rules).length === 0) return [];
  const found = new Set<string>();
  // Redaction visits every sensitive value once, to fingerprint it: here, to note it instead.
  const note = (value: JsonValue): string => {
    addTextsOf(value, found);
    return REDACTED;
  };
  for (const body of bodies) if (isJsonObject(body)) redactBody(body, target, rules, note);
  if (patch !== null && patch !== undefined) redactPatch(patch, target, rules, note);
  // Longest first, so that a value containing another is cut out whole.
  return [...found].sort((a, b) => b.length - a.length);
}

function addTextsOf(value: JsonValue, found: Set<string>): void {
  // Redaction fingerprints a list whole (and an object's lists within it): its items are values too.
  if (Array.isArray(value)) {
    for (const item of value) addTextsOf(item, found);
    return;
  }
  if (isJsonObject(value)) {
    for (const child of Object.values(value)) addTextsOf(child, found);
    return;
  }
  // true and false are no secret, and cut out they would take every "true" of every message with them.
  if (value === null || typeof value === "boolean") return;
  addWritten(String(value), found);
  if (typeof value === "string") {
    const decoded = decodedBase64(value);
    if (decoded !== null) addWritten(decoded, found);
  }
}

/** A text as written, and as a message that quotes it escaped would (JSON's escapes, which Go's %q shares for quotes and line breaks). */
function addWritten(text: string, found: Set<string>): void {
  add(text, found);
  add(JSON.stringify(text).slice(1, -1), found);
}

function add(text: string, found: Set<string>): void {
  if (text.length >= MIN_KNOWN_VALUE_LENGTH && text !== REDACTED) found.add(text);
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** Text a person could read back: no control characters but tab and line breaks. */
const READABLE = /^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffd]*$/;

function decodedBase64(value: string): string | null {
  if (value.length < 4 || !BASE64.test(value)) return null;
  const text = Buffer.from(value, "base64").toString("utf8");
  return READABLE.test(text) ? text : null;
}

/** `text` with every occurrence of each of `values` (longest first) shown as REDACTED. */
export function withoutValues(text: string, values: readonly string[]): string {
  let result = text;
  for (const value of values) if (result.includes(value)) result = result.split(value).join(REDACTED);
  return result;
}

/** A request's failure and audit annotations with the known sensitive values cut out of their text. */
export function withoutKnownValues(details: AuditDetails, values: readonly string[]): void {
  if (values.length === 0) return;
  for (const [key, value] of Object.entries(details.annotations)) details.annotations[key] = withoutValues(value, values);
  const failure = details.failure;
  if (failure === undefined) return;
  const scrubbed: NonNullable<AuditDetails["failure"]> = { ...failure };
  if (failure.message !== undefined) scrubbed.message = withoutValues(failure.message, values);
  if (failure.reason !== undefined) scrubbed.reason = withoutValues(failure.reason, values);
  if (failure.causes) scrubbed.causes = failure.causes.map((cause) => (cause.message === undefined ? cause : { ...cause, message: withoutValues(cause.message, values) }));
  details.failure = scrubbed;
}
