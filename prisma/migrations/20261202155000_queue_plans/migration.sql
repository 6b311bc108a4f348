-- Hand-written: plans that do not depend on statistics.
--
-- Claiming walks processing_job_claim_idx in its order and stops after LIMIT rows. Where the
-- statistics see few queued jobs (a table not analyzed yet, or analyzed before a burst), the
-- planner would rather fetch every queued row and sort them: 13 ms a claim at 20,000 queued
-- jobs, and it grows with the queue. So the claim is a function whose queries may not sort or
-- use a bitmap scan: the ordered index walk is the one plan left, whatever the statistics say.
-- Its callers: src/queue/claim-jobs.ts.
CREATE FUNCTION faena_claim_jobs(worker text, n int, lease_ms int) RETURNS SETOF processing_job
LANGUAGE sql
SET enable_sort = off
SET enable_bitmapscan = off
AS $$
WITH next AS (
  SELECT id FROM processing_job
   WHERE status = 'QUEUED' AND run_at <= now()
   ORDER BY priority, turn, created_at
   LIMIT n
   FOR UPDATE SKIP LOCKED
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

-- The front of the queue of one priority (the first entry of processing_job_claim_idx), for
-- the fair-turn trigger, under the same rule.
CREATE FUNCTION processing_job_queue_front(p "JobPriority") RETURNS bigint
LANGUAGE sql STABLE
SET enable_sort = off
SET enable_bitmapscan = off
AS $$
SELECT turn FROM processing_job
 WHERE status = 'QUEUED' AND priority = p
 ORDER BY status, priority, turn
 LIMIT 1
$$;

CREATE OR REPLACE FUNCTION processing_job_turn() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  front bigint;
  ignored text;
BEGIN
  IF NEW.status <> 'QUEUED' THEN
    RETURN NEW;
  END IF;
  IF current_setting('faena.turn_user', true) = NEW.user_id THEN
    -- The statement's previous row, this user's, is queued: the front is not behind it.
    NEW.turn := current_setting('faena.turn_last')::bigint + 1;
  ELSE
    PERFORM job_user_turn_flush();
    front := processing_job_queue_front(NEW.priority) - 1;
    INSERT INTO job_user_turn AS u (user_id, last_turn) VALUES (NEW.user_id, COALESCE(front, 0))
      ON CONFLICT (user_id) DO UPDATE SET last_turn = GREATEST(u.last_turn + 1, COALESCE(front, 0))
      RETURNING last_turn INTO NEW.turn;
    ignored := set_config('faena.turn_user', NEW.user_id, true);
    ignored := set_config('faena.turn_written', NEW.turn::text, true);
  END IF;
  ignored := set_config('faena.turn_last', NEW.turn::text, true);
  RETURN NEW;
END $$;

