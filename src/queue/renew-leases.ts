import { OUR_JOBS } from './our-jobs.js'
import type { Queryable } from './types.js'

// Heartbeat: extends the lease of every job we hold, and reports those whose cancellation was
// requested, so that a cancel whose NOTIFY we missed (reconnect) still reaches the processor.
const SQL = `
WITH ${OUR_JOBS}
UPDATE processing_job j
   SET lease_expires_at = now() + make_interval(secs => $3::int / 1000.0)
  FROM ours
 WHERE j.id = ours.id
RETURNING j.id, j.cancel_requested_at IS NOT NULL AS cancel_requested`

export async function renewLeases(
  db: Queryable,
  workerId: string,
  jobIds: string[],
  leaseMs: number,
): Promise<{ renewed: string[]; cancelRequested: string[] }> {
  if (jobIds.length === 0) return { renewed: [], cancelRequested: [] }
  const { rows } = await db.query({ name: 'faena_renew_leases', text: SQL, values: [workerId, jobIds, leaseMs] })
  return {
    renewed: rows.map((r) => r.id as string),
    cancelRequested: rows.filter((r) => r.cancel_requested).map((r) => r.id as string),
  }
}
