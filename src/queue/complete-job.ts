import type { Queryable } from './types.js'

// Every transition out of PROCESSING is guarded by the lock owner: if the job was handed to
// someone else meanwhile (lease expired and rescued), our late answer changes nothing.
const SQL = `
UPDATE processing_job
   SET status = 'COMPLETED', result = $3::jsonb, progress = 100,
       processed_items = COALESCE($4, processed_items), total_items = COALESCE($5, total_items),
       message = COALESCE($6, message),
       completed_at = now(), updated_at = now(),
       locked_by = NULL, locked_at = NULL, lease_expires_at = NULL
 WHERE id = $1 AND locked_by = $2 AND status = 'PROCESSING'`

export interface Completion {
  result: unknown
  processedItems: number | null
  totalItems: number | null
  message: string | null
}

/** Returns false when the job was no longer ours. */
export async function completeJob(db: Queryable, workerId: string, jobId: string, c: Completion): Promise<boolean> {
  const { rowCount } = await db.query({
    name: 'faena_complete_job',
    text: SQL,
    values: [jobId, workerId, JSON.stringify(c.result ?? null), c.processedItems, c.totalItems, c.message],
  })
  return rowCount === 1
}
