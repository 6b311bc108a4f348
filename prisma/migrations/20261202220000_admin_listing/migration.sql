-- Operators list every user's jobs (GET /jobs as an admin) newest first, by date, status, type,
-- error code or id prefix, on tables of millions of finished jobs. Each filter gets an index
-- that returns its rows in the listing's order (src/queue/job-filter.ts names them; the plans
-- are checked on a seeded table by test/queue/job-filter-plans.test.ts).
-- IF NOT EXISTS: on a large table, create them beforehand with CREATE INDEX CONCURRENTLY under
-- the same names and this migration will not lock writes while it builds them.

-- Every job newest first; date ranges; a common status filtered along the way. It includes the
-- status, so the console's counts by hour and status read the index alone.
CREATE INDEX IF NOT EXISTS "processing_job_created_idx" ON "processing_job" ("created_at" DESC, "id" DESC) INCLUDE ("status");

-- A type's jobs newest first, however rare the type.
CREATE INDEX IF NOT EXISTS "processing_job_type_created_idx" ON "processing_job" ("type", "created_at" DESC, "id" DESC);

-- The jobs that ended badly, newest first: rows enter it once, at their final transition.
CREATE INDEX IF NOT EXISTS "processing_job_ended_badly_idx" ON "processing_job" ("status", "created_at" DESC, "id" DESC)
  WHERE "status" IN ('FAILED', 'CANCELLED');

-- By the code a job failed with (the `q` of GET /jobs in UPPER_CASE), newest first.
CREATE INDEX IF NOT EXISTS "processing_job_error_code_idx" ON "processing_job" (("error"->>'code'), "created_at" DESC, "id" DESC)
  WHERE ("error"->>'code') IS NOT NULL;
