import type { JsonObject, ObjectIdentity } from "../../ingest/audit/types";
import { INDEXED_TEXT_MAX_BYTES as MAX, unstorableTextProblem } from "../../store/indexedText";
import { isValidClusterName } from "../clusterName";
import type { Linker, ObjectReference, RelationClaim } from "./types";

/**
 * Runs every linker on one body and returns the relations it states, each once. Linkers are
 * meant to be total, but plugin code may not be: a linker that throws or returns malformed
 * claims loses only its own claims for that body (reported through `onError`), never the
 * batch being ingested.
 */
export function claimsOf(
  linkers: readonly Linker[],
  body: JsonObject,
  self: ObjectIdentity,
  onError: (linker: Linker, error: unknown) => void = warnOnce,
): RelationClaim[] {
  const byKey = new Map<string, RelationClaim>();
  for (const linker of linkers) {
    let claims: unknown;
    try {
      claims = linker.claims(body, self);
    } catch (error) {
      onError(linker, error);
      continue;
    }
    if (!Array.isArray(claims)) {
      onError(linker, new Error("claims() did not return an array"));
      continue;
    }
    for (const claim of claims) {
      if (!isWellFormedClaim(claim)) {
        onError(linker, new Error(`malformed claim ${safeJson(claim)}`));
        continue;
      }
      const unstorable = unstorableReference(claim);
      if (unstorable !== null) {
        // Names no object Kubernetes could hold; stored, it would fail the batch (indexedText.ts).
        onError(linker, new Error(`claim ${safeJson(claim)}: ${unstorable}`));
        continue;
      }
      if (isSelf(claim.other, self)) continue;
      byKey.set(claimKey(claim), claim);
    }
  }
  return [...byKey.values()];
}

/** Identifies a claim: same kind, role and other object (by uid when given). */
export function claimKey(claim: RelationClaim): string {
  const o = claim.other;
  return [claim.kind, claim.role, o.cluster ?? "", o.apiGroup, o.resource, o.namespace, o.name, o.uid ?? ""].join("\u0000");
}

function isSelf(other: ObjectReference, self: ObjectIdentity): boolean {
  return (
    other.cluster === undefined &&
    other.apiGroup === self.apiGroup &&
    other.resource === self.resource &&
    other.namespace === self.namespace &&
    other.name === self.name
  );
}

const isString = (value: unknown): value is string => typeof value === "string";
const isNonEmptyString = (value: unknown): value is string => typeof value === "string" && value !== "";

function isWellFormedClaim(value: unknown): value is RelationClaim {
  if (typeof value !== "object" || value === null) return false;
  const claim = value as Record<string, unknown>;
  const other = claim.other as Record<string, unknown> | null | undefined;
  return (
    isNonEmptyString(claim.kind) &&
    (claim.role === "parent" || claim.role === "child") &&
    typeof other === "object" &&
    other !== null &&
    isString(other.apiGroup) &&
    isNonEmptyString(other.resource) &&
    isString(other.namespace) &&
    isNonEmptyString(other.name) &&
    // Another cluster is created by name when new: only a name a cluster may have.
    (other.cluster === undefined || (typeof other.cluster === "string" && isValidClusterName(other.cluster))) &&
    (other.uid === undefined || isString(other.uid)) &&
    (other.kind === undefined || isString(other.kind)) &&
    (other.apiVersion === undefined || isString(other.apiVersion))
  );
}

/** Why the store cannot hold the object a claim names (it becomes an objects row), as "<field>: <problem>", or null. */
function unstorableReference(claim: RelationClaim): string | null {
  const o = claim.other;
  const fields: Array<[string, string | undefined, number?]> = [
    ["kind", claim.kind],
    ["other.apiGroup", o.apiGroup],
    ["other.apiVersion", o.apiVersion],
    ["other.resource", o.resource, MAX.resource],
    ["other.kind", o.kind],
    ["other.namespace", o.namespace, MAX.namespace],
    ["other.name", o.name, MAX.name],
    ["other.uid", o.uid, MAX.uid],
  ];
  for (const [field, text, maxBytes] of fields) {
    const problem = text === undefined ? null : unstorableTextProblem(text, maxBytes);
    if (problem !== null) return `${field}: ${problem}`;
  }
  return null;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value)?.slice(0, 200) ?? String(value);
  } catch {
    return String(value);
  }
}

const warned = new Set<string>();

/** Reports a failing linker once per process, so that a bad plugin doesn't flood the log. */
function warnOnce(linker: Linker, error: unknown): void {
  if (warned.has(linker.name)) return;
  warned.add(linker.name);
  console.warn(`kubetrail: linker ${linker.name} failed (its relations are skipped; reported once): ${(error as Error)?.message ?? error}`);
}
