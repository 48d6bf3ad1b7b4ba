-- Relations remember which object's body stated them, so a later body can end them.
-- The table is still empty in every installation (no linker wrote to it before this migration).
DELETE FROM "relations";

-- AlterTable
ALTER TABLE "relations" ADD COLUMN "claimed_by_id" BIGINT NOT NULL;

-- CreateIndex
CREATE INDEX "relations_claimed_by_idx" ON "relations"("claimed_by_id", "valid_to");

-- AddForeignKey
ALTER TABLE "relations" ADD CONSTRAINT "relations_claimed_by_id_fkey" FOREIGN KEY ("claimed_by_id") REFERENCES "objects"("id") ON DELETE CASCADE ON UPDATE CASCADE;
