import { v7 as uuidv7 } from 'uuid'
import type { ProcessingJob } from '../generated/prisma/client.js'
import { toProcessingJob } from './job-row.js'
import type { JobTrace } from '../telemetry/job-trace.js'
import type { Queryable } from './types.js'

// Adds one job in ONE statement and one round trip, the user's active-job limit checked in it:
// the count stops at the limit (a user with a million jobs queued costs no more than one with
// a thousand), and the INSERT happens only below it. A soft limit, as before: two statements at
// the same instant may both see room. The insert triggers give the job its fair turn
// (processing_job_turn) and wake the dispatchers (processing_job_queued_notify).
// Job ids are UUIDv7: time-ordered, so the primary key's index grows at its right edge.
const SQL = `
WITH active AS (
  SELECT count(*)::int AS n FROM (
    SELECT 1 FROM processing_job
     WHERE user_id = $2 AND status IN ('QUEUED', 'PROCESSING')
     LIMIT $8
  ) s
), added AS (
  INSERT INTO processing_job (id, type, user_id, parameters, priority, max_attempts, timeout_ms, run_at, callback_url, schedule_id, scheduled_for, trace)
  SELECT $1, $3, $2, $4::jsonb, $5::"JobPriority", $6, $7, COALESCE($9::timestamptz, now()), $10, $11, $12, $13::jsonb
    FROM active
   WHERE $8::int IS NULL OR active.n < $8
  RETURNING *
)
SELECT active.n AS active_jobs, added.* FROM active LEFT JOIN added ON true`

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
}

export const newJobId = (): string => uuidv7()

/** The job added, or, when the user already has `maxActive` jobs queued or running, how many. */
export async function enqueueJob(db: Queryable, job: NewJob, maxActive: number | null): Promise<{ job: ProcessingJob } | { activeJobs: number }> {
  const { rows } = await db.query({
    name: 'faena_enqueue_job',
    text: SQL,
    values: [newJobId(), job.userId, job.type, JSON.stringify(job.parameters ?? {}), job.priority, job.maxAttempts, job.timeoutMs, maxActive, job.runAt, job.callbackUrl ?? null, job.schedule?.id ?? null, job.schedule?.tick ?? null, job.trace ? JSON.stringify(job.trace) : null],
  })
  const r = rows[0]
  return r.id ? { job: toProcessingJob(r) } : { activeJobs: r.active_jobs as number }
}
