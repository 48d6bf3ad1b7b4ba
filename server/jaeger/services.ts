import type { Sql } from "../store/database";
import { serviceNameOf } from "../query/trace/display/common";
import { listKinds } from "../query/kinds";

/**
 * Jaeger's "Service" is the kind of object a trace is about, named as trace assembly names
 * every span's process (serviceNameOf): the kind for Kubernetes' own groups (`Pod`,
 * `Deployment`), `Kind.group` for others (`Rollout.argoproj.io`); and `*` for any kind.
 * `Kind.group` is accepted for Kubernetes' groups too (`Deployment.apps`).
 */
export const ANY_KIND = "*";

/** How to find a service's objects: a kind in a group, or — for objects no source told their kind — a resource in a group. */
export type KindFilter = { kind: string; apiGroup: string } | { resource: string; apiGroup: string };

/** `*`, then the service name of every kind of object in the store, sorted. */
export async function listServices(sql: Sql): Promise<string[]> {
  const names = [...new Set((await listKinds(sql)).map(serviceNameOf))].sort((a, b) => a.localeCompare(b));
  return [ANY_KIND, ...names];
}

/** Whether a service name asks for any kind. */
export function isAnyService(name: string | undefined): boolean {
  const text = (name ?? "").trim();
  return text === "" || text === ANY_KIND;
}

/**
 * The filters that find a service's objects: null for any kind, [] for a name no object in
 * the store goes by. Usually one; more when a kind lives in several of Kubernetes' groups
 * (Ingress in extensions and networking.k8s.io).
 */
export async function serviceFilters(sql: Sql, name: string | undefined): Promise<KindFilter[] | null> {
  if (isAnyService(name)) return null;
  const text = name!.trim();
  const filters = new Map<string, KindFilter>();
  for (const row of await listKinds(sql)) {
    if (serviceNameOf(row) !== text && (row.kind === null || `${row.kind}.${row.apiGroup}` !== text)) continue;
    const filter: KindFilter = row.kind !== null ? { kind: row.kind, apiGroup: row.apiGroup } : { resource: row.resource, apiGroup: row.apiGroup };
    filters.set(JSON.stringify(filter), filter);
  }
  return [...filters.values()];
}
