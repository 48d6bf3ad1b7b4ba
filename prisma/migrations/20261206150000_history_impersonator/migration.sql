-- The authenticated user of an impersonated request, so that "touched by user U" finds what U
-- did as someone else (actor is the impersonated user). Until now it was kept only in details.
ALTER TABLE "history_entries" ADD COLUMN "impersonator" TEXT;

-- Only names ingest would now store (server/ingest/audit/storableText.ts), which until now nothing
-- checked: one too long for an index entry would fail the index below. And details holding a NUL
-- anywhere (JSON's \u0000: a patch, a message) make every -> on them fail, so those are read with
-- it as U+FFFD, and a name that held one is left out as ingest now refuses it. A migration that
-- fails stops every start-up.
UPDATE "history_entries" SET "impersonator" = (
  SELECT CASE WHEN strpos(n.name, U&'\FFFD') = 0 AND octet_length(n.name) <= 1024 THEN n.name END
    FROM (SELECT (CASE WHEN strpos("details"::text, '\u0000') > 0 THEN replace("details"::text, '\u0000', '\ufffd')::json ELSE "details" END)
                 ->'impersonatedBy'->>'username' AS name) n)
 WHERE strpos("details"::text, '"impersonatedBy"') > 0;

-- Partial: impersonated requests are few, and the other rows cost it nothing on insert.
CREATE INDEX "history_impersonator_time_idx" ON "history_entries"("impersonator", "start_time") WHERE "impersonator" IS NOT NULL;
