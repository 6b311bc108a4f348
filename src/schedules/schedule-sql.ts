// The job_schedule table's statements for the ticker (ticker.ts): the next due schedule,
// locked for the transaction that starts its tick's job, and its advance to the next tick.
// Locked with SKIP LOCKED: nodes ticking at the same moment take different schedules, and a
// schedule is taken by one node at a time.
import type { Queryable } from '../queue/types.js'

export interface DueSchedule {
  id: string
  userId: string
  cron: string
  timezone: string
  job: {
    type: string
    parameters?: unknown
    priority?: 'HIGH' | 'NORMAL' | 'LOW'
    callbackUrl?: string
    timeoutMs?: number
  }
  nextRunAt: Date
}

const NEXT_DUE = `
SELECT id, user_id, cron, timezone, job, next_run_at FROM job_schedule
 WHERE NOT paused AND next_run_at <= now()
 ORDER BY next_run_at
 LIMIT 1
 FOR UPDATE SKIP LOCKED`

const ADVANCE = `
UPDATE job_schedule
   SET next_run_at = $2, last_run_at = $3, last_job_id = COALESCE($4, last_job_id), last_error = $5, updated_at = now()
 WHERE id = $1`

const SOONEST = `SELECT min(next_run_at) AS at FROM job_schedule WHERE NOT paused`

export async function nextDueSchedule(tx: Queryable): Promise<DueSchedule | null> {
  const r = (await tx.query({ text: NEXT_DUE })).rows[0]
  return r
    ? { id: r.id, userId: r.user_id, cron: r.cron, timezone: r.timezone, job: r.job, nextRunAt: r.next_run_at }
    : null
}

/** After a tick: when the next one is, which tick ran, the job it started (null: none, `error` says why). */
export async function advanceSchedule(
  tx: Queryable,
  id: string,
  next: Date,
  tick: Date,
  jobId: string | null,
  error: string | null,
): Promise<void> {
  await tx.query({ text: ADVANCE, values: [id, next, tick, jobId, error] })
}

/** When the soonest active schedule is due; null when none is. */
export async function soonestDue(db: Queryable): Promise<Date | null> {
  return (await db.query({ text: SOONEST })).rows[0]?.at ?? null
}
