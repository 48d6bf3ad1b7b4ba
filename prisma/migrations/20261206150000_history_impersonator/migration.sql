-- The authenticated user of an impersonated request, so that "touched by user U" finds what U
-- did as someone else (actor is the impersonated user). Until now it was kept only in details.
ALTER TABLE "history_entries" ADD COLUMN "impersonator" TEXT;

UPDATE "history_entries" SET "impersonator" = "details"->'impersonatedBy'->>'username'
 WHERE "details"->'impersonatedBy'->>'username' IS NOT NULL;

-- Partial: impersonated requests are few, and the other rows cost it nothing on insert.
CREATE INDEX "history_impersonator_time_idx" ON "history_entries"("impersonator", "start_time") WHERE "impersonator" IS NOT NULL;
