// Which jobs a listing (GET /jobs) or an operator's action (POST /jobs/actions) means, as one SQL
// condition. Only the filters given become terms, so each statement is planned for what it
// asks: every filter, alone or with the others, is served by an index (the plans are checked
// on a seeded table by test/queue/job-filter-plans.test.ts):
//   userId                 processing_job_user_created_idx (user_id, created_at DESC, id DESC)
//   nothing, dates         processing_job_created_idx (created_at DESC, id DESC)
//   type                   processing_job_type_created_idx (type, created_at DESC, id DESC)
//   FAILED, CANCELLED      processing_job_ended_badly_idx (partial: only such rows)
//   QUEUED, PROCESSING     processing_job_claim_idx (status, ...), or the newest rows first
//   errorCode              processing_job_error_code_idx ((error->>'code'), created_at DESC, id DESC)
//   idPrefix               the primary key, as a range
//   scheduleId             processing_job_schedule_created_idx
import type { JobStatus } from '../generated/prisma/enums.js'

export interface JobFilter {
  userId?: string | undefined
  status?: JobStatus | undefined
  type?: string | undefined
  scheduleId?: string | undefined
  /** Created at or after. */
  createdAfter?: Date | undefined
  /** Created before. */
  createdBefore?: Date | undefined
  ids?: string[] | undefined
  /** `error.code` of the job (what it failed with). */
  errorCode?: string | undefined
  /** The start of the job's id (ids are UUIDv7: lower-case hex digits and hyphens). */
  idPrefix?: string | undefined
}

/**
 * Job ids are UUIDv7 (lower-case hex digits and hyphens): every id that starts with a prefix
 * sorts between the prefix and the prefix followed by 'z's, in the C locale as in any other
 * (where a hyphen weighs less than a letter or counts for nothing). So the primary key serves a
 * prefix as that range, and starts_with() keeps the answer exact whatever the collation.
 */
const ID_PREFIX_CEILING = 'z'.repeat(64)

/** The condition (never empty: `true` for no filter); its values are appended to `values`. */
export function jobFilterSql(f: JobFilter, values: unknown[]): string {
  const terms: string[] = []
  const add = (term: (n: string) => string, value: unknown) => {
    values.push(value)
    terms.push(term(`$${values.length}`))
  }
  if (f.userId !== undefined) add((n) => `user_id = ${n}`, f.userId)
  if (f.status) add((n) => `status = ${n}::"JobStatus"`, f.status)
  if (f.type) add((n) => `type = ${n}`, f.type)
  if (f.scheduleId) add((n) => `schedule_id = ${n}`, f.scheduleId)
  if (f.createdAfter) add((n) => `created_at >= ${n}`, f.createdAfter)
  if (f.createdBefore) add((n) => `created_at < ${n}`, f.createdBefore)
  if (f.ids) add((n) => `id = ANY(${n}::text[])`, f.ids)
  if (f.errorCode) add((n) => `error->>'code' = ${n}`, f.errorCode)
  if (f.idPrefix) {
    add((n) => `id >= ${n}`, f.idPrefix)
    add((n) => `id <= ${n}`, f.idPrefix + ID_PREFIX_CEILING)
    add((n) => `starts_with(id, ${n})`, f.idPrefix)
  }
  return terms.length > 0 ? terms.join(' AND ') : 'true'
}
