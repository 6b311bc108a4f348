// A processing_job row read by hand-written SQL, as Prisma's model reads it.
import type { ProcessingJob } from '../generated/prisma/client.js'

/** A processing_job row as Prisma's model reads it. */
// biome-ignore lint/suspicious/noExplicitAny: pg rows are untyped; this is where they get their type
export function toProcessingJob(r: Record<string, any>): ProcessingJob {
  return {
    id: r.id,
    type: r.type,
    status: r.status,
    priority: r.priority,
    progress: r.progress,
    totalItems: r.total_items,
    processedItems: r.processed_items,
    message: r.message,
    userId: r.user_id,
    parameters: r.parameters,
    result: r.result,
    error: r.error,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    timeoutMs: r.timeout_ms,
    runAt: r.run_at,
    startedAt: r.started_at,
    completedAt: r.completed_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    lockedBy: r.locked_by,
    lockedAt: r.locked_at,
    leaseExpiresAt: r.lease_expires_at,
    cancelRequestedAt: r.cancel_requested_at,
    turn: BigInt(r.turn),
    previousRuns: r.previous_runs,
    callbackUrl: r.callback_url ?? null,
    scheduleId: r.schedule_id ?? null,
    scheduledFor: r.scheduled_for ?? null,
    trace: r.trace ?? null,
    uniqueKey: r.unique_key ?? null,
  }
}

const DATE_COLUMNS = [
  'scheduled_for',
  'run_at',
  'started_at',
  'completed_at',
  'created_at',
  'updated_at',
  'locked_at',
  'lease_expires_at',
  'cancel_requested_at',
]

/** A processing_job row kept as JSON (to_jsonb), its timestamps read back as dates. */
export function fromJsonRow(j: Record<string, unknown>): ProcessingJob {
  const r: Record<string, unknown> = { ...j }
  for (const c of DATE_COLUMNS) if (typeof r[c] === 'string') r[c] = new Date(r[c] as string)
  return toProcessingJob(r)
}
