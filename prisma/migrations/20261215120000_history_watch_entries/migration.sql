-- A search counts an object's entries as its trace shows them, and a trace folds a watch entry
-- into the audit entry of the same write (server/query/trace/watchTwins.ts): the count leaves out
-- the watch entries that have an audit twin (server/query/trace/search.ts, traceRootsQuery).
-- Telling them apart through history_object_time_idx would read every entry of every object
-- searched from the heap, to find its source, where the count reads the index alone. This index
-- holds only watch entries: an object that is not watched costs one probe that finds nothing,
-- and audit's and Events' writes cost it nothing.
CREATE INDEX "history_watch_object_time_idx" ON "history_entries"("object_id", "start_time") WHERE "source" = 'watch';
