-- When each Kubernetes version a cluster's control plane named in its user agents
-- (kube-apiserver, kube-controller-manager, kube-scheduler: server/k8s/kubernetesVersion.ts) was
-- first seen, in audit event time (the request's requestReceivedTimestamp), so that a binding or an
-- eviction follows the release that ran when it was made (server/ingest/audit/apiserverBehaviour.ts,
-- server/store/clusters.ts), whatever order the events arrive in. Written only when a version is
-- new or seen earlier than recorded, never on an ordinary batch. It replaces
-- clusters.kubernetes_version, the newest version seen: that is the newest row here.
CREATE TABLE "kubernetes_version_sightings" (
    "cluster_id" INTEGER NOT NULL,
    "version" TEXT NOT NULL,
    "first_seen" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "kubernetes_version_sightings_pkey" PRIMARY KEY ("cluster_id","version")
);

-- A version stored before this migration was seen at some time before it, which was not kept:
-- now() is later than (or at) that sighting, so a write before it on an unknown version is read
-- as before it was (the oldest version known, which is then this one), and a log imported later
-- that names it earlier moves its first sighting back.
INSERT INTO "kubernetes_version_sightings" ("cluster_id", "version", "first_seen")
SELECT "id", "kubernetes_version", now() FROM "clusters" WHERE "kubernetes_version" IS NOT NULL;

ALTER TABLE "clusters" DROP COLUMN "kubernetes_version";
