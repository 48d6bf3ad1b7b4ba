-- Cheaper ingest writes (docs/storage.md, "Cheap to write"; schema.prisma's datasource uses
-- relationMode "prisma"). Every foreign key checked each inserted row against its parent with a
-- row lock; ingest is the only writer and creates parents in the same transaction, retention is
-- the only deleter and deletes dependent rows itself.

-- DropForeignKey
ALTER TABLE "objects" DROP CONSTRAINT "objects_cluster_id_fkey";

-- DropForeignKey
ALTER TABLE "history_entries" DROP CONSTRAINT "history_entries_object_id_fkey";

-- DropForeignKey
ALTER TABLE "history_entries" DROP CONSTRAINT "history_entries_cluster_id_fkey";

-- DropForeignKey
ALTER TABLE "relations" DROP CONSTRAINT "relations_cluster_id_fkey";

-- DropForeignKey
ALTER TABLE "relations" DROP CONSTRAINT "relations_from_object_id_fkey";

-- DropForeignKey
ALTER TABLE "relations" DROP CONSTRAINT "relations_to_object_id_fkey";

-- DropForeignKey
ALTER TABLE "relations" DROP CONSTRAINT "relations_claimed_by_id_fkey";

-- DropForeignKey
ALTER TABLE "audit_receipts" DROP CONSTRAINT "audit_receipts_cluster_id_fkey";

-- DropForeignKey
ALTER TABLE "request_counts" DROP CONSTRAINT "request_counts_cluster_id_fkey";

-- DropForeignKey
ALTER TABLE "object_states" DROP CONSTRAINT "object_states_object_id_fkey";

-- History's JSON is only ever read back whole: json input just validates the text, where jsonb
-- builds its binary form. (Rewrites the table once.)
-- AlterTable
ALTER TABLE "history_entries" ALTER COLUMN "details" SET DATA TYPE JSON USING "details"::json,
ALTER COLUMN "diff" SET DATA TYPE JSON USING "diff"::json,
ALTER COLUMN "snapshot" SET DATA TYPE JSON USING "snapshot"::json;

-- TOAST values compressed with lz4, much cheaper to compress than with the default pglz, for
-- values written from now on. Only servers built with lz4 have it; the others (PGlite among
-- them) raise feature_not_supported, "compression method lz4 not supported", and keep pglz.
-- After the type change, which resets a column's compression.
DO $$
BEGIN
  ALTER TABLE "history_entries" ALTER COLUMN "details" SET COMPRESSION lz4,
  ALTER COLUMN "diff" SET COMPRESSION lz4,
  ALTER COLUMN "snapshot" SET COMPRESSION lz4;
  ALTER TABLE "object_states" ALTER COLUMN "state" SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
  NULL;
END $$;
