-- An object row that ingest merges into another (a placeholder into its object's row, a row made by
-- writes that gave no uid into the row holding the uid: docs/storage.md, "Rows that hold no uid")
-- is deleted, and a trace ID handed out before the merge encodes its id. Each merged id is kept
-- here with the id of the row it went to, so that such a trace ID answers with that row's trace.
-- Written only by merges, in their statement; an ordinary batch sends nothing to it.

-- CreateTable
CREATE TABLE "object_aliases" (
    "id" BIGINT NOT NULL,
    "object_id" BIGINT NOT NULL,
    "merged_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "object_aliases_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "object_aliases_object_idx" ON "object_aliases"("object_id");
