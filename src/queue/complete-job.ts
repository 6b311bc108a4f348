import { filesParameter, type OwnedFile, transitionWithFiles } from './job-files.js'
import { OUR_JOBS } from './our-jobs.js'
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

// Many completions in one statement (the dispatcher batches the completions that arrive while
// one is being written), the rows locked in id order first (our-jobs.ts).
const MANY = `
WITH ${OUR_JOBS}, v AS (
  SELECT * FROM unnest($2::text[], $3::jsonb[], $4::int[], $5::int[], $6::text[]) AS v(id, result, processed_items, total_items, message)
)
UPDATE processing_job j
   SET status = 'COMPLETED', result = v.result, progress = 100,
       processed_items = COALESCE(v.processed_items, j.processed_items), total_items = COALESCE(v.total_items, j.total_items),
       message = COALESCE(v.message, j.message),
       completed_at = now(), updated_at = now(),
       locked_by = NULL, locked_at = NULL, lease_expires_at = NULL
  FROM v JOIN ours ON ours.id = v.id
 WHERE j.id = v.id
RETURNING j.id`

export interface Completion {
  result: unknown
  processedItems: number | null
  totalItems: number | null
  message: string | null
}

/** Returns false when the job was no longer ours. `files`: null for a type that declares none. */
export async function completeJob(
  db: Queryable,
  workerId: string,
  jobId: string,
  c: Completion,
  files: OwnedFile[] | null = null,
): Promise<boolean> {
  const values = [jobId, workerId, JSON.stringify(c.result ?? null), c.processedItems, c.totalItems, c.message]
  const { rowCount } = files
    ? await db.query({ name: 'faena_complete_job_files', text: WITH_FILES, values: [...values, filesParameter(files)] })
    : await db.query({ name: 'faena_complete_job', text: UPDATE, values })
  return rowCount === 1
}

/** Completes jobs of types that declare no files; returns the ids that were still ours. */
export async function completeJobs(
  db: Queryable,
  workerId: string,
  items: { jobId: string; completion: Completion }[],
): Promise<Set<string>> {
  if (items.length === 0) return new Set()
  const { rows } = await db.query({
    name: 'faena_complete_jobs',
    text: MANY,
    values: [
      workerId,
      items.map((i) => i.jobId),
      items.map((i) => JSON.stringify(i.completion.result ?? null)),
      items.map((i) => i.completion.processedItems),
      items.map((i) => i.completion.totalItems),
      items.map((i) => i.completion.message),
    ],
  })
  return new Set(rows.map((r) => r.id as string))
}
