-- When a row got its uid: the start of the earliest write stored on it that gave that uid. A row
-- that writes giving no uid made (Metadata level) may take the uid of a later object of its name
-- from a write that tells no creation time, arriving before that object's create; the create, at
-- Metadata level, gives no uid, and only this tells that the uid was given after it began, so is
-- its object's (docs/storage.md, "Rows that hold no uid"). Null where no write gave it (a
-- placeholder holding the uid a relation named) and for rows stored before this column: such a
-- row is never asked.

-- AlterTable
ALTER TABLE "objects" ADD COLUMN "uid_given_at" TIMESTAMPTZ(6);
