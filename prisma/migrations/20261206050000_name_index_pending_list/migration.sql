-- The server moves the trigram name index's pending list into the index every two seconds, on a
-- connection of its own (server/store/nameIndexCleaner.ts). An insert that finds the list over
-- gin_pending_list_limit does that move itself, inside an ingest batch's transaction: 45-115 ms
-- for the default 4 MB on the benchmark machine. With 64 MB, inserts reach the limit only when
-- the cleaner is not running (an import without a server) or falls far behind.
-- (docs/storage.md, "Cheap to write").
ALTER INDEX "objects_name_trgm_idx" SET (gin_pending_list_limit = 65536);
