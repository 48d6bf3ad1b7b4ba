-- Receipts are looked up by received_at only by retention's pruning job (a range delete), and
-- received_at is now() at insert: it rises with the rows' physical order, which is what a BRIN
-- index summarises, one small entry per 128 pages. The btree it replaces took an entry per
-- receipt, one per accepted audit event, and every insert went to its rightmost leaf page,
-- where concurrent batches queue for the same buffer lock. 200,000 receipts: btree 2,688 kB,
-- BRIN 24 kB (docs/storage.md, "Cheap to write").
DROP INDEX "audit_receipts_received_at_idx";
CREATE INDEX "audit_receipts_received_at_idx" ON "audit_receipts" USING BRIN ("received_at");
