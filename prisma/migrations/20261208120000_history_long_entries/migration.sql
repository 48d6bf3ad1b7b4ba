-- A time range now takes every history entry that overlaps it, not only those that began in it:
-- an entry that began before the range and was still running at its start (an exec session, a
-- slow request) is part of what happened in it. Each query takes the entries that began in the
-- range as before, those that began at most five minutes before it and end in or after it, and
-- the long ones, those that lasted more than five minutes and end in or after it, through the
-- index below (server/query/overlappingEntries.ts, docs/storage.md "Entries that overlap a range").

-- An entry that ends before it starts (a stage timestamp before the request was received: a
-- clock step, a hand-made event) would be taken by a range that begins after it ended. Ingest now
-- takes such a request as instant; so are the ones stored before. Before the index, which then
-- is built once.
UPDATE "history_entries" SET "end_time" = "start_time" WHERE "end_time" < "start_time";

-- Partial: long entries are few (kubectl exec, attach and port-forward sessions; the apiserver
-- ends other requests after a minute), so the index is small and the others cost it nothing. A
-- query reaches it only by repeating its predicate word for word (LONG_ENTRY in
-- overlappingEntries.ts): the planner must prove that the query's rows are the index's.
CREATE INDEX "history_long_end_time_idx" ON "history_entries"("end_time") WHERE "end_time" - "start_time" > interval '5 minutes';

-- Left by the reverted 20261207120000_longest_history_entry on a database that ran it (main
-- between f2c72b9 and c6d2958): its global bound is not used.
DROP FUNCTION IF EXISTS "check_longest_entry"(bigint);
DELETE FROM "settings" WHERE "key" = 'history_longest_entry_us';
