import { v7 as uuidv7 } from 'uuid'
import type { SqlObject } from '../db/sql-objects.js'
import type { ProcessingJob } from '../generated/prisma/client.js'
import type { JobTrace } from '../telemetry/job-trace.js'
import { claimedJobOf } from './claim-jobs.js'
import { toProcessingJob } from './job-row.js'
import type { ClaimedJob, Queryable, StartOn } from './types.js'

// Adds one job in ONE call and one round trip: function faena_add_job, below. It is a PL/pgSQL
// function so that its plans are kept per server connection, even through a pooler: statements
// are sent unnamed (src/db/database.ts), and planning the one-statement enqueue was half of its
// cost (0.5 of 1.1 ms on PostgreSQL 18). The user's active-job limit is checked in it, exactly
// and in constant time: faena_lock_active_jobs (active-counts.ts) holds the user's admissions
// for the transaction and reads the user's count; at the limit nothing is added and `job` is
// null. The insert triggers give a QUEUED job its fair turn (processing_job_turn,
// fair-turns.ts), count it (processing_job_active_count) and wake the dispatchers
// (processing_job_queued_notify, notifications.ts).
//
// Started here: when the node adding the job has a thread free (`startOn`), the same call
// claims the job for it if a claim made just after the insert would pick it first: it is due,
// its type is not paused, and no due job of its priority or a higher one waits (in the claim's
// order those would come first). The job is written PROCESSING under the node's lease, as a
// claim writes it, and starts without the NOTIFY and the claim's round trip. Otherwise it is
// QUEUED as usual. Looking for a waiting job reads at most the first 32 entries of the claim's
// index and stops at the first due one: past 32 jobs due later or of paused types at the
// front, the job is queued rather than the queue walked. Sorts and bitmap scans are off, as in
// faena_claim_jobs: the front is read from processing_job_claim_idx in its order, whatever the
// statistics say.
//
// Unique jobs: `p_unique_key` (its type's uniqueKey()) goes into the row, and the partial unique
// index processing_job_unique_key_idx refuses a second active job of the type with that key
// (23505; the job service answers 409 JOB_DUPLICATE).
//
// Older nodes call functions of their own, left in the database as their release made them:
// faena_enqueue_job with 15 arguments (migration 20261207120000_queue_functions, schema version
// 1) and with 16 (the SQL object of schema version 2), which count the user's rows. This release
// no longer applies them, so a node of version 2 that starts again cannot turn this function
// back into its own; the release that raises OLDEST_COMPATIBLE drops them (expand, then contract).
export const addJobFunction: SqlObject = {
  name: 'faena_add_job',
  sql: `
CREATE OR REPLACE FUNCTION faena_add_job(
  p_id text, p_user_id text, p_type text, p_parameters jsonb, p_priority "JobPriority",
  p_max_attempts int, p_timeout_ms int, p_max_active int, p_run_at timestamptz,
  p_callback_url text, p_schedule_id text, p_scheduled_for timestamptz, p_trace jsonb,
  p_worker text, p_lease_ms int, p_unique_key text,
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
    active_jobs := faena_lock_active_jobs(p_user_id);
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
                                unique_key, status, locked_by, locked_at, lease_expires_at, started_at, attempts)
    VALUES (p_id, p_type, p_user_id, p_parameters, p_priority, p_max_attempts, p_timeout_ms, now(), p_callback_url, p_schedule_id, p_scheduled_for, p_trace,
            p_unique_key, 'PROCESSING', p_worker, now(), now() + make_interval(secs => p_lease_ms / 1000.0), now(), 1)
    RETURNING * INTO job;
  ELSE
    INSERT INTO processing_job (id, type, user_id, parameters, priority, max_attempts, timeout_ms, run_at, callback_url, schedule_id, scheduled_for, trace, unique_key)
    VALUES (p_id, p_type, p_user_id, p_parameters, p_priority, p_max_attempts, p_timeout_ms, COALESCE(p_run_at, now()), p_callback_url, p_schedule_id, p_scheduled_for, p_trace, p_unique_key)
    RETURNING * INTO job;
  END IF;
END $$`,
}

// Job ids are UUIDv7: time-ordered, so the primary key's index grows at its right edge.
const SQL = `SELECT e.active_jobs, (e.job).* FROM faena_add_job($1, $2, $3, $4::jsonb, $5::"JobPriority", $6, $7, $8, $9::timestamptz, $10, $11, $12, $13::jsonb, $14, $15, $16) e`

export interface NewJob {
  type: string
  userId: string
  parameters: unknown
  priority: string
  maxAttempts: number
  timeoutMs: number
  runAt: Date | null
  /** Where its end is told (a webhook); null: nowhere. */
  callbackUrl?: string | null
  /** The schedule that starts it, and the tick it is for. */
  schedule?: { id: string; tick: Date } | undefined
  /** Its place in a trace (telemetry/job-trace.ts); null: traces are off. */
  trace?: JobTrace | null
  /** While it is QUEUED or PROCESSING, no other job of its type may have this key. */
  uniqueKey?: string | null
}

export const newJobId = (): string => uuidv7()

export interface Enqueued {
  job: ProcessingJob
  /** The job as the dispatcher runs it, when it was claimed as it was added. */
  claimed: ClaimedJob | null
}

/**
 * The job added, and `claimed` when it was claimed for `startOn` (PROCESSING under its lease;
 * null: QUEUED), or, when the user already has `maxActive` jobs queued or running, how many.
 */
export async function enqueueJob(
  db: Queryable,
  job: NewJob,
  maxActive: number | null,
  startOn: StartOn | null = null,
): Promise<Enqueued | { activeJobs: number }> {
  const { rows } = await db.query({
    name: 'faena_add_job',
    text: SQL,
    values: [
      newJobId(),
      job.userId,
      job.type,
      JSON.stringify(job.parameters ?? {}),
      job.priority,
      job.maxAttempts,
      job.timeoutMs,
      maxActive,
      job.runAt,
      job.callbackUrl ?? null,
      job.schedule?.id ?? null,
      job.schedule?.tick ?? null,
      job.trace ? JSON.stringify(job.trace) : null,
      startOn?.workerId ?? null,
      startOn?.leaseMs ?? null,
      job.uniqueKey ?? null,
    ],
  })
  const r = rows[0]
  if (!r.id) return { activeJobs: r.active_jobs as number }
  const claimed =
    startOn !== null && r.status === 'PROCESSING' && r.locked_by === startOn.workerId ? claimedJobOf(r) : null
  return { job: toProcessingJob(r), claimed }
}
