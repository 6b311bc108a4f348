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

export interface ProgressUpdate {
  jobId: string
  progress: number
  message: string | null
  processedItems: number | null
  totalItems: number | null
}
