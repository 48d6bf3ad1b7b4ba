import { z } from "zod";
import { isValidClusterName } from "../../clusterName";
import { stringAt } from "../fields";
import { isNamespacedResource } from "../references";
import { kindForResource } from "../../../k8s/resources";
import type { Linker } from "../types";

export const PARENT_LINK_ANNOTATION = "kubetrail.io/parent-link";

const parentLinkSchema = z.object({
  cluster: z.string().refine(isValidClusterName).optional(),
  group: z.string(),
  version: z.string().min(1),
  resource: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/),
  namespace: z.string().optional(),
  name: z.string().min(1),
});

/**
 * The annotation `kubetrail.io/parent-link`, for parentage Kubernetes doesn't record (an
 * object created by a CI job, a custom controller's child in another cluster):
 * `{"cluster"?: "prod", "group": "apps", "version": "v1", "resource": "deployments",
 * "namespace"?: "web", "name": "frontend"}`. Without `cluster`, the parent is in the object's
 * cluster; without `namespace`, it is cluster-scoped when its resource is, else in the
 * object's namespace. A value that isn't such JSON states nothing.
 */
export const parentLinkAnnotationLinker: Linker = {
  name: "parentLinkAnnotation",
  claims(body, self) {
    const text = stringAt(body, "metadata", "annotations", PARENT_LINK_ANNOTATION);
    if (!text) return [];
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return [];
    }
    const parsed = parentLinkSchema.safeParse(json);
    if (!parsed.success) return [];
    const link = parsed.data;
    const namespace = link.namespace ?? (isNamespacedResource(link.group, link.resource) ? self.namespace : "");
    const kind = kindForResource(link.group, link.resource);
    return [
      {
        kind: "parent-link",
        role: "parent",
        other: {
          ...(link.cluster ? { cluster: link.cluster } : {}),
          apiGroup: link.group,
          resource: link.resource,
          namespace,
          name: link.name,
          apiVersion: link.group ? `${link.group}/${link.version}` : link.version,
          ...(kind ? { kind } : {}),
        },
      },
    ];
  },
};
