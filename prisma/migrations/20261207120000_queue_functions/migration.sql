-- Hand-written: the queue's busiest statements as PL/pgSQL functions, whose plans PostgreSQL
-- keeps per connection. The statements are sent unnamed (safe behind a transaction-mode
-- pooler; src/db/database.ts), so each was parsed and planned on every call: half of a job's
-- enqueue (0.5 of 1.1 ms measured on PostgreSQL 18). A function's plans live in the server's
-- connection, whoever sends the call, so they are kept through a pooler too.

-- Adds one job (src/queue/enqueue-job.ts says what it does and why): the user's active jobs
-- counted up to max_active (null: no limit); at the limit nothing is added and `job` is null.
-- With `worker` set, the job is claimed for it as it is added when a claim made just after
-- would pick it first: due, its type not paused, no due job of its priority or a higher one
-- waiting. Sorts and bitmap scans are off, as in faena_claim_jobs: the front is read from
-- processing_job_claim_idx in its order, whatever the statistics say.
CREATE FUNCTION faena_enqueue_job(
  p_id text, p_user_id text, p_type text, p_parameters jsonb, p_priority "JobPriority",
  p_max_attempts int, p_timeout_ms int, p_max_active int, p_run_at timestamptz,
  p_callback_url text, p_schedule_id text, p_scheduled_for timestamptz, p_trace jsonb,
  p_worker text, p_lease_ms int,
  OUT active_jobs int, OUT job processing_job)
LANGUAGE plpgsql
SET enable_sort = off
SET enable_bitmapscan = off
AS $$
DECLARE
  here boolean;
  seen int;
  front record;
BEGIN
  active_jobs := 0;
  IF p_max_active IS NOT NULL THEN
    SELECT count(*)::int INTO active_jobs FROM (
      SELECT 1 FROM processing_job
       WHERE user_id = p_user_id AND status IN ('QUEUED', 'PROCESSING')
       LIMIT p_max_active
    ) s;
    IF active_jobs >= p_max_active THEN
      RETURN;
    END IF;
  END IF;
  here := p_worker IS NOT NULL AND (p_run_at IS NULL OR p_run_at <= now());
  IF here THEN
    here := NOT EXISTS (SELECT 1 FROM job_type_pause p WHERE p.type = p_type);
  END IF;
  IF here THEN
    -- The front of the queue, in the claim's order, up to its priority: any due job of a type
    -- not paused comes first. Only the first 32 entries are read, so that jobs due later or of
    -- paused types at the front cost no more than that: past them the job is queued.
    seen := 0;
    FOR front IN
      SELECT q.type, q.run_at FROM processing_job q
       WHERE q.status = 'QUEUED' AND q.priority <= p_priority
       ORDER BY q.status, q.priority, q.turn, q.created_at
       LIMIT 32
    LOOP
      seen := seen + 1;
      IF front.run_at <= now() AND NOT EXISTS (SELECT 1 FROM job_type_pause p WHERE p.type = front.type) THEN
        here := false;
        EXIT;
      END IF;
    END LOOP;
    here := here AND seen < 32;
  END IF;
  IF here THEN
    INSERT INTO processing_job (id, type, user_id, parameters, priority, max_attempts, timeout_ms, run_at, callback_url, schedule_id, scheduled_for, trace,
                                status, locked_by, locked_at, lease_expires_at, started_at, attempts)
    VALUES (p_id, p_type, p_user_id, p_parameters, p_priority, p_max_attempts, p_timeout_ms, now(), p_callback_url, p_schedule_id, p_scheduled_for, p_trace,
            'PROCESSING', p_worker, now(), now() + make_interval(secs => p_lease_ms / 1000.0), now(), 1)
    RETURNING * INTO job;
  ELSE
    INSERT INTO processing_job (id, type, user_id, parameters, priority, max_attempts, timeout_ms, run_at, callback_url, schedule_id, scheduled_for, trace)
    VALUES (p_id, p_type, p_user_id, p_parameters, p_priority, p_max_attempts, p_timeout_ms, COALESCE(p_run_at, now()), p_callback_url, p_schedule_id, p_scheduled_for, p_trace)
    RETURNING * INTO job;
  END IF;
END $$;
