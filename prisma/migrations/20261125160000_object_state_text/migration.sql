-- Object states are only ever read back whole by ingest: keep them as JSON text, which spares
-- Postgres the conversion to jsonb on each of the many writes.
-- AlterTable
ALTER TABLE "object_states" ALTER COLUMN "state" SET DATA TYPE TEXT USING "state"::text;
