-- A time range now takes every history entry that overlaps it, not only those that began in it:
-- an entry that began before the range and was still running at its start (an exec session, a
-- slow request) is part of what happened in it. Each query takes the entries that began in the
-- range as before, those that began at most a minute before it and end in or after it, and
-- the long ones, those that lasted more than a minute and end in or after it, through the
-- index below (server/query/overlappingEntries.ts, docs/storage.md "Entries that overlap a range").

-- An entry that ends before it starts (a stage timestamp before the request was received: a
-- clock step, a hand-made event) would be taken by a range that begins after it ended. Ingest now
-- takes such a request as instant; so are the ones stored before. Before the index, which then
-- is built once.
UPDATE "history_entries" SET "end_time" = "start_time" WHERE "end_time" < "start_time";

-- Partial: long entries are few (kubectl exec, attach and port-forward sessions; the apiserver's
-- request timeout, a minute by default, ends the others), so the index is small and the other
-- entries cost it nothing. A query reaches it only by repeating its predicate word for word
-- (isLongEntry in server/query/overlappingEntries.ts): the planner uses a partial index for the
-- conditions it can prove imply its predicate, and compares the expressions as written.
--
-- `IS TRUE`, with statistics on the comparison: the planner estimates `x IS TRUE` from the
-- statistics on x, here how often it was true in ANALYZE's sample, and so knows that long entries
-- are few. A bare comparison is estimated from statistics on its operands: with none, it takes a
-- third of the rows for long; with some on the entries' length, it reads a histogram whose buckets
-- hold a hundredth of the sample each, and on a week of 1.1 million entries shaped like the query
-- benchmark's, with 300 exec sessions, it took 10,000 for long. It then read history_start_time_idx
-- backwards for the long entries a search expected, or joined the few it found to a hash of every
-- object. (ANALYZE keeps the statistics; schema.prisma cannot declare them, and the parity check
-- does not read them.)
CREATE INDEX "history_long_end_time_idx" ON "history_entries"("end_time") WHERE ("end_time" - "start_time" > interval '1 minute') IS TRUE;
CREATE STATISTICS "history_long_entries_stats" ON (("end_time" - "start_time" > interval '1 minute')) FROM "history_entries";

-- Left by the reverted 20261207120000_longest_history_entry on a database that ran it (main
-- between f2c72b9 and c6d2958): its global bound is not used.
DROP FUNCTION IF EXISTS "check_longest_entry"(bigint);
DELETE FROM "settings" WHERE "key" = 'history_longest_entry_us';
