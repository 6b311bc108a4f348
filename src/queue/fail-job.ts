import type { SerializedError } from '../errors.js'
import type { Queryable } from './types.js'

// Final FAILED or CANCELLED, guarded by the lock owner (see complete-job.ts).
const SQL = `
UPDATE processing_job
   SET status = $3::"JobStatus", error = $4::jsonb,
       message = COALESCE($5, message),
       completed_at = now(), updated_at = now(),
       locked_by = NULL, locked_at = NULL, lease_expires_at = NULL
 WHERE id = $1 AND locked_by = $2 AND status = 'PROCESSING'`

export async function finishJobWithError(
  db: Queryable,
  workerId: string,
  jobId: string,
  status: 'FAILED' | 'CANCELLED',
  error: SerializedError,
  message: string | null = null,
): Promise<boolean> {
  const { rowCount } = await db.query({
    name: 'faena_finish_job_error',
    text: SQL,
    values: [jobId, workerId, status, JSON.stringify(error), message],
  })
  return rowCount === 1
}
