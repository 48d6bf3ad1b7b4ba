-- The last body a watch observed of each object (stripped of managedFields, redacted): the base of
-- the next watched version's diff (server/store/watchedHistoryWriter.ts). Apart from
-- object_states on purpose: the audit writer's chain of diffs and the watch's never mix. No
-- foreign key (schema.prisma's relationMode "prisma"): retention (server/store/retention/prune.ts)
-- deletes a row with its object, and the audit writer's merges with the row they delete.
CREATE TABLE "watched_states" (
    "object_id" BIGINT NOT NULL,
    "resource_version" TEXT,
    "state" TEXT NOT NULL,

    CONSTRAINT "watched_states_pkey" PRIMARY KEY ("object_id")
);

-- Rewritten on every watched version without changing an indexed value: room on the page for a
-- HOT update, as object_states (20261125190000_object_states_fillfactor).
ALTER TABLE "watched_states" SET (fillfactor = 50);

-- lz4 where the server has it, as object_states.state (20261125170000_lean_ingest_tables).
DO $$
BEGIN
  ALTER TABLE "watched_states" ALTER COLUMN "state" SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
  NULL;
END $$;
