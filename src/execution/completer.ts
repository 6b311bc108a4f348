// The dispatcher's completer: what a finished run of a job leads to, written once. It settles
// the run (settle.ts: a pure decision), records it through the queue guarded by the lock owner
// (completions of jobs that own no files go in batches, completion-batcher.ts), ends the run's
// and the job's spans, counts it and logs one line. The dispatcher claims and runs; this
// records.
import type { Logger } from 'pino'
import type { JobRegistry } from '../jobs/registry.js'
import type { JobMetrics, JobOutcome } from '../operators/metrics.js'
import type { ClaimedJob, WorkerQueue } from '../queue/index.js'
import { closeJobTrace } from '../telemetry/job-trace.js'
import type { TraceSpan, Tracing } from '../telemetry/tracing.js'
import { createCompletionBatcher } from './completion-batcher.js'
import type { ProgressWriter } from './progress-writer.js'
import { record, type Settlement, settlement } from './settle.js'
import type { RunJobOutcome, ToThread } from './thread-protocol.js'

export interface CompleterOptions {
  queue: WorkerQueue
  registry: JobRegistry
  progress: ProgressWriter
  metrics?: JobMetrics | undefined
  tracing: Tracing
  retryBaseMs: number
  retryMaxMs: number
  /** PostgreSQL does not answer (the dispatcher is stopping without it): nothing is written. */
  databaseGone(): boolean
}

/** A run as the completer needs it: the job, when its thread got it, why it was stopped, its span. */
export interface FinishedRun {
  job: ClaimedJob
  /** performance.now() when its thread was given it. */
  began: number
  abortedFor: ToThread['reason'] | null
  span?: TraceSpan | null | undefined
}

export function createCompleter(o: CompleterOptions) {
  const batcher = createCompletionBatcher(o.queue)
  /** The queue as settle.ts records through it: completions without files go in batches. */
  const recorder: WorkerQueue = {
    ...o.queue,
    complete: (jobId, c, files) => (files ? o.queue.complete(jobId, c, files) : batcher.complete(jobId, c)),
  }
  const tracing = o.tracing

  async function finish(r: FinishedRun, outcome: RunJobOutcome, log: Logger): Promise<void> {
    const { job } = r
    const durationMs = Math.round(performance.now() - r.began)
    o.progress.forget(job.id)
    const s = settlement(job, outcome, {
      abortedFor: r.abortedFor,
      databaseGone: o.databaseGone(),
      retryBaseMs: o.retryBaseMs,
      retryMaxMs: o.retryMaxMs,
    })
    const recorded = await record(recorder, job.id, s, (end) =>
      o.registry.filesAtEnd({ id: job.id, type: job.type, parameters: job.parameters, ...end }),
    )
    const ended = (what: JobOutcome) => recorded && o.metrics?.jobEnded(job.type, what, durationMs / 1000)
    const internal = outcome.ok ? undefined : outcome.internal
    if (tracing.enabled) traceEnd(r, s, recorded)
    switch (s.to) {
      case 'nothing':
        if (s.why === 'lost')
          log.warn({ event: 'job.lost', durationMs }, 'job stopped: its lease was lost and the job taken back')
        else
          log.warn(
            { event: 'job.left', durationMs },
            'job stopped and left to its lease: the database does not answer, so it could not be handed back',
          )
        return
      case 'queued':
        log.info({ event: 'job.returned', durationMs }, 'job handed back to the queue')
        return
      case 'completed':
        ended('completed')
        log.info({ event: 'job.completed', durationMs, recorded }, 'job completed')
        return
      case 'cancelled':
        ended('cancelled')
        log.info({ event: 'job.cancelled', durationMs, recorded }, 'job cancelled')
        return
      case 'retry':
        ended('retried')
        log.warn(
          { event: 'job.retry', durationMs, recorded, error: s.error, internal, delayMs: s.delayMs },
          'attempt failed; retrying',
        )
        return
      case 'failed':
        ended('failed')
        log.warn({ event: 'job.failed', durationMs, recorded, error: s.error, internal }, 'job failed')
        return
    }
  }

  /** Ends the run's span with its outcome, and the job's span when the job ended here. */
  function traceEnd(r: FinishedRun, s: Settlement, recorded: boolean | null): void {
    const error = 'error' in s ? s.error : null
    r.span?.set({ 'faena.job.outcome': s.to })
    if (error) r.span?.fail(error.code, error.message)
    r.span?.end()
    if (!recorded) return
    const status =
      s.to === 'completed' ? 'COMPLETED' : s.to === 'failed' ? 'FAILED' : s.to === 'cancelled' ? 'CANCELLED' : null
    if (status)
      closeJobTrace(tracing, r.job.trace ?? null, {
        id: r.job.id,
        type: r.job.type,
        attempts: r.job.attempts,
        status,
        error,
      })
  }

  return { finish }
}
