import { OUR_JOBS } from './our-jobs.js'
import type { Queryable } from './types.js'

// Hands jobs we hold back to the queue (graceful shutdown, or claimed ahead and not started in
// time): QUEUED again, lock released, and the attempt refunded since the job did not fail,
// progress reset since it will start over. The notify trigger wakes other dispatchers.
const SQL = `
WITH ${OUR_JOBS}
UPDATE processing_job j
   SET status = 'QUEUED', attempts = GREATEST(j.attempts - 1, 0),
       locked_by = NULL, locked_at = NULL, lease_expires_at = NULL,
       started_at = NULL, updated_at = now(),
       -- It will start over: progress from the interrupted run would mislead.
       progress = 0, processed_items = NULL, total_items = NULL,
       message = $3
  FROM ours
 WHERE j.id = ours.id`

const RETURN_MESSAGES = {
  shutdown: 'handed back to the queue by a shutting-down node; waiting to run again',
  unstarted: 'claimed ahead by a node that stayed busy, handed back; waiting to run',
} as const

/** Why jobs go back: a shutdown stopped them, or they were claimed ahead and never started. */
export type ReturnReason = keyof typeof RETURN_MESSAGES

export async function returnJobs(
  db: Queryable,
  workerId: string,
  jobIds: string[],
  why: ReturnReason = 'shutdown',
): Promise<number> {
  if (jobIds.length === 0) return 0
  const { rowCount } = await db.query({
    name: 'faena_return_jobs',
    text: SQL,
    values: [workerId, jobIds, RETURN_MESSAGES[why]],
  })
  return rowCount ?? 0
}
