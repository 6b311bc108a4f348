-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "JobStatus" AS ENUM ('QUEUED', 'PROCESSING', 'COMPLETED', 'FAILED', 'CANCELLED');

-- CreateEnum
CREATE TYPE "JobPriority" AS ENUM ('HIGH', 'NORMAL', 'LOW');

-- CreateTable
CREATE TABLE "processing_job" (
    "id" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "status" "JobStatus" NOT NULL DEFAULT 'QUEUED',
    "priority" "JobPriority" NOT NULL DEFAULT 'NORMAL',
    "progress" INTEGER NOT NULL DEFAULT 0,
    "total_items" INTEGER,
    "processed_items" INTEGER,
    "message" TEXT,
    "user_id" TEXT NOT NULL,
    "parameters" JSONB NOT NULL DEFAULT '{}',
    "result" JSONB,
    "error" JSONB,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "max_attempts" INTEGER NOT NULL DEFAULT 1,
    "run_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "completed_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "locked_by" TEXT,
    "locked_at" TIMESTAMPTZ(3),
    "lease_expires_at" TIMESTAMPTZ(3),
    "cancel_requested_at" TIMESTAMPTZ(3),

    CONSTRAINT "processing_job_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "processing_job_claim_idx" ON "processing_job"("status", "priority", "created_at");

-- CreateIndex
CREATE INDEX "processing_job_user_created_idx" ON "processing_job"("user_id", "created_at" DESC);

-- Wake the dispatchers (LISTEN faena_jobs) when a job becomes QUEUED, on insert or when it is
-- handed back. Postgres delivers on commit and folds identical payloads sent in one
-- transaction, so a bulk insert wakes each listener once.
CREATE FUNCTION "faena_notify_queued"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('faena_jobs', '');
  RETURN NULL;
END;
$$;

CREATE TRIGGER "processing_job_queued_notify"
  AFTER INSERT OR UPDATE OF "status" ON "processing_job"
  FOR EACH ROW WHEN (NEW."status" = 'QUEUED')
  EXECUTE FUNCTION "faena_notify_queued"();
