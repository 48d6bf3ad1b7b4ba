import { createHmac } from "node:crypto";
import { z } from "zod";
import { copyJson } from "../json/copyJson";
import { isJsonObject, REDACTED, type Fingerprint, type JsonObject, type JsonValue, type SensitiveRule } from "../../ingest/audit/types";

/** The resource a body or patch belongs to, as sensitive rules name it ("" is the core group). */
export interface RedactionTarget {
  apiGroup: string;
  resource: string;
}

/**
 * Core Secrets: their values, and the last-applied annotation that `kubectl apply` leaves on
 * them, which holds the whole Secret as applied (values included). binaryData is a ConfigMap
 * field, not a Secret one; it is listed so that a Secret that ever carries it stays covered.
 */
export const DEFAULT_SENSITIVE_RULES: SensitiveRule[] = [
  {
    apiGroup: "",
    resource: "secrets",
    paths: [["data"], ["stringData"], ["binaryData"], ["metadata", "annotations", "kubectl.kubernetes.io/last-applied-configuration"]],
  },
];

const FINGERPRINT_MARKER = /^<redacted:[^<>]*>$/;
/** What both a marker and REDACTED start with: a string without it needs no regex. */
const MARKER_PREFIX = "<redacted";

/** True for a value that redaction replaced: a `<redacted:fingerprint>` marker or the plain REDACTED text. */
export function isRedactedValue(v: JsonValue): boolean {
  return typeof v === "string" && v.startsWith(MARKER_PREFIX) && (v === REDACTED || FINGERPRINT_MARKER.test(v));
}

/**
 * A sensitive value made safe. Objects keep their key names, so that a diff can still say
 * which key of `data` changed; every other value (arrays included, whose length would
 * otherwise show) becomes one fingerprint. Markers are kept, so redacting twice changes nothing.
 */
function redactValue(value: JsonValue, fingerprint: Fingerprint): JsonValue {
  if (isRedactedValue(value)) return value;
  if (isJsonObject(value)) {
    // Object.fromEntries defines keys as own properties, so even a "__proto__" key stays data.
    return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, redactValue(child, fingerprint)]));
  }
  return `<redacted:${fingerprint(value)}>`;
}

/**
 * A copy of `value` (sharing unchanged parts) with everything at or below each path redacted.
 * Paths name object keys; a list on the way is stepped over, each item followed with the rest
 * of the path (`["spec", "containers", "env"]` reaches every container's env), since a path
 * cannot name an item and the rule means all of them. A path that meets a scalar ends there.
 */
/**
 * Copies only what it changes: parts with no sensitive path below them are shared with the
 * input (which is never mutated), so the common case — a body with nothing sensitive — costs
 * nothing on the ingest hot path.
 */
function redactAtPaths(value: JsonValue, paths: string[][], fingerprint: Fingerprint): JsonValue {
  if (paths.length === 0) return value;
  if (paths.some((p) => p.length === 0)) return redactValue(value, fingerprint);
  if (Array.isArray(value)) {
    const items = value.map((item) => redactAtPaths(item, paths, fingerprint));
    return items.every((item, i) => item === value[i]) ? value : items;
  }
  if (!isJsonObject(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, child]) => {
      const below = paths.filter((p) => p[0] === key).map((p) => p.slice(1));
      return [key, below.length === 0 ? child : redactAtPaths(child, below, fingerprint)];
    }),
  );
}

/** Where `kubectl apply` keeps the whole object as applied, sensitive values included. */
const LAST_APPLIED_PATH = ["metadata", "annotations", "kubectl.kubernetes.io/last-applied-configuration"];

/**
 * The sensitive paths of the target's objects. Any resource with a sensitive field also has its
 * last-applied annotation redacted, since that annotation repeats the field's value.
 */
export function sensitivePathsFor(target: RedactionTarget, rules: SensitiveRule[]): string[][] {
  const paths = rules.filter((r) => r.apiGroup === target.apiGroup && r.resource === target.resource).flatMap((r) => r.paths);
  if (paths.length === 0 || paths.some((p) => startsWith(LAST_APPLIED_PATH, p))) return paths;
  return [...paths, LAST_APPLIED_PATH];
}

/** A copy of an object body or a merge patch with the target's sensitive fields redacted (unchanged parts shared). */
export function redactBody(body: JsonObject, target: RedactionTarget, rules: SensitiveRule[], fingerprint: Fingerprint): JsonObject {
  const paths = sensitivePathsFor(target, rules);
  // Redaction keeps an object an object (even under an empty path, its keys stay), so the cast holds.
  return redactAtPaths(body, paths, fingerprint) as JsonObject;
}

/** RFC 6901: "" is the whole document; otherwise "/"-separated keys with ~1 for "/" and ~0 for "~". */
function parseJsonPointer(pointer: string): string[] | null {
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) return null;
  return pointer
    .slice(1)
    .split("/")
    .map((segment) => segment.replaceAll("~1", "/").replaceAll("~0", "~"));
}

function startsWith(path: string[], prefix: string[]): boolean {
  return prefix.length <= path.length && prefix.every((key, i) => path[i] === key);
}

/** A JSON pointer segment that may be a list index (`-` appends), which a sensitive path steps over. */
const LIST_INDEX = /^(?:0|[1-9][0-9]*|-)$/;

/**
 * What of `path` lies below a value put at `pointer`: [[]] when the value is at or below the
 * path (all of it is sensitive), the rest of the path when the value lands above it, none when
 * apart. A segment that may be a list index is tried both as the index the path steps over
 * and as a key the path names, since only the object could tell.
 */
function pathsBelowPointer(pointer: string[], path: string[]): string[][] {
  if (path.length === 0) return [[]];
  if (pointer.length === 0) return [path];
  const [segment, ...rest] = pointer as [string, ...string[]];
  const asKey = segment === path[0] ? pathsBelowPointer(rest, path.slice(1)) : [];
  return LIST_INDEX.test(segment) ? [...asKey, ...pathsBelowPointer(rest, path)] : asKey;
}

/** One JSON patch operation with its `value` redacted where it lands at or above a sensitive path. */
function redactJsonPatchOperation(operation: JsonValue, paths: string[][], fingerprint: Fingerprint): JsonValue {
  if (!isJsonObject(operation) || !Object.hasOwn(operation, "value")) return copyJson(operation);
  const pointer = typeof operation.path === "string" ? parseJsonPointer(operation.path) : null;
  // Where a value goes is unknown without a valid pointer, so all of it is treated as sensitive.
  const below = pointer === null ? [[]] : paths.flatMap((p) => pathsBelowPointer(pointer, p));
  const value = operation.value as JsonValue;
  return { ...copyJson(operation), value: redactAtPaths(value, below, fingerprint) };
}

/**
 * A deep copy of a patch with the target's sensitive fields redacted: merge and strategic
 * merge patches (objects) like bodies, JSON patches (arrays of operations) by where each
 * operation's value lands. A patch in any other form (a string) for a resource with sensitive
 * fields is redacted whole, since which part of it is sensitive cannot be told.
 */
export function redactPatch(patch: JsonValue, target: RedactionTarget, rules: SensitiveRule[], fingerprint: Fingerprint): JsonValue {
  const paths = sensitivePathsFor(target, rules);
  if (paths.length === 0) return copyJson(patch);
  if (isJsonObject(patch)) return redactAtPaths(patch, paths, fingerprint);
  if (Array.isArray(patch)) return patch.map((operation) => redactJsonPatchOperation(operation, paths, fingerprint));
  if (typeof patch === "string") return redactValue(patch, fingerprint);
  return patch;
}

/**
 * The apiserver records what each mutating admission webhook changed as an audit annotation
 * (`patch.webhook.admission.k8s.io/round_<n>_index_<m>`): JSON holding the webhook's JSON patch,
 * values included. A webhook that injects a Secret's data would leave it there.
 */
const WEBHOOK_PATCH_ANNOTATION_PREFIX = "patch.webhook.admission.k8s.io/";

/**
 * A request's audit annotations with the sensitive values of the target's webhook patches shown
 * as REDACTED (annotations are never diffed, so they keep no fingerprint). An annotation that is
 * not the JSON the apiserver writes is redacted whole. Unchanged when the target has no
 * sensitive fields.
 */
export function redactAuditAnnotations(
  annotations: Record<string, string>,
  target: RedactionTarget,
  rules: SensitiveRule[],
  fingerprint: Fingerprint,
): Record<string, string> {
  const paths = sensitivePathsFor(target, rules);
  if (paths.length === 0) return annotations;
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(annotations)) {
    result[key] = key.startsWith(WEBHOOK_PATCH_ANNOTATION_PREFIX) ? redactWebhookPatchAnnotation(value, target, rules, fingerprint) : value;
  }
  return result;
}

function redactWebhookPatchAnnotation(text: string, target: RedactionTarget, rules: SensitiveRule[], fingerprint: Fingerprint): string {
  let parsed: JsonValue;
  try {
    parsed = JSON.parse(text) as JsonValue;
  } catch {
    return REDACTED;
  }
  if (!isJsonObject(parsed) || !Object.hasOwn(parsed, "patch")) return REDACTED;
  return JSON.stringify({ ...parsed, patch: toDisplay(redactPatch(parsed.patch as JsonValue, target, rules, fingerprint)) });
}

/** The body with every redaction marker shown as the plain REDACTED text (a copy where anything changes; never mutates its input): fingerprints never leave the store. */
export function toDisplay(body: JsonValue): JsonValue {
  if (typeof body === "string") return isRedactedValue(body) ? REDACTED : body;
  if (typeof body !== "object" || body === null) return body;
  // Copy only what holds a marker: most bodies hold none, and this runs for every history entry.
  if (Array.isArray(body)) {
    let copy: JsonValue[] | null = null;
    for (let i = 0; i < body.length; i++) {
      const child = body[i]!;
      const shown = toDisplay(child);
      if (shown !== child) (copy ??= body.slice())[i] = shown;
    }
    return copy ?? body;
  }
  let copy: JsonObject | null = null;
  for (const key in body) {
    const child = body[key]!;
    const shown = toDisplay(child);
    if (shown !== child) (copy ??= { ...body })[key] = shown;
  }
  return copy ?? body;
}

/** JSON with object keys sorted at every level, so equal values always fingerprint alike. */
function canonicalJson(value: JsonValue): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (isJsonObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key] as JsonValue)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/**
 * Fingerprints keyed by a secret `key` (HMAC-SHA256, 16 hex digits): without the key, a
 * fingerprint cannot be checked against guessed values, as a plain hash could.
 */
export function hmacFingerprint(key: string): Fingerprint {
  if (key === "") throw new Error("hmacFingerprint: the key must not be empty");
  return (value) => createHmac("sha256", key).update(canonicalJson(value)).digest("hex").slice(0, 16);
}

const sensitiveRulesSchema = z.array(
  z.strictObject({
    apiGroup: z.string().default(""),
    resource: z.string().min(1, "must not be empty"),
    paths: z.array(z.array(z.string().min(1, "keys must not be empty")).min(1, "a path needs at least one key")).min(1, "must list at least one path"),
  }),
);

function issuePath(path: readonly PropertyKey[]): string {
  return path.map((key) => (typeof key === "number" ? `[${key}]` : `.${String(key)}`)).join("");
}

/**
 * Parses configured sensitive fields: a JSON array of `{apiGroup?, resource, paths}`, e.g.
 * `[{"resource":"configmaps","paths":[["data","password"]]}]`. Errors name the setting
 * (`source`) and the place, e.g. `KUBETRAIL_SENSITIVE_FIELDS[0].resource: …`.
 */
export function parseSensitiveRules(json: string, source = "KUBETRAIL_SENSITIVE_FIELDS"): SensitiveRule[] {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    throw new Error(`${source}: not valid JSON (${(error as Error).message})`);
  }
  const parsed = sensitiveRulesSchema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(parsed.error.issues.map((issue) => `${source}${issuePath(issue.path)}: ${issue.message}`).join("; "));
  }
  return parsed.data;
}
