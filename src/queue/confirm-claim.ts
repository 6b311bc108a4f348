import type { Queryable } from './types.js'

// For a processor about to COMMIT its work (an import that must land once): is this attempt still the job's
// current claim? Run inside the processor's transaction. FOR KEY SHARE holds the job row until
// that transaction ends, so no rescuer can take the job between this check and the COMMIT,
// while progress and heartbeat updates (no key change) go on. The attempt number identifies
// the claim: a rescued and re-claimed job has a higher one.
const SQL = `
SELECT 1 FROM processing_job
 WHERE id = $1 AND status = 'PROCESSING' AND attempts = $2
   FOR KEY SHARE`

export async function confirmClaim(db: Queryable, jobId: string, attempt: number): Promise<boolean> {
  const { rowCount } = await db.query(SQL, [jobId, attempt])
  return rowCount === 1
}
