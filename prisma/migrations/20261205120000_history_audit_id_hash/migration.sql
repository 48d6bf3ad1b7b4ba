-- History entries are looked up by auditID (the Jaeger API's auditID search, the OTLP export of a
-- committed batch), but never need the index to keep them unique: audit_receipts does that, by
-- (cluster, auditID, stage), before any history row is written. A unique btree over random
-- UUIDs was the dearest index of the table to keep on every insert: COPY of 120,000 history
-- rows into a table of as many took 1.6-2.0 s with it, 1.1-1.2 s without, and 1.4-1.5 s with
-- this hash index, whose entries are the 4-byte hashes (docs/benchmarks.md, "Runs, 2026-12-05").
-- NULL audit IDs (entries from other sources) are not indexed at all.
DROP INDEX "history_audit_event_key";
CREATE INDEX "history_audit_id_idx" ON "history_entries" USING HASH ("audit_id");
