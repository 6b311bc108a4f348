// The contract between faena and a job type's processor. A processor module's default export
// is a Processor; it runs inside a worker thread (never on the API's event loop).

import type { ThreadResources } from './resources.js'

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue }

export interface ProgressCounts {
  processedItems?: number
  totalItems?: number
}

export interface ProcessorContext {
  jobId: string
  userId: string
  /** 1 on the first run. */
  attempt: number
  /**
   * Aborted when the job is cancelled, times out or the process shuts down. Stop promptly, undo
   * partial work, then throw (signal.throwIfAborted() is enough). The thread is terminated if
   * the processor has not returned within the grace period.
   */
  signal: AbortSignal
  /** Reports progress; cheap to call on every item: reports are coalesced before being stored. */
  progress(percent: number, message?: string, counts?: ProgressCounts): void
  /** The database and the file storage, as clients of this thread. */
  resources: ThreadResources
}

export type Processor<P = unknown, R extends JsonValue | void = JsonValue | void> = (
  parameters: P,
  context: ProcessorContext,
) => Promise<R>

/**
 * An error a processor throws to give the job a stable error code. Any thrown value is
 * accepted; a `code` string property on it is kept, everything else becomes PROCESSOR_ERROR.
 */
export class JobError extends Error {
  readonly code: string
  /** JSON detail kept on the job's error (e.g. the rows at fault). */
  readonly details?: JsonValue
  /** Worth another attempt (a service briefly away): retried with backoff while attempts remain. */
  readonly retryable: boolean
  constructor(code: string, message: string, details?: JsonValue, opts: { retryable?: boolean } = {}) {
    super(message)
    this.name = 'JobError'
    this.code = code
    if (details !== undefined) this.details = details
    this.retryable = opts.retryable ?? false
  }
}
