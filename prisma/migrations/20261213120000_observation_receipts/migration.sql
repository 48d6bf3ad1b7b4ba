-- Dedup receipts of history that sources other than the audit webhook observed (Kubernetes
-- Events now, watches later: server/store/observedHistoryWriter.ts): one row per observation
-- key (an Event's uid and count), so that a relist, a restarted watcher or a re-imported file
-- stores nothing twice. Pruned with the rest of the history (server/store/retention/prune.ts).
CREATE TABLE "observation_receipts" (
    "cluster_id" INTEGER NOT NULL,
    "source" "history_source" NOT NULL,
    "key" TEXT NOT NULL,
    "received_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "observation_receipts_pkey" PRIMARY KEY ("cluster_id","source","key")
);

CREATE INDEX "observation_receipts_received_at_idx" ON "observation_receipts" USING BRIN ("received_at");
