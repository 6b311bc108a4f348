import { filesParameter, transitionWithFiles, type OwnedFile } from './job-files.js'
import type { Queryable } from './types.js'

// Every transition out of PROCESSING is guarded by the lock owner: if the job was handed to
// someone else meanwhile (lease expired and rescued), our late answer changes nothing. The
// files the job owns at its end (its type's declaration) are written in the same statement.
const UPDATE = `
UPDATE processing_job
   SET status = 'COMPLETED', result = $3::jsonb, progress = 100,
       processed_items = COALESCE($4, processed_items), total_items = COALESCE($5, total_items),
       message = COALESCE($6, message),
       completed_at = now(), updated_at = now(),
       locked_by = NULL, locked_at = NULL, lease_expires_at = NULL
 WHERE id = $1 AND locked_by = $2 AND status = 'PROCESSING'`

const WITH_FILES = transitionWithFiles(UPDATE, 7)

export interface Completion {
  result: unknown
  processedItems: number | null
  totalItems: number | null
  message: string | null
}

/** Returns false when the job was no longer ours. `files`: null for a type that declares none. */
export async function completeJob(db: Queryable, workerId: string, jobId: string, c: Completion, files: OwnedFile[] | null = null): Promise<boolean> {
  const values = [jobId, workerId, JSON.stringify(c.result ?? null), c.processedItems, c.totalItems, c.message]
  const { rowCount } = files
    ? await db.query({ name: 'faena_complete_job_files', text: WITH_FILES, values: [...values, filesParameter(files)] })
    : await db.query({ name: 'faena_complete_job', text: UPDATE, values })
  return rowCount === 1
}
