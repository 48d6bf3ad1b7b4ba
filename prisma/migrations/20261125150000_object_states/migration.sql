-- An object's last known body moves to its own narrow table: the update that every write
-- makes then touches no secondary index and can happen in place (HOT), and loading objects
-- no longer drags their bodies along.

-- CreateTable
CREATE TABLE "object_states" (
    "object_id" BIGINT NOT NULL,
    "state" JSONB NOT NULL,
    "resource_version" TEXT,

    CONSTRAINT "object_states_pkey" PRIMARY KEY ("object_id")
);

-- Room on each page for the in-place updates.
ALTER TABLE "object_states" SET (fillfactor = 70);
ALTER TABLE "objects" SET (fillfactor = 80);

INSERT INTO "object_states" ("object_id", "state", "resource_version")
SELECT "id", "last_state", "last_resource_version" FROM "objects" WHERE "last_state" IS NOT NULL;

-- AlterTable
ALTER TABLE "objects" DROP COLUMN "last_state",
DROP COLUMN "last_resource_version";

-- "Objects of namespace N during [t1, t2]" means alive then: created before t2 and not deleted
-- before t1. last_seen is no longer indexed, so updating it keeps updates in place.
-- DropIndex
DROP INDEX "objects_namespace_last_seen_idx";

-- DropIndex
DROP INDEX "objects_last_seen_idx";

-- CreateIndex
CREATE INDEX "objects_namespace_first_seen_idx" ON "objects"("namespace", "first_seen");

-- AddForeignKey
ALTER TABLE "object_states" ADD CONSTRAINT "object_states_object_id_fkey" FOREIGN KEY ("object_id") REFERENCES "objects"("id") ON DELETE CASCADE ON UPDATE CASCADE;
