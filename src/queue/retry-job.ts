import type { SerializedError } from '../errors.js'
import type { Queryable } from './types.js'

// A failed attempt that is worth another: back to QUEUED, due after `delayMs` (backoff), the
// attempt counted and its error kept on the job until the next outcome. Guarded by the owner.
const SQL = `
UPDATE processing_job
   SET status = 'QUEUED', error = $3::jsonb,
       run_at = now() + make_interval(secs => $4::int / 1000.0),
       message = $5,
       progress = 0, processed_items = NULL, total_items = NULL,
       locked_by = NULL, locked_at = NULL, lease_expires_at = NULL, started_at = NULL, updated_at = now()
 WHERE id = $1 AND locked_by = $2 AND status = 'PROCESSING'`

export async function retryJob(
  db: Queryable,
  workerId: string,
  jobId: string,
  error: SerializedError,
  delayMs: number,
): Promise<boolean> {
  const message = `attempt failed (${error.code}); retrying in ${Math.round(delayMs / 1000)} s`
  const { rowCount } = await db.query({
    name: 'faena_retry_job',
    text: SQL,
    values: [jobId, workerId, JSON.stringify(error), Math.round(delayMs), message],
  })
  return rowCount === 1
}

/**
 * Exponential backoff with full jitter: attempt 1 waits up to base, attempt 2 up to 2 x base,
 * ... never more than max, never less than a tenth of its step (so retries do not bunch up).
 */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const step = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1))
  return Math.round(step * (0.1 + 0.9 * random()))
}
