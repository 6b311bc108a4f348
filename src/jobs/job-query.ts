// The filter words that GET /jobs and POST /jobs/actions share, read into a JobFilter's terms.
import { ValidationError } from '../errors.js'
import type { JobFilter } from '../queue/job-filter.js'

export interface FilterWords {
  status?: JobFilter['status']
  type?: string | undefined
  userId?: string | undefined
  /** ISO 8601: created at or after. */
  createdAfter?: string | undefined
  /** ISO 8601: created before. */
  createdBefore?: string | undefined
  ids?: string[] | undefined
  /** A job id's start (lower case), or an error code (UPPER_CASE) the jobs failed with. */
  q?: string | undefined
}

/** The filter the words mean; `at` prefixes the field a bad value is reported under ("filter."). */
export function readFilter(w: FilterWords, at = ''): JobFilter {
  return {
    userId: w.userId,
    status: w.status,
    type: w.type,
    ids: w.ids,
    createdAfter: dateParam(`${at}createdAfter`, w.createdAfter),
    createdBefore: dateParam(`${at}createdBefore`, w.createdBefore),
    // Error codes are UPPER_SNAKE_CASE; job ids (UUIDv7) lower-case hex digits and hyphens.
    ...(w.q === undefined ? {} : /^[A-Z][A-Z0-9_]*$/.test(w.q) ? { errorCode: w.q } : { idPrefix: w.q }),
  }
}

function dateParam(field: string, value: string | undefined): Date | undefined {
  if (value === undefined) return undefined
  const d = new Date(value)
  if (Number.isNaN(d.getTime())) throw new ValidationError(`${field}: must be an ISO 8601 date-time`, { field })
  return d
}
