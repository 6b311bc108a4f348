// What a finished run of a job leads to. The settle policy is a pure function of the job, the
// run's outcome and why the run was stopped (tested without a database in
// test/execution/settle.test.ts); record() makes the one queue call that writes it, guarded by
// the lock owner like every transition out of PROCESSING.

import type { SerializedError } from '../errors.js'
import type { ClaimedJob, Completion, OwnedFile, WorkerQueue } from '../queue/index.js'
import { backoffMs } from '../queue/retry-job.js'
import type { RunJobOutcome, ToThread } from './thread-protocol.js'

export type Settlement =
  /** Not ours to write: a rescuer took the job (lost), or PostgreSQL does not answer. */
  | { to: 'nothing'; why: 'lost' | 'database-gone' }
  /** Stopped before it finished by the shutdown, or with its batch's thread: back to QUEUED, the attempt refunded. */
  | { to: 'queued' }
  | { to: 'completed'; completion: Completion }
  | { to: 'cancelled'; error: SerializedError }
  | { to: 'retry'; error: SerializedError; delayMs: number }
  | { to: 'failed'; error: SerializedError }

export interface SettleContext {
  /** Why the run was stopped, if it was. */
  abortedFor: ToThread['reason'] | null
  databaseGone: boolean
  /** Backoff of retried attempts: the first waits up to retryBaseMs, doubling up to retryMaxMs. */
  retryBaseMs: number
  retryMaxMs: number
  random?: () => number
}

export function settlement(
  job: Pick<ClaimedJob, 'attempts' | 'maxAttempts' | 'timeoutMs'>,
  outcome: RunJobOutcome,
  c: SettleContext,
): Settlement {
  if (c.databaseGone) return { to: 'nothing', why: 'database-gone' }
  if (c.abortedFor === 'lost') return { to: 'nothing', why: 'lost' }
  // A run that finished during the shutdown's wait keeps its outcome; one stopped by it goes back.
  if (c.abortedFor === 'shutdown' && !outcome.ok) return { to: 'queued' }
  if (outcome.ok) {
    const last = outcome.last
    return {
      to: 'completed',
      completion: {
        result: outcome.result,
        processedItems: last?.processedItems ?? null,
        totalItems: last?.totalItems ?? null,
        message: last?.message ?? null,
      },
    }
  }
  if (c.abortedFor === 'cancel')
    return { to: 'cancelled', error: { code: 'CANCELLED', message: 'cancelled by the user' } }
  // Validation errors, cancels, timeouts and running out of memory are final.
  if (outcome.retryable && !c.abortedFor && job.attempts < job.maxAttempts) {
    return {
      to: 'retry',
      error: outcome.error,
      delayMs: backoffMs(job.attempts, c.retryBaseMs, c.retryMaxMs, c.random),
    }
  }
  if (c.abortedFor === 'timeout') {
    const killed = outcome.error.code === 'WORKER_TERMINATED' ? ' (its thread was terminated)' : ''
    return {
      to: 'failed',
      error: {
        code: 'TIMEOUT',
        message: `the job ran longer than its ${job.timeoutMs} ms timeout and was stopped${killed}`,
      },
    }
  }
  return { to: 'failed', error: outcome.error }
}

/** The files a job owns in a final state, as its type declares them (null: it declares none). */
export type FilesAtEnd = (end: {
  status: 'COMPLETED' | 'FAILED' | 'CANCELLED'
  result: unknown
  error: unknown
}) => OwnedFile[] | null

/** Writes a settlement; false when the job was no longer ours, null when there was nothing to write. */
export async function record(
  queue: WorkerQueue,
  jobId: string,
  s: Settlement,
  filesAtEnd: FilesAtEnd = () => null,
): Promise<boolean | null> {
  switch (s.to) {
    case 'nothing':
      return null
    case 'queued':
      return (await queue.giveBack([jobId])) === 1
    case 'completed':
      return queue.complete(
        jobId,
        s.completion,
        filesAtEnd({ status: 'COMPLETED', result: s.completion.result, error: null }),
      )
    case 'cancelled':
      return queue.cancelled(jobId, s.error, filesAtEnd({ status: 'CANCELLED', result: null, error: s.error }))
    case 'retry':
      return queue.retry(jobId, s.error, s.delayMs)
    case 'failed':
      return queue.fail(jobId, s.error, null, filesAtEnd({ status: 'FAILED', result: null, error: s.error }))
  }
}
