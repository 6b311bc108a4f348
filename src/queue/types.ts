import type pg from 'pg'
import type { JobTrace } from '../telemetry/job-trace.js'

/** Anything that runs a parameterised query: the pool, or a client inside a transaction. */
export type Queryable = Pick<pg.Pool, 'query'>

/** What a dispatcher gets back when it claims a job. */
export interface ClaimedJob {
  id: string
  type: string
  userId: string
  parameters: unknown
  attempts: number
  maxAttempts: number
  timeoutMs: number
  startedAt: Date
  /** Its place in the queue's order (claimOrder): priority, then fair turn, then age. */
  priority: string
  turn: number
  createdAt: Date
  /** Its place in a trace (telemetry/job-trace.ts), as stored: null when traces were off. */
  trace?: JobTrace | null
}

/** A node with a thread free, for a job that may start on it as it is added (enqueue-job.ts). */
export interface StartOn {
  workerId: string
  leaseMs: number
}

/**
 * A thread a dispatcher keeps free while a job is added: take() when the job was claimed for
 * it as it was added, release() otherwise (queued, refused, rolled back). Exactly one of them.
 */
export interface ThreadOffer extends StartOn {
  take(job: ClaimedJob): void
  release(): void
}

export interface ProgressUpdate {
  jobId: string
  progress: number
  message: string | null
  processedItems: number | null
  totalItems: number | null
}
