// The queue's operations bound to one pool and one worker identity: what the dispatcher and
// the progress writer are given, so that they hold no SQL themselves.

import type { SerializedError } from '../errors.js'
import { claimJobs } from './claim-jobs.js'
import { type Completion, completeJob, completeJobs } from './complete-job.js'
import { finishJobWithError } from './fail-job.js'
import type { OwnedFile } from './job-files.js'
import { renewLeases } from './renew-leases.js'
import { rescueExpired } from './rescue-expired.js'
import { retryJob } from './retry-job.js'
import { type ReturnReason, returnJobs } from './return-jobs.js'
import type { ProgressUpdate, Queryable } from './types.js'
import { updateProgress } from './update-progress.js'

export { claimOrder } from './claim-jobs.js'
export type { Completion } from './complete-job.js'
export type { OwnedFile } from './job-files.js'
export type { RescuedJob } from './rescue-expired.js'
export type { ClaimedJob, ProgressUpdate, Queryable, StartOn, ThreadOffer } from './types.js'

export interface WorkerQueue {
  readonly workerId: string
  /** How long a claim holds a job before the heartbeat renews it. */
  readonly leaseMs: number
  claim(limit: number): ReturnType<typeof claimJobs>
  /** `files`: what the job owns at its end, written with the transition (null: its type declares none). */
  complete(jobId: string, c: Completion, files?: OwnedFile[] | null): Promise<boolean>
  /** Completions of jobs whose types declare no files, in one statement: the ids still ours. */
  completeMany(items: { jobId: string; completion: Completion }[]): Promise<Set<string>>
  fail(jobId: string, error: SerializedError, message?: string | null, files?: OwnedFile[] | null): Promise<boolean>
  cancelled(jobId: string, error: SerializedError, files?: OwnedFile[] | null): Promise<boolean>
  /** Back to QUEUED, the attempt refunded: stopped by a shutdown, or claimed ahead and never started. */
  giveBack(jobIds: string[], why?: ReturnReason): Promise<number>
  /** Requeues a failed attempt that is worth another, due in `delayMs`. */
  retry(jobId: string, error: SerializedError, delayMs: number): Promise<boolean>
  heartbeat(jobIds: string[]): ReturnType<typeof renewLeases>
  /** Takes back jobs whose lease expired, whoever held them (rescue-expired.ts). */
  rescueExpired(): ReturnType<typeof rescueExpired>
  saveProgress(updates: ProgressUpdate[]): Promise<void>
}

export function createWorkerQueue(db: Queryable, workerId: string, leaseMs: number): WorkerQueue {
  return {
    workerId,
    leaseMs,
    claim: (limit) => claimJobs(db, workerId, limit, leaseMs),
    complete: (jobId, c, files = null) => completeJob(db, workerId, jobId, c, files),
    completeMany: (items) => completeJobs(db, workerId, items),
    fail: (jobId, error, message = null, files = null) =>
      finishJobWithError(db, workerId, jobId, 'FAILED', error, message, files),
    cancelled: (jobId, error, files = null) => finishJobWithError(db, workerId, jobId, 'CANCELLED', error, null, files),
    giveBack: (jobIds, why) => returnJobs(db, workerId, jobIds, why),
    retry: (jobId, error, delayMs) => retryJob(db, workerId, jobId, error, delayMs),
    heartbeat: (jobIds) => renewLeases(db, workerId, jobIds, leaseMs),
    rescueExpired: () => rescueExpired(db),
    saveProgress: (updates) => updateProgress(db, workerId, updates),
  }
}
