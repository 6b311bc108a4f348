// Listing jobs at any depth: the page after a cursor read straight from the index, and how
// many jobs a listing matches without counting a million rows for a page of twenty (exact up
// to `cap`; past it, PostgreSQL's own estimate for the same query, said to be one).
import type { JobStatus } from '../generated/prisma/enums.js'
import { plannedRows } from './planned-rows.js'
import type { Queryable } from './types.js'

export interface JobFilter {
  /** null: every user's (an admin). */
  userId: string | null
  status?: JobStatus | undefined
  type?: string | undefined
  scheduleId?: string | undefined
}

// Unnamed statements are planned with their values: the NULL tests fold away, and each filter
// is served by its index (user_id, status) or (status, priority...).
const MATCHING = `FROM processing_job
 WHERE ($1::text IS NULL OR user_id = $1)
   AND ($2::"JobStatus" IS NULL OR status = $2::"JobStatus")
   AND ($3::text IS NULL OR type = $3)
   AND ($4::text IS NULL OR schedule_id = $4)`

export async function countJobs(db: Queryable, f: JobFilter, cap: number): Promise<{ total: number; exact: boolean }> {
  const values = [f.userId, f.status ?? null, f.type ?? null, f.scheduleId ?? null]
  const { rows } = await db.query<{ n: number }>({ text: `SELECT count(*)::int AS n FROM (SELECT 1 ${MATCHING} LIMIT ${cap + 1}) s`, values })
  const n = rows[0]!.n
  if (n <= cap) return { total: n, exact: true }
  return { total: Math.max(await plannedRows(db, `SELECT 1 ${MATCHING}`, values), n), exact: false }
}

/**
 * The ids of the `limit` jobs after (createdAt, id) in the listing's order, newest first. A row
 * comparison, which Prisma cannot write, bounds the index scan (user_id, created_at DESC, id
 * DESC): a page a million jobs deep costs what the first one does.
 */
export async function idsAfter(db: Queryable, f: JobFilter, after: { createdAt: Date; id: string }, limit: number): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>({
    text: `SELECT id ${MATCHING} AND (created_at, id) < ($5, $6) ORDER BY created_at DESC, id DESC LIMIT $7`,
    values: [f.userId, f.status ?? null, f.type ?? null, f.scheduleId ?? null, after.createdAt, after.id, limit],
  })
  return rows.map((r) => r.id)
}
