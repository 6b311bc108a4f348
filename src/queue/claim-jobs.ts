import type { ClaimedJob, Queryable } from './types.js'

// Claims up to `limit` due QUEUED jobs for `workerId` in ONE statement. The inner SELECT locks
// the rows it picks with FOR UPDATE SKIP LOCKED, so concurrent claimers (other processes on the
// same database) skip each other's rows instead of waiting or double-claiming; the outer UPDATE
// marks them PROCESSING under our name. A find-then-update in two statements would not be safe
// under READ COMMITTED. Order: priority (enum order HIGH, NORMAL, LOW), then the job's fair
// turn (set on insert by trigger processing_job_turn: users take turns instead of one user's
// flood going first), then oldest first; served by processing_job_claim_idx (status, priority,
// turn, created_at).
const SQL = `
WITH next AS (
  SELECT id FROM processing_job
   WHERE status = 'QUEUED' AND run_at <= now()
   ORDER BY priority, turn, created_at
   LIMIT $2
   FOR UPDATE SKIP LOCKED
)
UPDATE processing_job j
   SET status = 'PROCESSING',
       locked_by = $1,
       locked_at = now(),
       lease_expires_at = now() + make_interval(secs => $3::int / 1000.0),
       started_at = now(),
       attempts = j.attempts + 1,
       updated_at = now()
  FROM next
 WHERE j.id = next.id
RETURNING j.id, j.type, j.user_id, j.parameters, j.attempts, j.max_attempts, j.timeout_ms, j.started_at, j.priority, j.turn, j.created_at`

export async function claimJobs(db: Queryable, workerId: string, limit: number, leaseMs: number): Promise<ClaimedJob[]> {
  if (limit <= 0) return []
  const { rows } = await db.query({ name: 'faena_claim_jobs', text: SQL, values: [workerId, limit, leaseMs] })
  // RETURNING does not keep the CTE's order: restore it so the best job starts first.
  const rank = { HIGH: 0, NORMAL: 1, LOW: 2 } as Record<string, number>
  rows.sort((a, b) => (rank[a.priority] ?? 1) - (rank[b.priority] ?? 1) || Number(a.turn) - Number(b.turn) || a.created_at - b.created_at)
  return rows.map((r) => ({
    id: r.id,
    type: r.type,
    userId: r.user_id,
    parameters: r.parameters,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    timeoutMs: r.timeout_ms,
    startedAt: r.started_at,
  }))
}
