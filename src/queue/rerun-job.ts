import type { ProcessingJob } from '../generated/prisma/client.js'
import type { JobTrace } from '../telemetry/job-trace.js'
import { toProcessingJob } from './job-row.js'
import type { Queryable } from './types.js'

// Running a finished job again (POST /jobs/:id/retry), in one statement: a FAILED or CANCELLED
// job goes back to QUEUED with a fresh set of attempts, what its run ended with appended to
// previous_runs. Like a new job it counts against its user's active-job limit, read as
// enqueue-job.ts reads it (faena_lock_active_jobs, active-counts.ts), and takes a fair turn
// (job_user_turn, as trigger processing_job_turn gives one on insert); the status change wakes
// the dispatchers (processing_job_queued_notify). `owner` NULL means an admin (any user's job).
const SQL = `
WITH target AS (
  SELECT id, status, user_id, priority FROM processing_job
   WHERE id = $1 AND ($2::text IS NULL OR user_id = $2)
   FOR UPDATE
), active AS (
  SELECT faena_lock_active_jobs(t.user_id) AS n FROM target t
), allowed AS (
  SELECT t.* FROM target t, active a
   WHERE t.status IN ('FAILED', 'CANCELLED') AND ($3::int IS NULL OR a.n < $3)
), turned AS (
  INSERT INTO job_user_turn AS u (user_id, last_turn)
  SELECT user_id, COALESCE(processing_job_queue_front(priority) - 1, 0) FROM allowed
      ON CONFLICT (user_id) DO UPDATE SET last_turn = GREATEST(u.last_turn + 1, EXCLUDED.last_turn)
  RETURNING last_turn
), rerun AS (
  UPDATE processing_job j
     SET status = 'QUEUED',
         turn = (SELECT last_turn FROM turned),
         previous_runs = j.previous_runs || jsonb_build_array(jsonb_build_object(
           'status', j.status, 'attempts', j.attempts, 'error', j.error,
           'startedAt', ${iso('j.started_at')}, 'completedAt', ${iso('j.completed_at')},
           'rerunAt', ${iso('now()')}, 'rerunBy', $4::text)),
         trace = jsonb_strip_nulls($5::jsonb || jsonb_build_object('follows', j.trace->'span')),
         attempts = 0, error = NULL, result = NULL, message = NULL,
         progress = 0, processed_items = NULL, total_items = NULL,
         run_at = now(), started_at = NULL, completed_at = NULL, cancel_requested_at = NULL,
         locked_by = NULL, locked_at = NULL, lease_expires_at = NULL, updated_at = now()
    FROM allowed a
   WHERE j.id = a.id
  RETURNING j.*
)
SELECT t.status AS found, a.n AS active_jobs, r.*
  FROM target t CROSS JOIN active a LEFT JOIN rerun r ON r.id = t.id`

function iso(expr: string): string {
  return `to_char(${expr} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`
}

export type RerunOutcome =
  | { kind: 'not-found' }
  | { kind: 'not-finished'; status: string }
  | { kind: 'too-many'; activeJobs: number }
  | { kind: 'queued'; job: ProcessingJob }

/**
 * `by`: who asked (kept in previous_runs); `maxActive`: the user's active-job limit (null: none);
 * `trace`: the re-run's place in a trace (it follows the run before it), null when traces are off.
 */
export async function rerunJob(
  db: Queryable,
  jobId: string,
  owner: string | null,
  by: string,
  maxActive: number | null,
  trace: JobTrace | null = null,
): Promise<RerunOutcome> {
  const { rows } = await db.query({
    name: 'faena_rerun_job',
    text: SQL,
    values: [jobId, owner, maxActive, by, trace ? JSON.stringify(trace) : null],
  })
  const row = rows[0]
  if (!row) return { kind: 'not-found' }
  if (row.id) return { kind: 'queued', job: toProcessingJob(row) }
  if (row.found !== 'FAILED' && row.found !== 'CANCELLED') return { kind: 'not-finished', status: row.found }
  return { kind: 'too-many', activeJobs: row.active_jobs }
}
