/**
 * The short names kube-apiserver gives its built-in resources (`kubectl api-resources`, the
 * SHORTNAMES column, as of Kubernetes 1.31), by short name: what a person used to `kubectl get
 * deploy` types in a search. Each names a resource in its group(s); Ingress is served by two.
 * Custom resources declare their own (a CRD's spec.names.shortNames), which the store does not
 * keep: they are searched by kind or plural.
 */
export const BUILTIN_SHORT_NAMES: ReadonlyMap<string, ReadonlyArray<{ apiGroup: string; resource: string }>> = new Map(
  (
    [
      ["cs", "", "componentstatuses"],
      ["cm", "", "configmaps"],
      ["ep", "", "endpoints"],
      ["ev", "", "events"],
      ["limits", "", "limitranges"],
      ["ns", "", "namespaces"],
      ["no", "", "nodes"],
      ["pvc", "", "persistentvolumeclaims"],
      ["pv", "", "persistentvolumes"],
      ["po", "", "pods"],
      ["rc", "", "replicationcontrollers"],
      ["quota", "", "resourcequotas"],
      ["sa", "", "serviceaccounts"],
      ["svc", "", "services"],
      ["crd", "apiextensions.k8s.io", "customresourcedefinitions"],
      ["crds", "apiextensions.k8s.io", "customresourcedefinitions"],
      ["ds", "apps", "daemonsets"],
      ["deploy", "apps", "deployments"],
      ["rs", "apps", "replicasets"],
      ["sts", "apps", "statefulsets"],
      ["hpa", "autoscaling", "horizontalpodautoscalers"],
      ["cj", "batch", "cronjobs"],
      ["csr", "certificates.k8s.io", "certificatesigningrequests"],
      ["ev", "events.k8s.io", "events"],
      ["ing", "extensions", "ingresses"],
      ["ing", "networking.k8s.io", "ingresses"],
      ["netpol", "networking.k8s.io", "networkpolicies"],
      ["pdb", "policy", "poddisruptionbudgets"],
      ["pc", "scheduling.k8s.io", "priorityclasses"],
      ["sc", "storage.k8s.io", "storageclasses"],
    ] as const
  ).reduce((byName, [shortName, apiGroup, resource]) => byName.set(shortName, [...(byName.get(shortName) ?? []), { apiGroup, resource }]), new Map<string, Array<{ apiGroup: string; resource: string }>>()),
);
