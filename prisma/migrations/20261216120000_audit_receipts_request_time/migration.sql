-- A receipt names its request by auditID, stage and requestReceivedTimestamp. kube-apiserver
-- takes a request's auditID from its Audit-ID header when the client sends one, so two requests
-- may share an auditID; keyed by it alone, the second (a delete, say, sent with the Audit-ID of
-- an earlier get) was dropped as the first one's retry, and never became history.
--
-- The receipts stored before hold no request time: they get -infinity, and ingest takes an event
-- of their auditID and stage received before they were stored (give or take an hour of clock
-- skew) for the one they record (server/store/auditWriter.ts), until retention has pruned them. The partial index finds whether any are left. The default
-- stays, so that a replica of the version before, still running in a rolling deploy, stores
-- receipts of that same kind rather than failing.
ALTER TABLE "audit_receipts" ADD COLUMN "request_received_at" TIMESTAMPTZ(6) NOT NULL DEFAULT '-infinity';
ALTER TABLE "audit_receipts" DROP CONSTRAINT "audit_receipts_pkey";
ALTER TABLE "audit_receipts" ADD CONSTRAINT "audit_receipts_pkey" PRIMARY KEY ("cluster_id", "audit_id", "stage", "request_received_at");
-- The partial index holds the untimed receipts' whole key. On cluster_id alone, ingest's look for
-- an untimed receipt of each event's auditID and stage (server/store/auditWriter.ts,
-- RECORD_RECEIPTS_AMONG_UNTIMED_SQL) could take it, the new column having no statistics yet, and
-- read every untimed receipt of the cluster for each event. Keyed so, whichever index the planner
-- takes, each event costs one probe, and whether any are left is read from its first column
-- (UntimedReceipts).
CREATE INDEX "audit_receipts_untimed_idx" ON "audit_receipts"("cluster_id", "audit_id", "stage") WHERE "request_received_at" = '-infinity';
