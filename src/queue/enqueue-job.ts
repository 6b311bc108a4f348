import { v7 as uuidv7 } from 'uuid'
import type { ProcessingJob } from '../generated/prisma/client.js'
import type { JobTrace } from '../telemetry/job-trace.js'
import { claimedJobOf } from './claim-jobs.js'
import { toProcessingJob } from './job-row.js'
import type { ClaimedJob, Queryable, StartOn } from './types.js'

// Adds one job in ONE call and one round trip: function faena_enqueue_job (migration
// 20261207120000_queue_functions; a function so that its plans are kept per connection, even
// through a pooler). The user's active-job limit is checked in it: the count stops at the limit
// (a user with a million jobs queued costs no more than one with a thousand), and the INSERT
// happens only below it. A soft limit, as before: two calls at the same instant may both see
// room. The insert triggers give a QUEUED job its fair turn (processing_job_turn) and wake the
// dispatchers (processing_job_queued_notify).
//
// Started here: when the node adding the job has a thread free (`startOn`), the same call
// claims the job for it if a claim made just after the insert would pick it first: it is due,
// its type is not paused, and no due job of its priority or a higher one waits (in the claim's
// order those would come first). The job is written PROCESSING under the node's lease, as a
// claim writes it, and starts without the NOTIFY and the claim's round trip. Otherwise it is
// QUEUED as usual. Looking for a waiting job reads at most the first 32 entries of the claim's
// index and stops at the first due one: past 32 jobs due later or of paused types at the
// front, the job is queued rather than the queue walked.
// Job ids are UUIDv7: time-ordered, so the primary key's index grows at its right edge.
const SQL = `SELECT e.active_jobs, (e.job).* FROM faena_enqueue_job($1, $2, $3, $4::jsonb, $5::"JobPriority", $6, $7, $8, $9::timestamptz, $10, $11, $12, $13::jsonb, $14, $15) e`

export interface NewJob {
  type: string
  userId: string
  parameters: unknown
  priority: string
  maxAttempts: number
  timeoutMs: number
  runAt: Date | null
  /** Where its end is told (a webhook); null: nowhere. */
  callbackUrl?: string | null
  /** The schedule that starts it, and the tick it is for. */
  schedule?: { id: string; tick: Date } | undefined
  /** Its place in a trace (telemetry/job-trace.ts); null: traces are off. */
  trace?: JobTrace | null
}

export const newJobId = (): string => uuidv7()

export interface Enqueued {
  job: ProcessingJob
  /** The job as the dispatcher runs it, when it was claimed as it was added. */
  claimed: ClaimedJob | null
}

/**
 * The job added, and `claimed` when it was claimed for `startOn` (PROCESSING under its lease;
 * null: QUEUED), or, when the user already has `maxActive` jobs queued or running, how many.
 */
export async function enqueueJob(
  db: Queryable,
  job: NewJob,
  maxActive: number | null,
  startOn: StartOn | null = null,
): Promise<Enqueued | { activeJobs: number }> {
  const { rows } = await db.query({
    name: 'faena_enqueue_job',
    text: SQL,
    values: [
      newJobId(),
      job.userId,
      job.type,
      JSON.stringify(job.parameters ?? {}),
      job.priority,
      job.maxAttempts,
      job.timeoutMs,
      maxActive,
      job.runAt,
      job.callbackUrl ?? null,
      job.schedule?.id ?? null,
      job.schedule?.tick ?? null,
      job.trace ? JSON.stringify(job.trace) : null,
      startOn?.workerId ?? null,
      startOn?.leaseMs ?? null,
    ],
  })
  const r = rows[0]
  if (!r.id) return { activeJobs: r.active_jobs as number }
  const claimed =
    startOn !== null && r.status === 'PROCESSING' && r.locked_by === startOn.workerId ? claimedJobOf(r) : null
  return { job: toProcessingJob(r), claimed }
}
