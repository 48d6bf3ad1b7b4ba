import { builtinResource, preferredVersion } from "./resources";

/**
 * A resource Kubetrail lists and watches in every connected cluster (KUBETRAIL_WATCH_RESOURCES),
 * declared once: its group, version, plural, and (when built in) its kind and scope.
 */
export interface WatchedResource {
  /** "" for the core API group. */
  apiGroup: string;
  /** e.g. "v1": the version its collection is read at. */
  version: string;
  /** Plural, as in URLs: "deployments". */
  resource: string;
  /** From the built-in table; null for other resources (their objects say it). */
  kind: string | null;
  /** From the built-in table; null for other resources. */
  namespaced: boolean | null;
}

/** What KUBETRAIL_WATCH_RESOURCES is when unset: the workloads and what fronts them. */
export const DEFAULT_WATCH_RESOURCES = "deployments.apps,replicasets.apps,statefulsets.apps,daemonsets.apps,pods,services,jobs.batch,cronjobs.batch";

/**
 * Resources that are never watched, and why: watching them would bring what Kubetrail must not
 * hold, or what another source already brings.
 */
const REFUSED: Record<string, string> = {
  secrets:
    "Secrets are not watched: their data would travel to Kubetrail for nothing (audit events already give Secrets' history without their data)",
  events: "Events are not watched as objects: each cluster's Kubernetes Events source already watches them",
  "events.events.k8s.io": "Events are not watched as objects: each cluster's Kubernetes Events source already watches them",
};

const RESOURCE_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const GROUP_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;
const VERSION_NAME = /^v[1-9][0-9]*((alpha|beta)[1-9][0-9]*)?$/;

/**
 * Reads one `resource[.group][/version]` item: "pods", "deployments.apps",
 * "widgets.example.com/v1alpha1". Returns the resource, or a problem saying what is wrong.
 */
export function parseWatchedResource(item: string): WatchedResource | { problem: string } {
  const slash = item.indexOf("/");
  const groupResource = slash < 0 ? item : item.slice(0, slash);
  const givenVersion = slash < 0 ? null : item.slice(slash + 1);
  const dot = groupResource.indexOf(".");
  const resource = dot < 0 ? groupResource : groupResource.slice(0, dot);
  const apiGroup = dot < 0 ? "" : groupResource.slice(dot + 1);
  if (!RESOURCE_NAME.test(resource) || (apiGroup !== "" && !GROUP_NAME.test(apiGroup))) {
    return { problem: `"${item}" is not resource[.group][/version], e.g. pods, deployments.apps or widgets.example.com/v1` };
  }
  if (givenVersion !== null && !VERSION_NAME.test(givenVersion)) {
    return { problem: `"${givenVersion}" in "${item}" is not an API version, e.g. v1, v1beta1` };
  }
  const refused = REFUSED[groupResource];
  if (refused !== undefined) return { problem: refused };
  const builtin = builtinResource(apiGroup, resource);
  const version = givenVersion ?? (builtin ? preferredVersion(apiGroup, resource) : null);
  if (version === null) {
    return {
      problem: builtin
        ? `"${item}": current Kubernetes releases no longer serve ${groupResource}; name the version your clusters serve it at, e.g. ${groupResource}/v1beta1`
        : `"${item}" is not a built-in resource Kubetrail knows: name its version, e.g. ${groupResource}/v1`,
    };
  }
  return { apiGroup, version, resource, kind: builtin?.kind ?? null, namespaced: builtin?.namespaced ?? null };
}

/** `resource.group` as Kubernetes writes a GroupResource ("pods" in the core group), for messages. */
export function groupResourceName(resource: Pick<WatchedResource, "apiGroup" | "resource">): string {
  return resource.apiGroup === "" ? resource.resource : `${resource.resource}.${resource.apiGroup}`;
}

/** The collection across every namespace: /api/v1/pods, /apis/apps/v1/deployments. */
export function collectionPath(resource: WatchedResource): string {
  return resource.apiGroup === "" ? `/api/${resource.version}/${resource.resource}` : `/apis/${resource.apiGroup}/${resource.version}/${resource.resource}`;
}
