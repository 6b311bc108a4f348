import type { SerializedError } from '../errors.js'
import { type JobTrace, jobTraceOf } from '../telemetry/job-trace.js'
import type { Queryable } from './types.js'

// A user's cancel, in one statement: a QUEUED job becomes CANCELLED at once; a PROCESSING job
// gets cancel_requested_at and a NOTIFY on faena_cancel, so whichever process holds it aborts
// its processor and writes CANCELLED (guarded by its lock). Finished jobs are not touched.
// `owner` NULL means an admin (any user's job).
const SQL = `
WITH target AS (
  SELECT id, status, type FROM processing_job
   WHERE id = $1 AND ($2::text IS NULL OR user_id = $2)
   FOR UPDATE
), changed AS (
  UPDATE processing_job j
     SET status = CASE WHEN t.status = 'QUEUED' THEN 'CANCELLED'::"JobStatus" ELSE j.status END,
         completed_at = CASE WHEN t.status = 'QUEUED' THEN now() ELSE j.completed_at END,
         error = CASE WHEN t.status = 'QUEUED' THEN '{"code":"CANCELLED","message":"cancelled by the user"}'::jsonb ELSE j.error END,
         cancel_requested_at = COALESCE(j.cancel_requested_at, now()),
         updated_at = now()
    FROM target t
   WHERE j.id = t.id AND t.status IN ('QUEUED', 'PROCESSING')
  RETURNING j.id, t.status AS previous, j.trace, j.attempts, j.error
)
SELECT t.status AS found,
       t.type,
       c.previous,
       c.trace,
       c.attempts,
       c.error,
       CASE WHEN c.previous = 'PROCESSING' THEN pg_notify('faena_cancel', c.id) END AS notified
  FROM target t LEFT JOIN changed c ON c.id = t.id`

export type CancelOutcome =
  | { kind: 'not-found' }
  | { kind: 'finished'; status: string }
  | { kind: 'cancelled'; type: string; attempts: number; error: SerializedError; trace: JobTrace | null }
  | { kind: 'requested' }

export async function cancelJob(db: Queryable, jobId: string, owner: string | null): Promise<CancelOutcome> {
  const { rows } = await db.query({ name: 'faena_cancel_job', text: SQL, values: [jobId, owner] })
  const row = rows[0]
  if (!row) return { kind: 'not-found' }
  if (row.previous === 'QUEUED')
    return { kind: 'cancelled', type: row.type, attempts: row.attempts, error: row.error, trace: jobTraceOf(row.trace) }
  if (row.previous === 'PROCESSING') return { kind: 'requested' }
  return { kind: 'finished', status: row.found }
}
