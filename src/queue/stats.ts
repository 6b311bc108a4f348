// What operators ask of the job table: how many jobs by status and type, what runs where, how
// long the oldest due job has waited, and how much the files faena keeps take. Plain SQL over
// processing_job and job_file, read by GET /stats and GET /metrics.
import type { Queryable } from './types.js'

export interface QueueDepth {
  type: string
  queued: number
  processing: number
  /** Seconds the longest-waiting due QUEUED job has waited (0 when none). */
  oldestQueuedSeconds: number
}

/** Active jobs only (QUEUED, PROCESSING): served by the claim index, cheap at every scrape. */
export async function queueDepth(db: Queryable): Promise<QueueDepth[]> {
  const { rows } = await db.query<{ type: string; queued: number; processing: number; oldest: number | null }>({
    name: 'faena_queue_depth',
    text: `SELECT type,
                  count(*) FILTER (WHERE status = 'QUEUED')::int AS queued,
                  count(*) FILTER (WHERE status = 'PROCESSING')::int AS processing,
                  EXTRACT(EPOCH FROM now() - min(run_at) FILTER (WHERE status = 'QUEUED' AND run_at <= now()))::float8 AS oldest
             FROM processing_job
            WHERE status IN ('QUEUED', 'PROCESSING')
            GROUP BY type
            ORDER BY type`,
  })
  return rows.map((r) => ({ type: r.type, queued: r.queued, processing: r.processing, oldestQueuedSeconds: Math.max(0, r.oldest ?? 0) }))
}

export interface JobCounts {
  type: string
  status: string
  count: number
}

/** Every kept job (retention bounds the table), by type and status. */
export async function jobCounts(db: Queryable): Promise<JobCounts[]> {
  const { rows } = await db.query<JobCounts>(
    `SELECT type, status::text AS status, count(*)::int AS count FROM processing_job GROUP BY type, status ORDER BY type, status`,
  )
  return rows
}

export interface ActiveJob {
  id: string
  type: string
  userId: string
  progress: number
  startedAt: string | null
  /** The process running it (hostname:pid:random), from its lock. */
  workerId: string | null
}

export async function activeJobs(db: Queryable, limit = 100): Promise<ActiveJob[]> {
  const { rows } = await db.query<ActiveJob>(
    `SELECT id, type, user_id AS "userId", progress, to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "startedAt", locked_by AS "workerId"
       FROM processing_job WHERE status = 'PROCESSING' ORDER BY started_at LIMIT $1`,
    [limit],
  )
  return rows
}

export { storedBytes, type StoredBytes } from './job-files.js'
