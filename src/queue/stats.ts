// What operators ask of the job table: how many jobs by status and type, what runs where, how
// long the oldest due job has waited, and how much the files faena keeps take. Plain SQL over
// processing_job and job_file, read by GET /stats and GET /metrics.
import { plannedRows } from './planned-rows.js'
import type { Queryable } from './types.js'

/** Counts are exact up to this many jobs; beyond, PostgreSQL's estimate, said to be one. */
export const EXACT_COUNT_UP_TO = 10_000

export interface QueueDepth {
  type: string
  queued: number
  /** False when `queued` is an estimate (more than EXACT_COUNT_UP_TO). */
  queuedExact: boolean
  processing: number
  /** Seconds the longest-waiting due QUEUED job has waited (0 when none). */
  oldestQueuedSeconds: number
}

// The types with jobs queued, by a skip scan of processing_job_queued_type_idx (one probe per
// type, however many jobs), and those with jobs running (a handful). For each: its queued
// jobs counted up to the cap on that index, its running ones, and its oldest due queued job
// (the first entry of its type with run_at <= now()).
const QUEUE_DEPTH = `
WITH RECURSIVE queued_types AS (
  (SELECT type FROM processing_job WHERE status = 'QUEUED' ORDER BY type LIMIT 1)
  UNION ALL
  SELECT (SELECT j.type FROM processing_job j WHERE j.status = 'QUEUED' AND j.type > q.type ORDER BY j.type LIMIT 1)
    FROM queued_types q WHERE q.type IS NOT NULL
), types AS (
  SELECT type FROM queued_types WHERE type IS NOT NULL
  UNION
  SELECT type FROM processing_job WHERE status = 'PROCESSING'
)
SELECT t.type,
       (SELECT count(*) FROM (SELECT 1 FROM processing_job q WHERE q.status = 'QUEUED' AND q.type = t.type LIMIT ${EXACT_COUNT_UP_TO + 1}) c)::int AS queued,
       (SELECT count(*) FROM processing_job p WHERE p.status = 'PROCESSING' AND p.type = t.type)::int AS processing,
       (SELECT EXTRACT(EPOCH FROM now() - min(o.run_at)) FROM processing_job o WHERE o.status = 'QUEUED' AND o.type = t.type AND o.run_at <= now())::float8 AS oldest
  FROM types t
 ORDER BY t.type`

/** Active jobs only (QUEUED, PROCESSING), by type: cheap at every scrape, at any depth. */
export async function queueDepth(db: Queryable): Promise<QueueDepth[]> {
  const { rows } = await db.query<{ type: string; queued: number; processing: number; oldest: number | null }>({
    name: 'faena_queue_depth',
    text: QUEUE_DEPTH,
  })
  return Promise.all(
    rows.map(async (r) => {
      const exact = r.queued <= EXACT_COUNT_UP_TO
      const queued = exact
        ? r.queued
        : Math.max(r.queued, await estimate(db, `status = 'QUEUED' AND type = $1`, [r.type]))
      return {
        type: r.type,
        queued,
        queuedExact: exact,
        processing: r.processing,
        oldestQueuedSeconds: Math.max(0, r.oldest ?? 0),
      }
    }),
  )
}

export interface JobCounts {
  type: string
  status: string
  count: number
}

/**
 * Every kept job by type and status. Exact while the table holds up to ten times the exact
 * cap; beyond, estimated from a sample of the table's pages (about EXACT_COUNT_UP_TO rows), in
 * one pass whatever the size (`exact: false`). Running jobs are always counted exactly.
 */
export async function jobCounts(db: Queryable): Promise<{ counts: JobCounts[]; exact: boolean }> {
  const rows = await estimate(db, 'true', [])
  if (rows <= 10 * EXACT_COUNT_UP_TO) {
    const { rows: counts } = await db.query<JobCounts>(
      `SELECT type, status::text AS status, count(*)::int AS count FROM processing_job GROUP BY type, status ORDER BY type, status`,
    )
    return { counts, exact: true }
  }
  const percent = Math.min(100, (100 * EXACT_COUNT_UP_TO) / rows)
  const { rows: sampled } = await db.query<JobCounts>({
    text: `SELECT type, status::text AS status, round(count(*) * 100 / $1::float8)::int AS count
             FROM processing_job TABLESAMPLE SYSTEM ($1) WHERE status <> 'PROCESSING' GROUP BY type, status`,
    values: [percent],
  })
  const { rows: running } = await db.query<JobCounts>(
    `SELECT type, 'PROCESSING' AS status, count(*)::int AS count FROM processing_job WHERE status = 'PROCESSING' GROUP BY type`,
  )
  const counts = [...sampled, ...running].sort(
    (a, b) => a.type.localeCompare(b.type) || a.status.localeCompare(b.status),
  )
  return { counts, exact: false }
}

/** PostgreSQL's estimate of the rows of processing_job that match `where`. */
const estimate = (db: Queryable, where: string, values: unknown[]) =>
  plannedRows(db, `SELECT 1 FROM processing_job WHERE ${where}`, values)

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

export interface HourCounts {
  /** The hour's start (UTC). */
  hour: string
  /** Jobs created in that hour, by the status they have now. */
  counts: Record<string, number>
}

/**
 * Jobs created in each of the last `hours` hours, by the status they have now: what the table
 * already holds, read by an index-only scan of processing_job_created_idx (it includes status).
 */
export async function jobHistory(db: Queryable, hours: number): Promise<HourCounts[]> {
  const { rows } = await db.query<{ hour: Date; status: string; n: number }>({
    text: `SELECT date_trunc('hour', created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS hour, status::text AS status, count(*)::int AS n
             FROM processing_job
            WHERE created_at >= date_trunc('hour', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - make_interval(hours => $1 - 1)
            GROUP BY 1, 2`,
    values: [hours],
  })
  const start = Math.floor(Date.now() / 3_600_000) * 3_600_000 - (hours - 1) * 3_600_000
  const byHour = new Map(Array.from({ length: hours }, (_, i) => [start + i * 3_600_000, {} as Record<string, number>]))
  for (const r of rows) {
    const counts = byHour.get(r.hour.getTime())
    if (counts) counts[r.status] = r.n
  }
  return [...byHour].map(([at, counts]) => ({ hour: new Date(at).toISOString(), counts }))
}

export { type StoredBytes, storedBytes } from './job-files.js'
