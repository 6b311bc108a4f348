import type { ProgressUpdate, Queryable } from './types.js'

// Writes the latest progress of many running jobs in one statement (the progress writer
// coalesces per flush), only for jobs still PROCESSING under our name.
const SQL = `
UPDATE processing_job j
   SET progress = u.progress, message = COALESCE(u.message, j.message),
       processed_items = COALESCE(u.processed, j.processed_items),
       total_items = COALESCE(u.total, j.total_items), updated_at = now()
  FROM unnest($2::text[], $3::int[], $4::text[], $5::int[], $6::int[]) AS u(id, progress, message, processed, total)
 WHERE j.id = u.id AND j.locked_by = $1 AND j.status = 'PROCESSING'`

export async function updateProgress(db: Queryable, workerId: string, updates: ProgressUpdate[]): Promise<void> {
  if (updates.length === 0) return
  await db.query({
    name: 'faena_update_progress',
    text: SQL,
    values: [
      workerId,
      updates.map((u) => u.jobId),
      updates.map((u) => u.progress),
      updates.map((u) => u.message),
      updates.map((u) => u.processedItems),
      updates.map((u) => u.totalItems),
    ],
  })
}
