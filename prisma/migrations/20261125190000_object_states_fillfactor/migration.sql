-- Ingest rewrites an object's state on every write, and the counters of read requests on every
-- batch; neither changes an indexed value, so the update can be "HOT" (no new index entry, the
-- old version pruned from its page without a vacuum) when the row's page has room for the new
-- version. A state is about 2 KB, four to a full page: in the ingest benchmark 17% of state
-- updates were not HOT, and the table grew to 1.6 times its live size (autovacuum off); the
-- counters, 24%. At fillfactor 50 a page keeps room for two new versions. Applies to pages
-- written from now on.
ALTER TABLE "object_states" SET (fillfactor = 50);
ALTER TABLE "request_counts" SET (fillfactor = 50);
