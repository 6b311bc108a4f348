import type { Queryable } from './types.js'

// Retention (src/execution/retention.ts): finished jobs older than the retention period, with
// what they left behind. The batch is read first so that their files can be removed before the
// rows that name them; the rows then go in one statement (report rows with their job; the
// job's idempotency keys by cascade). Audit rows (kpi_auditoria_export) are kept. Any number
// of processes may sweep at once: every step is idempotent.

const OLD_FINISHED = `
SELECT j.id, j.parameters, j.result, j.error, r.storage_key AS report_key
  FROM processing_job j
  LEFT JOIN report r ON r.job_id = j.id
 WHERE j.status IN ('COMPLETED', 'FAILED', 'CANCELLED')
   AND COALESCE(j.completed_at, j.updated_at) < now() - make_interval(days => $1::int)
 ORDER BY COALESCE(j.completed_at, j.updated_at)
 LIMIT $2`

const DELETE_JOBS = `
WITH reports AS (DELETE FROM report WHERE job_id = ANY($1::text[]))
DELETE FROM processing_job
 WHERE id = ANY($1::text[]) AND status IN ('COMPLETED', 'FAILED', 'CANCELLED')`

const DELETE_EXPIRED_KEYS = `DELETE FROM idempotency_key WHERE expires_at < now()`

export interface FinishedJob {
  id: string
  parameters: unknown
  result: unknown
  error: unknown
  report_key: string | null
}

export async function oldFinishedJobs(db: Queryable, retentionDays: number, limit: number): Promise<FinishedJob[]> {
  return (await db.query({ text: OLD_FINISHED, values: [retentionDays, limit] })).rows as FinishedJob[]
}

export async function deleteJobs(db: Queryable, ids: string[]): Promise<number> {
  return (await db.query({ text: DELETE_JOBS, values: [ids] })).rowCount ?? 0
}

export async function deleteExpiredKeys(db: Queryable): Promise<number> {
  return (await db.query(DELETE_EXPIRED_KEYS)).rowCount ?? 0
}
