-- The partial index of untimed receipts holds their whole key. On cluster_id alone, ingest's look
-- for an untimed receipt of each event's auditID and stage (server/store/auditWriter.ts,
-- RECORD_RECEIPTS_AMONG_UNTIMED_SQL) could take it, the new column having no statistics yet, and
-- read every untimed receipt of the cluster for each event: right after 20261216120000 that is
-- every receipt stored before. Keyed so, whichever index the planner takes, each event costs one
-- probe, and whether any are left is still read from its first column (UntimedReceipts).
DROP INDEX "audit_receipts_untimed_idx";
CREATE INDEX "audit_receipts_untimed_idx" ON "audit_receipts"("cluster_id", "audit_id", "stage") WHERE "request_received_at" = '-infinity';
