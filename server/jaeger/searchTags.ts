import type { TraceRootCriteria } from "../query/trace/search";
import type { KindFilter } from "./services";

/**
 * Search tags: what a person types in Jaeger's Tags box (`namespace=prod name=web-*`) or sends
 * as `tag=k:v` / `tags={…}` (v1) and `query.attributes={…}` (v3). Object identity — `cluster`,
 * `resource` or `kind`, `namespace`, `name` (`*` wildcards), `uid` — and the actor of an entry
 * — `user`, `userAgent`, `auditID` — work with any service. Keys are case-insensitive.
 */
/** What a search asks of objects: findTraceRoots' criteria without the range and the limit. */
export type ObjectCriteria = Omit<TraceRootCriteria, "start" | "end" | "limit">;

const TAG_KEYS: Record<string, keyof ObjectCriteria | "kind" | "resource"> = {
  cluster: "cluster",
  kind: "kind",
  resource: "resource",
  namespace: "namespace",
  name: "name",
  uid: "uid",
  user: "user",
  useragent: "userAgent",
  auditid: "auditId",
};

export const KNOWN_TAGS = ["cluster", "resource", "kind", "namespace", "name", "uid", "user", "userAgent", "auditID"];

/** A tag we can't search by, with its key for the 400's message. */
export class UnknownTagError extends Error {
  constructor(readonly tag: string) {
    super(`unknown tag ${JSON.stringify(tag)}; search by ${KNOWN_TAGS.join(", ")}`);
    this.name = "UnknownTagError";
  }
}

/** `Kind` (any group) or `Kind.group`. */
function parseKind(value: string): { kind: string; apiGroup?: string } {
  const dot = value.indexOf(".");
  return dot < 0 ? { kind: value } : { kind: value.slice(0, dot), apiGroup: value.slice(dot + 1) };
}

/** `deployments` (any group), `deployments.apps` (kubectl's spelling) or `apps/deployments`. */
export function parseResource(value: string): { resource: string; apiGroup?: string } {
  const slash = value.lastIndexOf("/");
  if (slash >= 0) return { resource: value.slice(slash + 1).toLowerCase(), apiGroup: value.slice(0, slash) };
  const dot = value.indexOf(".");
  return dot < 0 ? { resource: value.toLowerCase() } : { resource: value.slice(0, dot).toLowerCase(), apiGroup: value.slice(dot + 1) };
}

/** The object criteria of a search's tags; null when they contradict each other, so nothing can match. Throws UnknownTagError. */
export function criteriaOf(tags: Record<string, string>): ObjectCriteria | null {
  let criteria: ObjectCriteria | null = {};
  for (const [rawKey, value] of Object.entries(tags)) {
    const name = rawKey.trim().toLowerCase();
    // Own keys only: "constructor" would otherwise find Object.prototype's, and the tag be dropped.
    const key = Object.hasOwn(TAG_KEYS, name) ? TAG_KEYS[name] : undefined;
    if (!key) throw new UnknownTagError(rawKey);
    if (criteria === null) continue;
    if (key === "kind") criteria = narrow(criteria, parseKind(value.trim()));
    else if (key === "resource") criteria = narrow(criteria, parseResource(value.trim()));
    // Names and user agents are matched as typed (patterns may hold spaces).
    else criteria = narrow(criteria, { [key]: key === "name" || key === "userAgent" ? value : value.trim() });
  }
  return criteria;
}

/** `criteria` with `more` added; null when they contradict each other (kind=Pod and kind=Deployment). */
export function narrow(criteria: ObjectCriteria, more: ObjectCriteria | KindFilter): ObjectCriteria | null {
  const out: ObjectCriteria = { ...criteria };
  for (const [key, value] of Object.entries(more) as Array<[keyof ObjectCriteria, string | undefined]>) {
    if (value === undefined) continue;
    if (out[key] !== undefined && out[key] !== value) return null;
    out[key] = value;
  }
  return out;
}
