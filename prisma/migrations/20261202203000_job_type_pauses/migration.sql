-- Paused job types: an operator stops a misbehaving type without a deploy. Its queued jobs stay
-- QUEUED and are claimed by no node until it is resumed; running ones go on.
-- CreateTable
CREATE TABLE "job_type_pause" (
    "type" TEXT NOT NULL,
    "paused_by" TEXT NOT NULL,
    "paused_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "job_type_pause_pkey" PRIMARY KEY ("type")
);

-- Hand-written from here on. The claim skips the jobs of paused types: the rows live in
-- PostgreSQL, so every node sees a pause with its next claim. A skipped job costs the claim's
-- index walk one heap visit: a paused type with a deep queue ahead of the others slows claims
-- until it is resumed (or its jobs are cancelled).
CREATE OR REPLACE FUNCTION faena_claim_jobs(worker text, n int, lease_ms int) RETURNS SETOF processing_job
LANGUAGE sql
SET enable_sort = off
SET enable_bitmapscan = off
AS $$
WITH next AS (
  SELECT id FROM processing_job j
   WHERE status = 'QUEUED' AND run_at <= now()
     AND NOT EXISTS (SELECT 1 FROM job_type_pause p WHERE p.type = j.type)
   ORDER BY priority, turn, created_at
   LIMIT n
   FOR UPDATE OF j SKIP LOCKED
)
UPDATE processing_job j
   SET status = 'PROCESSING',
       locked_by = worker,
       locked_at = now(),
       lease_expires_at = now() + make_interval(secs => lease_ms / 1000.0),
       started_at = now(),
       attempts = j.attempts + 1,
       updated_at = now()
  FROM next
 WHERE j.id = next.id
RETURNING j.*
$$;
