-- CreateTable
CREATE TABLE "job_user_active" (
    "user_id" TEXT NOT NULL,
    "shard" SMALLINT NOT NULL,
    "jobs" BIGINT NOT NULL,

    CONSTRAINT "job_user_active_pkey" PRIMARY KEY ("user_id","shard")
);

-- Hand-written from here on. The table starts empty: trigger processing_job_active_count
-- (src/queue/active-counts.ts) counts the active jobs already there when it is created, in the
-- same transaction, with writes to processing_job held off until it commits.
