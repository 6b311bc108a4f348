-- AlterTable
ALTER TABLE "processing_job" ADD COLUMN "unique_key" TEXT;

-- Hand-written from here on (Prisma's schema cannot express a partial index). Unique jobs: while
-- a job of a type is QUEUED or PROCESSING, no other job of that type with the same unique_key
-- may be added (its definition's uniqueKey(), src/jobs/registry.ts). Any job type can use it;
-- jobs without a key (NULL) are not in the index and cost it nothing. Built while no row has a
-- key, so it takes one pass over the table.
CREATE UNIQUE INDEX "processing_job_unique_key_idx" ON "processing_job" ("type", "unique_key")
 WHERE "unique_key" IS NOT NULL AND "status" IN ('QUEUED', 'PROCESSING');
