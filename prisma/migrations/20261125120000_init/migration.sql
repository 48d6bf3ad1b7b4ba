-- CreateExtension
CREATE EXTENSION IF NOT EXISTS "pg_trgm";

-- CreateEnum
CREATE TYPE "history_source" AS ENUM ('audit', 'event', 'watch');

-- CreateTable
CREATE TABLE "clusters" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "clusters_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "objects" (
    "id" BIGSERIAL NOT NULL,
    "cluster_id" INTEGER NOT NULL,
    "api_group" TEXT NOT NULL,
    "api_version" TEXT NOT NULL,
    "resource" TEXT NOT NULL,
    "kind" TEXT,
    "namespace" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "uid" TEXT,
    "first_seen" TIMESTAMPTZ(6) NOT NULL,
    "last_seen" TIMESTAMPTZ(6) NOT NULL,
    "deleted_at" TIMESTAMPTZ(6),
    "last_state" JSONB,
    "last_resource_version" TEXT,

    CONSTRAINT "objects_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "history_entries" (
    "id" BIGSERIAL NOT NULL,
    "object_id" BIGINT NOT NULL,
    "cluster_id" INTEGER NOT NULL,
    "source" "history_source" NOT NULL,
    "start_time" TIMESTAMPTZ(6) NOT NULL,
    "end_time" TIMESTAMPTZ(6) NOT NULL,
    "actor" TEXT NOT NULL,
    "verb" TEXT NOT NULL,
    "subresource" TEXT NOT NULL DEFAULT '',
    "status_code" INTEGER,
    "title" TEXT NOT NULL,
    "audit_id" TEXT,
    "stage" TEXT,
    "user_agent" TEXT,
    "details" JSONB NOT NULL,
    "diff" JSONB,
    "snapshot" JSONB,
    "noop" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "history_entries_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "relations" (
    "id" BIGSERIAL NOT NULL,
    "cluster_id" INTEGER NOT NULL,
    "from_object_id" BIGINT NOT NULL,
    "to_object_id" BIGINT NOT NULL,
    "kind" TEXT NOT NULL,
    "valid_from" TIMESTAMPTZ(6) NOT NULL,
    "valid_to" TIMESTAMPTZ(6),

    CONSTRAINT "relations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_receipts" (
    "cluster_id" INTEGER NOT NULL,
    "audit_id" TEXT NOT NULL,
    "stage" TEXT NOT NULL,
    "received_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_receipts_pkey" PRIMARY KEY ("cluster_id","audit_id","stage")
);

-- CreateTable
CREATE TABLE "request_counts" (
    "cluster_id" INTEGER NOT NULL,
    "minute" TIMESTAMPTZ(6) NOT NULL,
    "verb" TEXT NOT NULL,
    "resource" TEXT NOT NULL,
    "username" TEXT NOT NULL,
    "code" INTEGER NOT NULL,
    "count" BIGINT NOT NULL,

    CONSTRAINT "request_counts_pkey" PRIMARY KEY ("cluster_id","minute","verb","resource","username","code")
);

-- CreateTable
CREATE TABLE "settings" (
    "key" TEXT NOT NULL,
    "value" TEXT NOT NULL,

    CONSTRAINT "settings_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE UNIQUE INDEX "clusters_name_key" ON "clusters"("name");

-- CreateIndex
CREATE INDEX "objects_identity_idx" ON "objects"("cluster_id", "resource", "namespace", "name", "first_seen");

-- CreateIndex
CREATE INDEX "objects_uid_idx" ON "objects"("cluster_id", "uid");

-- CreateIndex
CREATE INDEX "objects_namespace_last_seen_idx" ON "objects"("namespace", "last_seen");

-- CreateIndex
CREATE INDEX "objects_name_trgm_idx" ON "objects" USING GIN ("name" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "objects_last_seen_idx" ON "objects"("last_seen");

-- CreateIndex
CREATE UNIQUE INDEX "history_audit_event_key" ON "history_entries"("cluster_id", "audit_id", "stage");

-- CreateIndex
CREATE INDEX "history_object_time_idx" ON "history_entries"("object_id", "start_time");

-- CreateIndex
CREATE INDEX "history_actor_time_idx" ON "history_entries"("actor", "start_time");

-- CreateIndex
CREATE INDEX "history_start_time_idx" ON "history_entries"("start_time");

-- CreateIndex
CREATE INDEX "relations_from_idx" ON "relations"("from_object_id", "valid_from");

-- CreateIndex
CREATE INDEX "relations_to_idx" ON "relations"("to_object_id", "valid_from");

-- CreateIndex
CREATE INDEX "audit_receipts_received_at_idx" ON "audit_receipts"("received_at");

-- CreateIndex
CREATE INDEX "request_counts_minute_idx" ON "request_counts"("minute");

-- AddForeignKey
ALTER TABLE "objects" ADD CONSTRAINT "objects_cluster_id_fkey" FOREIGN KEY ("cluster_id") REFERENCES "clusters"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "history_entries" ADD CONSTRAINT "history_entries_object_id_fkey" FOREIGN KEY ("object_id") REFERENCES "objects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "history_entries" ADD CONSTRAINT "history_entries_cluster_id_fkey" FOREIGN KEY ("cluster_id") REFERENCES "clusters"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "relations" ADD CONSTRAINT "relations_cluster_id_fkey" FOREIGN KEY ("cluster_id") REFERENCES "clusters"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "relations" ADD CONSTRAINT "relations_from_object_id_fkey" FOREIGN KEY ("from_object_id") REFERENCES "objects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "relations" ADD CONSTRAINT "relations_to_object_id_fkey" FOREIGN KEY ("to_object_id") REFERENCES "objects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "audit_receipts" ADD CONSTRAINT "audit_receipts_cluster_id_fkey" FOREIGN KEY ("cluster_id") REFERENCES "clusters"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "request_counts" ADD CONSTRAINT "request_counts_cluster_id_fkey" FOREIGN KEY ("cluster_id") REFERENCES "clusters"("id") ON DELETE CASCADE ON UPDATE CASCADE;
