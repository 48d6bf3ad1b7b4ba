import type { BuiltinResource } from "../../k8s/resources";

/** A resource the test API server serves: a built-in resource's declaration plus the version it is served at. */
export interface ServedResource extends BuiltinResource {
  /** e.g. "v1"; the path is /api/{version} for the core group, /apis/{apiGroup}/{version} otherwise. */
  version: string;
}

/**
 * How tests name a served resource, as Kubernetes writes a GroupResource: "events" for the core
 * group, "{resource}.{group}" otherwise ("deployments.apps", "events.events.k8s.io").
 */
export type GroupResource = string;

export function groupResourceOf(resource: Pick<ServedResource, "apiGroup" | "resource">): GroupResource {
  return resource.apiGroup === "" ? resource.resource : `${resource.resource}.${resource.apiGroup}`;
}

/** "v1" for the core group, "apps/v1" otherwise: what objects of the resource carry as apiVersion. */
export function apiVersionOf(resource: ServedResource): string {
  return resource.apiGroup === "" ? resource.version : `${resource.apiGroup}/${resource.version}`;
}

/** The kind of a list of the resource's objects, e.g. EventList. */
export function listKindOf(resource: ServedResource): string {
  return `${resource.kind}List`;
}

/** Core v1 Events, the first resource Kubetrail watches. */
export const CORE_EVENTS: ServedResource = { apiGroup: "", version: "v1", resource: "events", kind: "Event", namespaced: true };
