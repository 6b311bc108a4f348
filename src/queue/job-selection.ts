// Selecting jobs by an operator's filter (POST /jobs/actions): how many match, and their ids in
// batches, in id order after the last batch's last id (a keyset walk: no batch rereads what an
// earlier one saw, whatever the actions did to it meanwhile).
import { type JobFilter, jobFilterSql } from './job-filter.js'
import type { Queryable } from './types.js'

export type JobSelection = JobFilter

function where(f: JobSelection): { sql: string; values: unknown[] } {
  const values: unknown[] = []
  return { sql: jobFilterSql(f, values), values }
}

export async function countSelected(db: Queryable, f: JobSelection): Promise<number> {
  const w = where(f)
  return (await db.query({ text: `SELECT count(*)::int AS n FROM processing_job WHERE ${w.sql}`, values: w.values }))
    .rows[0].n
}

/** The next `limit` ids matching, after `afterId` (null: from the start). */
export async function selectedIds(
  db: Queryable,
  f: JobSelection,
  afterId: string | null,
  limit: number,
): Promise<string[]> {
  const w = where(f)
  const n = w.values.length
  const { rows } = await db.query({
    text: `SELECT id FROM processing_job WHERE ${w.sql} AND ($${n + 1}::text IS NULL OR id > $${n + 1}) ORDER BY id LIMIT $${n + 2}`,
    values: [...w.values, afterId, limit],
  })
  return rows.map((r) => r.id as string)
}

/** Those of `ids` that are finished (COMPLETED, FAILED, CANCELLED) now. */
export async function finishedAmong(db: Queryable, ids: string[]): Promise<string[]> {
  const { rows } = await db.query({
    text: `SELECT id FROM processing_job WHERE id = ANY($1::text[]) AND status IN ('COMPLETED', 'FAILED', 'CANCELLED')`,
    values: [ids],
  })
  return rows.map((r) => r.id as string)
}
