// Listing jobs at any depth, newest first: a page by offset or after a cursor (read straight
// from an index: a page a million jobs deep costs what the first one does), and how many jobs a
// listing matches without counting a million rows for a page of twenty (exact up to `cap`;
// past it, PostgreSQL's own estimate for the same query, said to be one).
import type { ProcessingJob } from '../generated/prisma/client.js'
import { type JobFilter, jobFilterSql } from './job-filter.js'
import { toProcessingJob } from './job-row.js'
import { plannedRows } from './planned-rows.js'
import type { Queryable } from './types.js'

export type { JobFilter } from './job-filter.js'

/** The jobs a filter matches, as a statement (for counting them, or estimating how many). */
function matching(f: JobFilter): { text: string; values: unknown[] } {
  const values: unknown[] = []
  return { text: `SELECT 1 FROM processing_job WHERE ${jobFilterSql(f, values)}`, values }
}

/** Counts what a statement matches, up to `cap` + 1. */
const countOf = (m: { text: string; values: unknown[] }, cap: number) => ({
  text: `SELECT count(*)::int AS n FROM (${m.text} LIMIT ${cap + 1}) s`,
  values: m.values,
})

/** The statement that counts a listing up to `cap` + 1 (exported for the tests of its plans). */
export const countQuery = (f: JobFilter, cap: number) => countOf(matching(f), cap)

export async function countJobs(db: Queryable, f: JobFilter, cap: number): Promise<{ total: number; exact: boolean }> {
  const m = matching(f)
  const { rows } = await db.query<{ n: number }>(countOf(m, cap))
  const n = rows[0]!.n
  if (n <= cap) return { total: n, exact: true }
  return { total: Math.max(await plannedRows(db, m.text, m.values), n), exact: false }
}

export interface PageAt {
  /** The page after this job (keyset), or null: from `offset`. */
  after: { createdAt: Date; id: string } | null
  offset: number
  limit: number
}

/** The statement of a page: exported for the tests that check its plans. */
export function pageQuery(f: JobFilter, at: PageAt): { text: string; values: unknown[] } {
  const values: unknown[] = []
  let where = jobFilterSql(f, values)
  if (at.after) {
    // A row comparison bounds the index scan (…, created_at DESC, id DESC).
    values.push(at.after.createdAt, at.after.id)
    where += ` AND (created_at, id) < ($${values.length - 1}, $${values.length})`
  }
  values.push(at.limit, at.offset)
  return {
    text: `SELECT * FROM processing_job WHERE ${where} ORDER BY created_at DESC, id DESC LIMIT $${values.length - 1} OFFSET $${values.length}`,
    values,
  }
}

export async function listJobs(db: Queryable, f: JobFilter, at: PageAt): Promise<ProcessingJob[]> {
  const { rows } = await db.query(pageQuery(f, at))
  return rows.map(toProcessingJob)
}
