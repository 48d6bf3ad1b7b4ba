/** A built-in Kubernetes resource: its group, plural, kind and scope, declared once. */
export interface BuiltinResource {
  /** "" for the core API group. */
  apiGroup: string;
  /** Plural resource name as it appears in URLs and audit objectRefs. */
  resource: string;
  kind: string;
  namespaced: boolean;
}

function namespaced(apiGroup: string, resource: string, kind: string): BuiltinResource {
  return { apiGroup, resource, kind, namespaced: true };
}

function clusterScoped(apiGroup: string, resource: string, kind: string): BuiltinResource {
  return { apiGroup, resource, kind, namespaced: false };
}

/**
 * The common built-in resources. Audit events name a resource (plural) but not its kind;
 * this table tells the kind even when the event carries no body (Metadata level).
 * Old groups (`extensions`) are listed because old clusters' audit logs still use them.
 */
export const BUILTIN_RESOURCES: readonly BuiltinResource[] = [
  namespaced("", "pods", "Pod"),
  namespaced("", "services", "Service"),
  namespaced("", "endpoints", "Endpoints"),
  namespaced("", "configmaps", "ConfigMap"),
  namespaced("", "secrets", "Secret"),
  namespaced("", "serviceaccounts", "ServiceAccount"),
  namespaced("", "persistentvolumeclaims", "PersistentVolumeClaim"),
  namespaced("", "replicationcontrollers", "ReplicationController"),
  namespaced("", "events", "Event"),
  namespaced("", "limitranges", "LimitRange"),
  namespaced("", "resourcequotas", "ResourceQuota"),
  namespaced("", "podtemplates", "PodTemplate"),
  clusterScoped("", "namespaces", "Namespace"),
  clusterScoped("", "nodes", "Node"),
  clusterScoped("", "persistentvolumes", "PersistentVolume"),
  clusterScoped("", "componentstatuses", "ComponentStatus"),

  namespaced("apps", "deployments", "Deployment"),
  namespaced("apps", "replicasets", "ReplicaSet"),
  namespaced("apps", "statefulsets", "StatefulSet"),
  namespaced("apps", "daemonsets", "DaemonSet"),
  namespaced("apps", "controllerrevisions", "ControllerRevision"),

  namespaced("extensions", "deployments", "Deployment"),
  namespaced("extensions", "replicasets", "ReplicaSet"),
  namespaced("extensions", "daemonsets", "DaemonSet"),
  namespaced("extensions", "ingresses", "Ingress"),
  namespaced("extensions", "networkpolicies", "NetworkPolicy"),
  clusterScoped("extensions", "podsecuritypolicies", "PodSecurityPolicy"),

  namespaced("batch", "jobs", "Job"),
  namespaced("batch", "cronjobs", "CronJob"),

  namespaced("autoscaling", "horizontalpodautoscalers", "HorizontalPodAutoscaler"),

  namespaced("networking.k8s.io", "ingresses", "Ingress"),
  namespaced("networking.k8s.io", "networkpolicies", "NetworkPolicy"),
  clusterScoped("networking.k8s.io", "ingressclasses", "IngressClass"),

  namespaced("discovery.k8s.io", "endpointslices", "EndpointSlice"),

  namespaced("policy", "poddisruptionbudgets", "PodDisruptionBudget"),
  clusterScoped("policy", "podsecuritypolicies", "PodSecurityPolicy"),

  namespaced("rbac.authorization.k8s.io", "roles", "Role"),
  namespaced("rbac.authorization.k8s.io", "rolebindings", "RoleBinding"),
  clusterScoped("rbac.authorization.k8s.io", "clusterroles", "ClusterRole"),
  clusterScoped("rbac.authorization.k8s.io", "clusterrolebindings", "ClusterRoleBinding"),

  namespaced("coordination.k8s.io", "leases", "Lease"),
  namespaced("events.k8s.io", "events", "Event"),

  clusterScoped("apiextensions.k8s.io", "customresourcedefinitions", "CustomResourceDefinition"),
  clusterScoped("apiregistration.k8s.io", "apiservices", "APIService"),

  clusterScoped("storage.k8s.io", "storageclasses", "StorageClass"),
  clusterScoped("storage.k8s.io", "volumeattachments", "VolumeAttachment"),
  clusterScoped("storage.k8s.io", "csidrivers", "CSIDriver"),
  clusterScoped("storage.k8s.io", "csinodes", "CSINode"),
  namespaced("storage.k8s.io", "csistoragecapacities", "CSIStorageCapacity"),

  clusterScoped("scheduling.k8s.io", "priorityclasses", "PriorityClass"),
  clusterScoped("node.k8s.io", "runtimeclasses", "RuntimeClass"),
  clusterScoped("certificates.k8s.io", "certificatesigningrequests", "CertificateSigningRequest"),

  clusterScoped("admissionregistration.k8s.io", "mutatingwebhookconfigurations", "MutatingWebhookConfiguration"),
  clusterScoped("admissionregistration.k8s.io", "validatingwebhookconfigurations", "ValidatingWebhookConfiguration"),
  clusterScoped("admissionregistration.k8s.io", "validatingadmissionpolicies", "ValidatingAdmissionPolicy"),
  clusterScoped("admissionregistration.k8s.io", "validatingadmissionpolicybindings", "ValidatingAdmissionPolicyBinding"),

  clusterScoped("flowcontrol.apiserver.k8s.io", "flowschemas", "FlowSchema"),
  clusterScoped("flowcontrol.apiserver.k8s.io", "prioritylevelconfigurations", "PriorityLevelConfiguration"),
];

const byGroupResource = new Map(BUILTIN_RESOURCES.map((r) => [`${r.apiGroup}/${r.resource}`, r]));

/** The built-in resource `resource` in `apiGroup` ("" core), or null when it is not in the table (e.g. a CRD). */
export function builtinResource(apiGroup: string, resource: string): BuiltinResource | null {
  return byGroupResource.get(`${apiGroup}/${resource}`) ?? null;
}

/** The kind of a built-in resource, e.g. ("apps", "deployments") → "Deployment"; null when unknown. */
export function kindForResource(apiGroup: string, resource: string): string | null {
  return builtinResource(apiGroup, resource)?.kind ?? null;
}

const groupsByResourceKind = new Map<string, string[]>();
for (const r of BUILTIN_RESOURCES) {
  const key = `${r.resource}/${r.kind}`;
  groupsByResourceKind.set(key, [...(groupsByResourceKind.get(key) ?? []), r.apiGroup]);
}

/**
 * The other groups that serve a built-in resource's objects, as the same resource and kind:
 * ("apps", "deployments") → ["extensions"], and back. Old clusters served Deployments, Ingresses
 * and others through an old group and its successor at once, and an object named through one is
 * the object written through the other. Empty for a resource one group serves, or not built in.
 */
export function otherGroupsServing(apiGroup: string, resource: string): readonly string[] {
  const known = builtinResource(apiGroup, resource);
  if (known === null) return [];
  return (groupsByResourceKind.get(`${resource}/${known.kind}`) ?? []).filter((group) => group !== apiGroup);
}

/**
 * The version current Kubernetes releases serve a built-in resource at (the group's preferred
 * one), for reading its collection; null when no current release serves it (the `extensions`
 * group, PodSecurityPolicies) or it is not built in.
 */
export function preferredVersion(apiGroup: string, resource: string): string | null {
  if (builtinResource(apiGroup, resource) === null) return null;
  if (apiGroup === "extensions" || resource === "podsecuritypolicies") return null;
  // autoscaling/v2 is preferred since 1.23 (v1 serves only the CPU target); every other group here serves v1.
  return apiGroup === "autoscaling" ? "v2" : "v1";
}
