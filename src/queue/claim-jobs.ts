import type { SqlObject } from '../db/sql-objects.js'
import { jobTraceOf } from '../telemetry/job-trace.js'
import type { ClaimedJob, Queryable } from './types.js'

// Claims up to `limit` due QUEUED jobs for `workerId` in ONE statement: function
// faena_claim_jobs, below. Its inner SELECT locks the rows it picks with FOR UPDATE SKIP
// LOCKED, so concurrent claimers (other processes on the same database) skip each other's rows
// instead of waiting or double-claiming; the outer UPDATE marks them PROCESSING under our name.
// A find-then-update in two statements would not be safe under READ COMMITTED. Order: priority
// (enum order HIGH, NORMAL, LOW), then the job's fair turn (set on insert by trigger
// processing_job_turn, src/queue/fair-turns.ts: users take turns instead of one user's flood
// going first), then oldest first; read in that order from processing_job_claim_idx (status,
// priority, turn, created_at).
//
// It is a function so that this plan is the only one: where the statistics see few queued jobs
// (a table not analyzed yet, or analyzed before a burst), the planner would rather fetch every
// queued row and sort them: 13 ms a claim at 20,000 queued jobs, growing with the queue. Its
// queries may not sort or use a bitmap scan, so the ordered index walk is the one plan left.
// Jobs of paused types (job_type_pause) are skipped: every node sees a pause at its next claim.
// A skipped job costs the index walk one heap visit, so a paused type with a deep queue ahead
// of the others slows claims until it is resumed (or its jobs are cancelled).
export const claimJobsFunction: SqlObject = {
  name: 'faena_claim_jobs',
  sql: `
CREATE OR REPLACE FUNCTION faena_claim_jobs(worker text, n int, lease_ms int) RETURNS SETOF processing_job
LANGUAGE sql
SET enable_sort = off
SET enable_bitmapscan = off
AS $$
WITH next AS (
  SELECT id FROM processing_job j
   WHERE status = 'QUEUED' AND run_at <= now()
     AND NOT EXISTS (SELECT 1 FROM job_type_pause p WHERE p.type = j.type)
   ORDER BY priority, turn, created_at
   LIMIT n
   FOR UPDATE OF j SKIP LOCKED
)
UPDATE processing_job j
   SET status = 'PROCESSING',
       locked_by = worker,
       locked_at = now(),
       lease_expires_at = now() + make_interval(secs => lease_ms / 1000.0),
       started_at = now(),
       attempts = j.attempts + 1,
       updated_at = now()
  FROM next
 WHERE j.id = next.id
RETURNING j.*
$$`,
}

const SQL = `
SELECT id, type, user_id, parameters, attempts, max_attempts, timeout_ms, started_at, priority, turn, created_at, trace
  FROM faena_claim_jobs($1, $2::int, $3::int)`

export async function claimJobs(
  db: Queryable,
  workerId: string,
  limit: number,
  leaseMs: number,
): Promise<ClaimedJob[]> {
  if (limit <= 0) return []
  const { rows } = await db.query({ name: 'faena_claim_jobs', text: SQL, values: [workerId, limit, leaseMs] })
  // RETURNING does not keep the CTE's order: restore it so the best job starts first.
  return rows.map(claimedJobOf).sort(claimOrder)
}

/** A claimed processing_job row (a claim's, or an enqueue's that started it here) as the dispatcher runs it. */
// biome-ignore lint/suspicious/noExplicitAny: pg rows are untyped; this is where they get their type
export function claimedJobOf(r: Record<string, any>): ClaimedJob {
  return {
    id: r.id,
    type: r.type,
    userId: r.user_id,
    parameters: r.parameters,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    timeoutMs: r.timeout_ms,
    startedAt: r.started_at,
    priority: r.priority,
    turn: Number(r.turn),
    createdAt: r.created_at,
    trace: jobTraceOf(r.trace),
  }
}

const RANK: Record<string, number> = { HIGH: 0, NORMAL: 1, LOW: 2 }

/** The queue's order, as the claim's ORDER BY: the best job first. */
export function claimOrder(a: ClaimedJob, b: ClaimedJob): number {
  return (
    (RANK[a.priority] ?? 1) - (RANK[b.priority] ?? 1) ||
    a.turn - b.turn ||
    a.createdAt.getTime() - b.createdAt.getTime()
  )
}
