// The contract between faena and a job type's processor. A processor module's default export
// is a Processor; it runs inside a worker thread (never on the API's event loop). It lives on
// this side so that job types and the thread side (workers/) both import it from here.

import type pg from 'pg'
import type { Storage } from '../storage/storage.js'
import { NO_TRACING, type TraceAttributes, type TraceSpan } from '../telemetry/tracing.js'

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
  /**
   * Runs `fn` as a span of the job's trace (a phase: reading, writing, uploading), nested under
   * the job's run; `span.set()` adds attributes such as rows or bytes, and a failure is recorded
   * with its code. With traces off it just runs `fn`. Code of the job type may also use
   * @opentelemetry/api directly: its spans nest the same way.
   */
  trace<T>(name: string, fn: (span: PhaseSpan) => Promise<T>, attributes?: TraceAttributes): Promise<T>
}

/** What a phase may add to its span. */
export type PhaseSpan = Pick<TraceSpan, 'set'>

// biome-ignore lint/suspicious/noConfusingVoidType: a processor may return nothing (Promise<void>)
export type Processor<P = unknown, R extends JsonValue | void = JsonValue | void> = (
  parameters: P,
  context: ProcessorContext,
) => Promise<R>

/** What a processor may use besides its parameters, built lazily in its thread (workers/resources.ts). */
export interface ThreadResources {
  /** A pg pool of this thread (2 connections): transactions, COPY. */
  db(): pg.Pool
  storage(): Promise<Storage>
}

// The error a processor throws to fail its job with a stable code (one error base: FaenaError).
export { JobError } from '../errors.js'

/** ProcessorContext.trace without traces: runs the phase. For code run outside a job's thread (benches, tests). */
export const untraced: ProcessorContext['trace'] = (name, fn, attributes) => NO_TRACING.active(name, { attributes }, fn)
