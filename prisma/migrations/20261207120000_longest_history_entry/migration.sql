-- A time range now takes every history entry that overlaps it, not only those that started in
-- it: an entry that began before the range and was still running at its start (an exec session,
-- a slow delete) is part of what happened in it. Queries still read the start_time indexes, from
-- the range's start minus the longest any entry has lasted (docs/storage.md, "Entries that
-- overlap a range"), kept in microseconds in the settings row 'history_longest_entry_us'. Ingest
-- raises it (server/store/longestEntry.ts); nothing lowers it.

-- An entry that ends before it starts (a stage timestamp before the request was received: a
-- clock step, a hand-made event) would be missed by "ended at or after the range's start".
-- Ingest now takes such a request as instant; so are the ones stored before.
UPDATE "history_entries" SET "end_time" = "start_time" WHERE "end_time" < "start_time";

-- The bound of what is stored: one read of the table, once.
INSERT INTO "settings" ("key", "value")
SELECT 'history_longest_entry_us', coalesce((extract(epoch FROM max("end_time" - "start_time")) * 1000000)::bigint, 0)::text
  FROM "history_entries"
ON CONFLICT ("key") DO UPDATE SET "value" = greatest("settings"."value"::bigint, excluded."value"::bigint)::text;

-- A query over a range is given the bound to read back by, the one its process last saw: as a
-- parameter, it tells the planner where the range it reads begins (read from the row inside the
-- statement, it is known only as the statement runs, and the planner takes such a range for a
-- nearly empty one). The statement checks it with this, once, before reading anything: should the
-- stored bound have grown past it, the statement fails with SQLSTATE KT001 and is run again with
-- the new one (server/store/longestEntry.ts). STABLE: it reads the row in the statement's snapshot,
-- the one the statement's rows are read in.
CREATE FUNCTION "check_longest_entry"("known" bigint) RETURNS boolean LANGUAGE plpgsql STABLE AS $$
DECLARE
  stored bigint;
BEGIN
  SELECT "value"::bigint INTO stored FROM "settings" WHERE "key" = 'history_longest_entry_us';
  IF stored > known THEN
    RAISE EXCEPTION 'history entries last up to % microseconds, longer than the % this statement reads back', stored, known
      USING ERRCODE = 'KT001';
  END IF;
  RETURN true;
END
$$;
