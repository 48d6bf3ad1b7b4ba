-- The kinds of object in the store (Jaeger's services), found by skipping through this index
-- one kind at a time (server/jaeger/services.ts) instead of reading every object.
CREATE INDEX "objects_kinds_idx" ON "objects"("api_group", "resource", "kind");
