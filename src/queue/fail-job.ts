import type { SerializedError } from '../errors.js'
import { filesParameter, type OwnedFile, transitionWithFiles } from './job-files.js'
import type { Queryable } from './types.js'

// Final FAILED or CANCELLED, guarded by the lock owner, with the files the job owns at its end
// (see complete-job.ts).
const UPDATE = `
UPDATE processing_job
   SET status = $3::"JobStatus", error = $4::jsonb,
       message = COALESCE($5, message),
       completed_at = now(), updated_at = now(),
       locked_by = NULL, locked_at = NULL, lease_expires_at = NULL
 WHERE id = $1 AND locked_by = $2 AND status = 'PROCESSING'`

const WITH_FILES = transitionWithFiles(UPDATE, 6)

export async function finishJobWithError(
  db: Queryable,
  workerId: string,
  jobId: string,
  status: 'FAILED' | 'CANCELLED',
  error: SerializedError,
  message: string | null = null,
  files: OwnedFile[] | null = null,
): Promise<boolean> {
  const values = [jobId, workerId, status, JSON.stringify(error), message]
  const { rowCount } = files
    ? await db.query({
        name: 'faena_finish_job_error_files',
        text: WITH_FILES,
        values: [...values, filesParameter(files)],
      })
    : await db.query({ name: 'faena_finish_job_error', text: UPDATE, values })
  return rowCount === 1
}
