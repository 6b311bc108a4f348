-- Recurring schedules: a cron expression in a time zone that starts a job at every tick.
-- CreateTable
CREATE TABLE "job_schedule" (
    "id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "name" TEXT,
    "cron" TEXT NOT NULL,
    "timezone" TEXT NOT NULL DEFAULT 'UTC',
    "job" JSONB NOT NULL,
    "paused" BOOLEAN NOT NULL DEFAULT false,
    "next_run_at" TIMESTAMPTZ(3) NOT NULL,
    "last_run_at" TIMESTAMPTZ(3),
    "last_job_id" TEXT,
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "job_schedule_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "job_schedule_user_created_idx" ON "job_schedule"("user_id", "created_at" DESC, "id" DESC);

-- The jobs a schedule started, and the tick each was for.
ALTER TABLE "processing_job" ADD COLUMN "schedule_id" TEXT,
ADD COLUMN "scheduled_for" TIMESTAMPTZ(3);

-- Hand-written from here on. The schedules due, soonest first: what the tickers claim.
CREATE INDEX "job_schedule_due_idx" ON "job_schedule" ("next_run_at") WHERE NOT "paused";

-- One job per schedule and tick, whichever node and however many: the tick's job and the
-- schedule's next tick are written in one transaction with the schedule row locked, and this
-- key refuses a second job for a tick should anything else ever try. Partial: jobs without a
-- schedule are not in it and cost it nothing.
CREATE UNIQUE INDEX "processing_job_schedule_tick_idx" ON "processing_job" ("schedule_id", "scheduled_for") WHERE "schedule_id" IS NOT NULL;

-- GET /jobs?scheduleId=: a schedule's jobs newest first, as the user's listing reads them.
CREATE INDEX "processing_job_schedule_created_idx" ON "processing_job" ("schedule_id", "created_at" DESC, "id" DESC) WHERE "schedule_id" IS NOT NULL;
