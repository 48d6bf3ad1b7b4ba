-- The part of a range that reads the entries which began shortly before it and were still running
-- at its start ("recent", server/query/overlappingEntries.ts) read the whole minute before the
-- range of its index and kept the few entries still running: on a cluster writing a hundred
-- times a second, 6,000 entries per question to find a handful. It now reads only the second
-- before the range that way; the rest of that minute ("slow") comes from the index below, which
-- holds only the entries that lasted more than a second: a write takes milliseconds, so the index
-- stays small and an ordinary write costs it nothing (docs/storage.md, "Entries that overlap a
-- range").
--
-- Partial, by start: the slow part reads a minute of start_time. A query reaches it only by
-- repeating its predicate word for word (isSlowEntry in server/query/overlappingEntries.ts), and
-- `IS TRUE` with statistics on the comparison tells the planner that slow entries are few, as for
-- the long entries' index of 20261208120000_history_long_entries, which says why.
CREATE INDEX "history_slow_start_time_idx" ON "history_entries"("start_time") WHERE ("end_time" - "start_time" > interval '1 second') IS TRUE;
CREATE STATISTICS "history_slow_entries_stats" ON (("end_time" - "start_time" > interval '1 second')) FROM "history_entries";
