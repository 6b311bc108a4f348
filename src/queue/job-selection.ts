// Selecting jobs by an operator's filter (POST /jobs/actions): how many match, and their ids in
// batches, in id order after the last batch's last id (a keyset walk: no batch rereads what an
// earlier one saw, whatever the actions did to it meanwhile).
import type { JobStatus } from '../generated/prisma/enums.js'
import type { Queryable } from './types.js'

export interface JobSelection {
  status?: JobStatus | undefined
  type?: string | undefined
  userId?: string | undefined
  createdAfter?: Date | undefined
  createdBefore?: Date | undefined
  ids?: string[] | undefined
}

function where(f: JobSelection): { sql: string; values: unknown[] } {
  const values: unknown[] = []
  const terms: string[] = []
  const add = (term: (n: string) => string, value: unknown) => {
    values.push(value)
    terms.push(term(`$${values.length}`))
  }
  if (f.status) add((n) => `status = ${n}::"JobStatus"`, f.status)
  if (f.type) add((n) => `type = ${n}`, f.type)
  if (f.userId) add((n) => `user_id = ${n}`, f.userId)
  if (f.createdAfter) add((n) => `created_at >= ${n}`, f.createdAfter)
  if (f.createdBefore) add((n) => `created_at < ${n}`, f.createdBefore)
  if (f.ids) add((n) => `id = ANY(${n}::text[])`, f.ids)
  return { sql: terms.length > 0 ? terms.join(' AND ') : 'true', values }
}

export async function countSelected(db: Queryable, f: JobSelection): Promise<number> {
  const w = where(f)
  return (await db.query({ text: `SELECT count(*)::int AS n FROM processing_job WHERE ${w.sql}`, values: w.values })).rows[0].n
}

/** The next `limit` ids matching, after `afterId` (null: from the start). */
export async function selectedIds(db: Queryable, f: JobSelection, afterId: string | null, limit: number): Promise<string[]> {
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
  const { rows } = await db.query({ text: `SELECT id FROM processing_job WHERE id = ANY($1::text[]) AND status IN ('COMPLETED', 'FAILED', 'CANCELLED')`, values: [ids] })
  return rows.map((r) => r.id as string)
}
