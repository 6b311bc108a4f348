import type { Queryable } from './types.js'

// Hands jobs we hold back to the queue (graceful shutdown): QUEUED again, lock released, and
// the attempt refunded since the job did not fail, progress reset since it will start over. The notify trigger wakes other dispatchers.
const SQL = `
UPDATE processing_job
   SET status = 'QUEUED', attempts = GREATEST(attempts - 1, 0),
       locked_by = NULL, locked_at = NULL, lease_expires_at = NULL,
       started_at = NULL, updated_at = now(),
       -- It will start over: progress from the interrupted run would mislead.
       progress = 0, processed_items = NULL, total_items = NULL,
       message = 'handed back to the queue by a shutting-down node; waiting to run again'
 WHERE id = ANY($2::text[]) AND locked_by = $1 AND status = 'PROCESSING'`

export async function returnJobs(db: Queryable, workerId: string, jobIds: string[]): Promise<number> {
  if (jobIds.length === 0) return 0
  const { rowCount } = await db.query({ name: 'faena_return_jobs', text: SQL, values: [workerId, jobIds] })
  return rowCount ?? 0
}
