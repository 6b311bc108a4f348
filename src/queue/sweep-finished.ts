import type { Queryable } from './types.js'

// Retention (src/retention/retention-sweeper.ts): finished jobs older than the retention period. The
// batch is read first so that their files (job_file) can be removed before the rows that name
// them; the jobs then go in one statement, and with them, by their foreign keys, their
// job_file rows, their idempotency keys and any row of a job type's own declared ON DELETE
// CASCADE. Any number of processes may sweep at once: every step is idempotent.

const OLD_FINISHED = `
SELECT id FROM processing_job
 WHERE status IN ('COMPLETED', 'FAILED', 'CANCELLED')
   AND COALESCE(completed_at, updated_at) < now() - make_interval(days => $1::int)
 ORDER BY COALESCE(completed_at, updated_at)
 LIMIT $2`

const DELETE_JOBS = `
DELETE FROM processing_job
 WHERE id = ANY($1::text[]) AND status IN ('COMPLETED', 'FAILED', 'CANCELLED')`

const DELETE_EXPIRED_KEYS = `DELETE FROM idempotency_key WHERE expires_at < now()`

export async function oldFinishedJobs(db: Queryable, retentionDays: number, limit: number): Promise<string[]> {
  return (await db.query<{ id: string }>({ text: OLD_FINISHED, values: [retentionDays, limit] })).rows.map((r) => r.id)
}

export async function deleteJobs(db: Queryable, ids: string[]): Promise<number> {
  return (await db.query({ text: DELETE_JOBS, values: [ids] })).rowCount ?? 0
}

export async function deleteExpiredKeys(db: Queryable): Promise<number> {
  return (await db.query(DELETE_EXPIRED_KEYS)).rowCount ?? 0
}
