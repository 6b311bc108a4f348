// job_type_pause: the job types an operator paused. The claim (faena_claim_jobs) skips their
// jobs; a resume wakes every dispatcher (NOTIFY faena_jobs), so the waiting jobs start at once.
import type { Queryable } from './types.js'

export interface TypePause {
  pausedBy: string
  pausedAt: Date
}

const PAUSE = `
INSERT INTO job_type_pause (type, paused_by) VALUES ($1, $2)
ON CONFLICT (type) DO UPDATE SET type = EXCLUDED.type
RETURNING paused_by, paused_at`

const RESUME = `
WITH gone AS (DELETE FROM job_type_pause WHERE type = $1 RETURNING type)
SELECT count(*)::int AS n, CASE WHEN count(*) > 0 THEN pg_notify('faena_jobs', '') END AS woken FROM gone`

/** Idempotent: a type already paused keeps who paused it and when. */
export async function pauseType(db: Queryable, type: string, by: string): Promise<TypePause> {
  const r = (await db.query({ text: PAUSE, values: [type, by] })).rows[0]
  return { pausedBy: r.paused_by, pausedAt: r.paused_at }
}

/** Idempotent; true when it was paused. */
export async function resumeType(db: Queryable, type: string): Promise<boolean> {
  return (await db.query({ text: RESUME, values: [type] })).rows[0].n > 0
}

export async function pausedTypes(db: Queryable): Promise<Map<string, TypePause>> {
  const { rows } = await db.query({ text: 'SELECT type, paused_by, paused_at FROM job_type_pause' })
  return new Map(rows.map((r) => [r.type as string, { pausedBy: r.paused_by, pausedAt: r.paused_at }]))
}
