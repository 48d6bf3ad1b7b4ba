-- Retention keeps what was stored for at least KUBETRAIL_RETENTION, however old its events are.
-- Until now history was pruned by its events' time alone: a log of last month imported today
-- (or the README's sample) was deleted by the pruner's next run, while its dedup receipts, kept by
-- the time they were received, made a re-import store nothing. Each pruned table now records when
-- a row was stored, and a row goes once both its time and its storage are older than the cutoff.
-- now() is the transaction's start: one value per batch, given by the column default, so the
-- writers' COPY and INSERT statements send nothing more. Rows stored before this migration count
-- as stored now (ADD COLUMN with a constant-at-execution default rewrites nothing).
ALTER TABLE "history_entries" ADD COLUMN "stored_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now();
ALTER TABLE "relations" ADD COLUMN "stored_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now();
ALTER TABLE "request_counts" ADD COLUMN "stored_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now();

-- Only the pruning job reads it, by range, and it rises with the rows' physical order: BRIN, as
-- for receipts' received_at (docs/storage.md).
CREATE INDEX "history_stored_at_idx" ON "history_entries" USING BRIN ("stored_at");
