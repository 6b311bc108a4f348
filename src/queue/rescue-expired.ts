import { type JobTrace, jobTraceOf } from '../telemetry/job-trace.js'
import type { Queryable } from './types.js'

// The rescuer (any process, every heartbeat): PROCESSING jobs whose lease ran out, because the
// process that held them died or lost the database, are taken back from their owner.
//  - a cancel was requested meanwhile: CANCELLED;
//  - attempts left: QUEUED again at once, the attempt counted (it may have done work);
//  - none left: FAILED with code ABANDONED.
// FOR UPDATE SKIP LOCKED: rescuers on several processes split the work, and a job whose owner
// holds its row (a processor confirming its claim before COMMIT, confirm-claim.ts) is left to that owner.
const SQL = `
WITH expired AS (
  SELECT id,
         CASE WHEN cancel_requested_at IS NOT NULL THEN 'CANCELLED'
              WHEN attempts >= max_attempts THEN 'FAILED'
              ELSE 'QUEUED' END::"JobStatus" AS next
    FROM processing_job
   WHERE status = 'PROCESSING' AND lease_expires_at < now()
   ORDER BY lease_expires_at
   LIMIT $1
   FOR UPDATE SKIP LOCKED
)
UPDATE processing_job j
   SET status = e.next,
       error = CASE WHEN e.next = 'CANCELLED'
                      THEN jsonb_build_object('code', 'CANCELLED', 'message', 'cancelled by the user')
                    ELSE jsonb_build_object('code', 'ABANDONED', 'message',
                      format('attempt %s of %s was abandoned: the process running it (%s) stopped renewing its lease', j.attempts, j.max_attempts, j.locked_by))
               END,
       message = CASE WHEN e.next = 'QUEUED' THEN 'the process running it stopped; waiting to run again' ELSE j.message END,
       completed_at = CASE WHEN e.next = 'QUEUED' THEN NULL ELSE now() END,
       progress = CASE WHEN e.next = 'QUEUED' THEN 0 ELSE j.progress END,
       run_at = now(),
       locked_by = NULL, locked_at = NULL, lease_expires_at = NULL, updated_at = now()
  FROM expired e
 WHERE j.id = e.id
RETURNING j.id, j.type, j.user_id, j.status, j.attempts, j.max_attempts, j.error, j.trace`

export interface RescuedJob {
  id: string
  type: string
  userId: string
  status: 'QUEUED' | 'FAILED' | 'CANCELLED'
  attempts: number
  maxAttempts: number
  error: { code: string; message: string }
  /** Its place in a trace (telemetry/job-trace.ts); null when traces were off. */
  trace: JobTrace | null
}

export async function rescueExpired(db: Queryable, limit = 100): Promise<RescuedJob[]> {
  const { rows } = await db.query({ name: 'faena_rescue_expired', text: SQL, values: [limit] })
  return rows.map((r) => ({
    id: r.id,
    type: r.type,
    userId: r.user_id,
    status: r.status,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    error: r.error,
    trace: jobTraceOf(r.trace),
  }))
}
