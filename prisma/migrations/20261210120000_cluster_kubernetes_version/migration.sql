-- The newest Kubernetes version a cluster's control plane named in its user agents
-- (kube-apiserver, kube-controller-manager, kube-scheduler: server/k8s/kubernetesVersion.ts), as
-- `v1.29.3`; null until one is seen. What Kubetrail shows of a binding or an eviction depends on
-- it (server/ingest/audit/apiserverBehaviour.ts). Written only when a newer version is seen
-- (server/store/clusters.ts), never on an ordinary batch.
ALTER TABLE "clusters" ADD COLUMN "kubernetes_version" TEXT;
