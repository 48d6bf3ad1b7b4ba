import type { ServedResource } from "./resources";

/**
 * What a request path names, for the served resources. kube-apiserver's REST paths:
 *   /api/v1/{resource}                               every namespace, or a cluster-scoped resource
 *   /api/v1/namespaces/{namespace}/{resource}        one namespace
 *   /api/v1/{resource}/{name}                        one cluster-scoped object
 *   /api/v1/namespaces/{namespace}/{resource}/{name} one namespaced object
 * and the same under /apis/{group}/{version}/ for named groups. Subresources, discovery and the
 * deprecated /watch/ prefix are not served (404).
 */
export type ApiTarget =
  | { kind: "collection"; resource: ServedResource; namespace?: string }
  | { kind: "object"; resource: ServedResource; namespace?: string; name: string };

export function resolveApiPath(pathname: string, resources: readonly ServedResource[]): ApiTarget | undefined {
  let segments: string[];
  try {
    segments = pathname.split("/").slice(1).map(decodeURIComponent);
  } catch {
    return undefined;
  }
  // kube-apiserver names no object "", "." or "..", nor with "/" or "%" in it (as decoded).
  if (segments.some((segment) => segment === "" || segment === "." || segment === ".." || /[/%]/.test(segment))) return undefined;
  const [root, ...afterRoot] = segments;
  let apiGroup: string;
  let rest: string[];
  if (root === "api") {
    apiGroup = "";
    rest = afterRoot;
  } else if (root === "apis" && afterRoot.length > 0) {
    apiGroup = afterRoot[0]!;
    rest = afterRoot.slice(1);
  } else {
    return undefined;
  }
  const [version, ...below] = rest;
  const served = (name: string | undefined) => resources.find((r) => r.apiGroup === apiGroup && r.version === version && r.resource === name);

  if (below[0] === "namespaces" && below.length >= 3) {
    const [, namespace, resourceName, name, ...subresource] = below;
    const resource = served(resourceName);
    if (!resource?.namespaced || subresource.length > 0) return undefined;
    return name === undefined ? { kind: "collection", resource, namespace } : { kind: "object", resource, namespace, name };
  }
  const [resourceName, name, ...subresource] = below;
  const resource = served(resourceName);
  if (!resource || subresource.length > 0) return undefined;
  if (name === undefined) return { kind: "collection", resource };
  // /api/v1/events/{name} names nothing: a namespaced object is found under its namespace.
  return resource.namespaced ? undefined : { kind: "object", resource, name };
}
