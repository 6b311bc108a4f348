// A job's place in a trace, stored with the job (processing_job.trace): the span that covers
// the job from enqueue to its final state is reserved when the job is created (or re-run) and
// recorded when it ends, on whichever node ends it; its claims and runs, its worker thread's
// spans and its webhook are its children meanwhile.
import type { TraceAttributes, Tracing } from './tracing.js'

export interface JobTrace {
  /** The job span's own traceparent, reserved at enqueue: its children's parent. */
  span: string
  /** Who enqueued it (the request, the schedule's tick), as a traceparent; null: a trace of its own. */
  parent: string | null
  /** When the job span starts (epoch ms): its creation, or its re-run. */
  since: number
  /** The job span of the run before a re-run, linked from this one. */
  follows?: string
}

/** A new job's trace: null when traces are off. */
export function openJobTrace(
  tracing: Tracing,
  parent: string | null | undefined,
  follows?: JobTrace | null,
): JobTrace | null {
  const span = tracing.reserve(parent)
  if (!span) return null
  return { span, parent: parent ?? null, since: Date.now(), ...(follows ? { follows: follows.span } : {}) }
}

/** The trace stored with a job, if it is one (a row written by another version may hold anything). */
export function jobTraceOf(value: unknown): JobTrace | null {
  const t = value as Partial<JobTrace> | null
  return t && typeof t.span === 'string' && typeof t.since === 'number' ? (t as JobTrace) : null
}

export interface EndedJob {
  id: string
  type: string
  attempts: number
  status: 'COMPLETED' | 'FAILED' | 'CANCELLED'
  error?: { code: string; message?: string } | null
}

/** The trace id of a job's trace, for its log lines: { traceId } or nothing. */
export function traceIdField(trace: JobTrace | null | undefined): { traceId?: string } {
  const traceId = trace?.span.split('-')[1]
  return traceId ? { traceId } : {}
}

/** Attributes every span about a job carries. */
export function jobAttributes(job: { id: string; type: string; attempts?: number }): TraceAttributes {
  return {
    'faena.job.id': job.id,
    'faena.job.type': job.type,
    'faena.job.attempt': job.attempts,
    'messaging.system': 'faena',
    'messaging.message.id': job.id,
  }
}

/** Records the job span, from its enqueue to now: called once, where the final state was written. */
export function closeJobTrace(tracing: Tracing, trace: JobTrace | null, job: EndedJob): void {
  if (!trace || !tracing.enabled) return
  const span = tracing.span(`job ${job.type}`, {
    reserved: trace.span,
    parent: trace.parent,
    kind: 'producer',
    startTime: trace.since,
    links: trace.follows ? [trace.follows] : [],
    attributes: { ...jobAttributes(job), 'faena.job.status': job.status },
  })
  if (job.error && job.status !== 'COMPLETED') span?.fail(job.error.code, job.error.message)
  span?.end()
}
