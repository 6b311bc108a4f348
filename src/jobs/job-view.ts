// What clients see of a job: the stored row, plus an ETA derived from progress.
import type { ProcessingJob } from '../generated/prisma/client.js'
import type { JobStatus, Priority } from './job-facts.js'

export interface JobView {
  id: string
  type: string
  status: JobStatus
  priority: Priority
  progress: number
  processedItems: number | null
  totalItems: number | null
  message: string | null
  userId: string
  parameters: unknown
  result: unknown
  error: unknown
  attempts: number
  maxAttempts: number
  timeoutMs: number
  runAt: string
  createdAt: string
  updatedAt: string
  startedAt: string | null
  completedAt: string | null
  cancelRequestedAt: string | null
  etaSeconds: number | null
  estimatedCompletionAt: string | null
  /** What earlier runs ended with, oldest first, when the job was run again. */
  previousRuns: PreviousRun[]
  /** Where the job's end is told; see `webhook` for how that went. */
  callbackUrl: string | null
  /** The schedule that started it, and the tick it was for. */
  scheduleId: string | null
  scheduledFor: string | null
  /** Fields a job type adds to its views (JobTypeServices.view). */
  [added: string]: unknown
}

export interface PreviousRun {
  status: 'FAILED' | 'CANCELLED'
  attempts: number
  error: unknown
  startedAt: string | null
  completedAt: string | null
  rerunAt: string
  /** The user who ran it again. */
  rerunBy: string
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null)

export function toJobView(job: ProcessingJob, now = new Date()): JobView {
  const eta = estimateRemainingMs(job, now)
  return {
    id: job.id,
    type: job.type,
    status: job.status,
    priority: job.priority,
    progress: job.progress,
    processedItems: job.processedItems,
    totalItems: job.totalItems,
    message: job.message,
    userId: job.userId,
    parameters: job.parameters,
    result: job.result ?? null,
    error: job.error ?? null,
    attempts: job.attempts,
    maxAttempts: job.maxAttempts,
    timeoutMs: job.timeoutMs,
    runAt: job.runAt.toISOString(),
    createdAt: job.createdAt.toISOString(),
    updatedAt: job.updatedAt.toISOString(),
    startedAt: iso(job.startedAt),
    completedAt: iso(job.completedAt),
    cancelRequestedAt: iso(job.cancelRequestedAt),
    etaSeconds: eta === null ? null : Math.round(eta / 1000),
    estimatedCompletionAt: eta === null ? null : new Date(now.getTime() + eta).toISOString(),
    previousRuns: (job.previousRuns ?? []) as unknown as PreviousRun[],
    callbackUrl: job.callbackUrl ?? null,
    scheduleId: job.scheduleId ?? null,
    scheduledFor: iso(job.scheduledFor ?? null),
  }
}

/** Linear extrapolation from the fraction done so far; null until there is something to go on. */
function estimateRemainingMs(job: ProcessingJob, now: Date): number | null {
  if (job.status !== 'PROCESSING' || !job.startedAt) return null
  const fraction =
    job.totalItems && job.processedItems !== null && job.totalItems > 0
      ? job.processedItems / job.totalItems
      : job.progress / 100
  if (fraction <= 0 || fraction >= 1) return null
  const elapsed = now.getTime() - job.startedAt.getTime()
  if (elapsed <= 0) return null
  return (elapsed * (1 - fraction)) / fraction
}
