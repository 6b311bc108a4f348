import type { Queryable } from './types.js'

// Retention (src/retention/retention-sweeper.ts): finished jobs older than the retention period,
// in bounded batches. A batch is read first so that the jobs' files (job_file) can be removed
// before the rows that name them; the jobs then go in one short statement, and with them, by
// their foreign keys, their job_file rows, their idempotency keys and any row of a job type's
// own declared ON DELETE CASCADE. Any number of processes may sweep at once: every step is
// idempotent.
//
// A batch is found by walking processing_job_created_idx oldest first from where the last batch
// ended (a job finishes after it is created, so every job to remove was created before the
// cutoff): each row is read once per sweep, whatever the depth of the table. Sorting the
// finished jobs by their end instead would read all of them for every batch of 200 (seconds
// each at 5M kept jobs), and an index for it would cost every job's end one more write.

/** Where a sweep's walk is: the last job of its last batch (created_at as text, exact). */
export interface SweepCursor {
  createdAt: string
  id: string
}

export const SWEEP_START: SweepCursor = { createdAt: '-infinity', id: '' }

const OLD_FINISHED = `
SELECT id, created_at::text AS walked_to, status IN ('COMPLETED', 'FAILED', 'CANCELLED')
       AND COALESCE(completed_at, updated_at) < now() - make_interval(days => $1::int) AS old
  FROM processing_job
 WHERE created_at < now() - make_interval(days => $1::int)
   AND (created_at, id) > ($3::timestamptz, $4::text)
 ORDER BY created_at, id
 LIMIT $2`

const DELETE_JOBS = `
DELETE FROM processing_job
 WHERE id = ANY($1::text[]) AND status IN ('COMPLETED', 'FAILED', 'CANCELLED')`

/** Expired keys whose job is still kept (a job's removal takes its keys), a bounded batch at a time. */
const DELETE_EXPIRED_KEYS = `
DELETE FROM idempotency_key
 WHERE (user_id, key) IN (SELECT user_id, key FROM idempotency_key WHERE expires_at < now() LIMIT $1)`

/**
 * The next `limit` jobs created before the cutoff, after `from`: the old finished ones among
 * them to remove, and where the walk goes on (null once it has passed the last one).
 */
export async function oldFinishedJobs(
  db: Queryable,
  retentionDays: number,
  limit: number,
  from: SweepCursor = SWEEP_START,
): Promise<{ ids: string[]; next: SweepCursor | null }> {
  const { rows } = await db.query<{ id: string; walked_to: string; old: boolean }>({
    text: OLD_FINISHED,
    values: [retentionDays, limit, from.createdAt, from.id],
  })
  const last = rows.at(-1)
  return {
    ids: rows.filter((r) => r.old).map((r) => r.id),
    next: rows.length < limit || !last ? null : { createdAt: last.walked_to, id: last.id },
  }
}

export async function deleteJobs(db: Queryable, ids: string[]): Promise<number> {
  return (await db.query({ text: DELETE_JOBS, values: [ids] })).rowCount ?? 0
}

export async function deleteExpiredKeys(db: Queryable, limit: number): Promise<number> {
  return (await db.query({ text: DELETE_EXPIRED_KEYS, values: [limit] })).rowCount ?? 0
}
