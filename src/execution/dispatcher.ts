// Claims due jobs for this process and runs them in the worker pool, never more than the pool
// has idle threads. It holds no SQL (it is given a WorkerQueue) and takes ownership of the pool.
//
// Wake-ups: wake() after a NOTIFY on faena_jobs (new job), after each finished job, and on a
// slow poll as a fallback. Cancel: abort(jobId) posts a cooperative abort to the job's thread
// and kills the thread only if the processor has not returned after cancelGraceMs.
// Leases: the heartbeat renews ours and, on every process, rescues jobs whose lease expired.
// stop(): stop claiming, let running jobs finish for up to timeoutMs, then abort them
// cooperatively and hand them back to the queue (QUEUED, attempt refunded), never FAILED.
import { MessageChannel, type MessagePort } from 'node:worker_threads'
import type { Logger } from 'pino'
import type { JobMetrics, JobOutcome } from '../operators/metrics.js'
import type { RunJobOutcome, ToMain, ToThread } from '../../workers/messages.js'
import type { SerializedError } from '../errors.js'
import type { JobRegistry } from '../jobs/registry.js'
import type { ClaimedJob, WorkerQueue } from '../queue/index.js'
import { backoffMs } from '../queue/retry-job.js'
import type { ProgressWriter } from './progress-writer.js'
import type { WorkerPool } from './worker-pool.js'

export interface DispatcherOptions {
  queue: WorkerQueue
  pool: WorkerPool
  registry: JobRegistry
  progress: ProgressWriter
  logger: Logger
  pollIntervalMs: number
  leaseRenewMs: number
  cancelGraceMs: number
  /** Backoff of retried attempts: the first waits up to retryBaseMs, doubling up to retryMaxMs. */
  retryBaseMs: number
  retryMaxMs: number
  metrics?: JobMetrics
}

/** This process's worker threads and how many run a job now; null on a node that runs none. */
export type PoolUse = () => { threads: number; running: number } | null

export interface Dispatcher {
  start(): void
  wake(): void
  /** Wakes up at `dueAt` (epoch ms): a job is due then. Keeps one timer, for the earliest. */
  wakeAt(dueAt: number): void
  abort(jobId: string, reason: ToThread['reason']): void
  runningJobIds(): string[]
  /**
   * Idempotent; resolves when every job this process held is finished or handed back. With
   * `databaseGone` (PostgreSQL does not answer) nothing can be recorded: running jobs are
   * aborted at once and left to their leases, and nothing waits on the database.
   */
  stop(timeoutMs: number, opts?: { databaseGone?: boolean }): Promise<void>
}

interface Running {
  job: ClaimedJob
  port: MessagePort
  kill: AbortController
  abortedFor: ToThread['reason'] | null
  graceTimer?: NodeJS.Timeout
  timeoutTimer?: NodeJS.Timeout
}

export function createDispatcher(o: DispatcherOptions): Dispatcher {
  /** Jobs whose thread is busy: what limits claiming. */
  const running = new Map<string, Running>()
  /** Jobs not yet settled in PostgreSQL (running, or their final state being written). */
  const inFlight = new Set<Promise<void>>()
  let state: 'new' | 'running' | 'stopping' = 'new'
  let claiming: Promise<void> | undefined
  let again = false
  let pollTimer: NodeJS.Timeout | undefined
  let heartbeatTimer: NodeJS.Timeout | undefined
  let dueTimer: { at: number; timer: NodeJS.Timeout } | undefined
  let stopping: Promise<void> | undefined
  let databaseGone = false

  function wake(): void {
    if (state !== 'running') return
    if (claiming) {
      again = true
      return
    }
    claiming = claimLoop().finally(() => (claiming = undefined))
  }

  /** Times (epoch ms) at which queued jobs fall due, soonest first; the poll covers any excess. */
  const dueTimes: number[] = []

  function wakeAt(dueAt: number): void {
    if (state === 'stopping') return
    if (dueAt <= Date.now()) return wake()
    if (dueTimes.length >= 10_000 || dueTimes.includes(dueAt)) return
    dueTimes.push(dueAt)
    dueTimes.sort((a, b) => a - b)
    armDueTimer()
  }

  function armDueTimer(): void {
    const next = dueTimes[0]
    if (next === undefined || (dueTimer && dueTimer.at <= next)) return
    if (dueTimer) clearTimeout(dueTimer.timer)
    const timer = setTimeout(() => {
      dueTimer = undefined
      while (dueTimes.length > 0 && dueTimes[0]! <= Date.now()) dueTimes.shift()
      wake()
      armDueTimer()
    }, next - Date.now() + 5) // a few ms late rather than early: run_at <= now() must hold
    timer.unref()
    dueTimer = { at: next, timer }
  }

  async function claimLoop(): Promise<void> {
    try {
      do {
        again = false
        const free = o.pool.size - running.size
        if (free <= 0) break
        const claimStart = performance.now()
        const jobs = await o.queue.claim(free)
        o.metrics?.claimed((performance.now() - claimStart) / 1000)
        if (state !== 'running') {
          // Stopped while claiming: hand them straight back.
          await o.queue.giveBack(jobs.map((j) => j.id))
          break
        }
        for (const job of jobs) start(job)
        if (jobs.length === free) again = true
      } while (again && state === 'running')
    } catch (err) {
      if (!databaseGone) o.logger.error({ err }, 'claiming jobs failed')
    }
  }

  function start(job: ClaimedJob): void {
    const definition = o.registry.describe(job.type)
    const processorUrl = definition?.processor.href
    const log = o.logger.child({ jobId: job.id, type: job.type, userId: job.userId, attempt: job.attempts })
    if (!processorUrl) {
      const error = { code: 'UNKNOWN_JOB_TYPE', message: `no processor registered for job type "${job.type}" on this node` }
      void o.queue.fail(job.id, error).catch((err: unknown) => log.error({ err }, 'could not fail job'))
      return
    }
    const { port1, port2 } = new MessageChannel()
    const r: Running = { job, port: port1, kill: new AbortController(), abortedFor: null }
    port1.on('message', (m: ToMain) => {
      if (m.type !== 'progress') return
      o.progress.report({
        jobId: job.id,
        progress: m.percent,
        message: m.message ?? null,
        processedItems: m.counts?.processedItems ?? null,
        totalItems: m.counts?.totalItems ?? null,
      })
    })
    running.set(job.id, r)
    r.timeoutTimer = setTimeout(() => abort(job.id, 'timeout'), job.timeoutMs)
    log.info({ event: 'job.started' }, 'job started')
    const task = { processorUrl, jobId: job.id, userId: job.userId, attempt: job.attempts, parameters: job.parameters, port: port2 }
    const settled: Promise<void> = o.pool
      .run(task as never, r.kill.signal, definition?.youngGenerationMb)
      .catch((err: unknown): RunJobOutcome => killedOutcome(r, err))
      .then((outcome) => {
        port1.close()
        clearTimeout(r.graceTimer)
        clearTimeout(r.timeoutTimer)
        // The thread is free: claim the next job while this one's final state is written
        // (one round trip less per job on the critical path; measured in bench/queue.ts).
        running.delete(job.id)
        wake()
        return finish(r, outcome, log)
      })
      .catch((err: unknown) => log.error({ err }, 'could not record the job outcome'))
      .finally(() => inFlight.delete(settled))
    inFlight.add(settled)
  }

  async function finish(r: Running, outcome: RunJobOutcome, log: Logger): Promise<void> {
    const { job } = r
    const durationMs = Date.now() - job.startedAt.getTime()
    const ended = (outcome: JobOutcome) => o.metrics?.jobEnded(job.type, outcome, durationMs / 1000)
    o.progress.forget(job.id)
    if (databaseGone) {
      log.warn({ event: 'job.left', durationMs }, 'job stopped and left to its lease: the database does not answer, so it could not be handed back')
      return
    }
    if (r.abortedFor === 'lost') {
      log.warn({ event: 'job.lost', durationMs }, 'job stopped: its lease was lost and the job taken back')
      return
    }
    if (r.abortedFor === 'shutdown' && !outcome.ok) {
      await o.queue.giveBack([job.id])
      log.info({ event: 'job.returned', durationMs }, 'job handed back to the queue')
      return
    }
    if (outcome.ok) {
      const last = outcome.last
      const ok = await o.queue.complete(job.id, {
        result: outcome.result,
        processedItems: last?.processedItems ?? null,
        totalItems: last?.totalItems ?? null,
        message: last?.message ?? null,
      })
      if (ok) ended('completed')
      log.info({ event: 'job.completed', durationMs, recorded: ok }, 'job completed')
      return
    }
    if (r.abortedFor === 'cancel') {
      const ok = await o.queue.cancelled(job.id, { code: 'CANCELLED', message: 'cancelled by the user' })
      if (ok) ended('cancelled')
      log.info({ event: 'job.cancelled', durationMs, recorded: ok }, 'job cancelled')
      return
    }
    if (outcome.retryable && !r.abortedFor && job.attempts < job.maxAttempts) {
      const delayMs = backoffMs(job.attempts, o.retryBaseMs, o.retryMaxMs)
      const ok = await o.queue.retry(job.id, outcome.error, delayMs)
      if (ok) ended('retried')
      log.warn({ event: 'job.retry', durationMs, recorded: ok, error: outcome.error, internal: outcome.internal, delayMs }, 'attempt failed; retrying')
      return
    }
    const error: SerializedError =
      r.abortedFor === 'timeout'
        ? { code: 'TIMEOUT', message: `the job ran longer than its ${job.timeoutMs} ms timeout and was stopped${outcome.error.code === 'WORKER_TERMINATED' ? ' (its thread was terminated)' : ''}` }
        : outcome.error
    const ok = await o.queue.fail(job.id, error)
    if (ok) ended('failed')
    log.warn({ event: 'job.failed', durationMs, recorded: ok, error, internal: outcome.internal }, 'job failed')
  }

  function killedOutcome(r: Running, err: unknown): RunJobOutcome {
    const error: SerializedError = r.kill.signal.aborted
      ? { code: r.abortedFor === 'cancel' ? 'CANCELLED' : 'WORKER_TERMINATED', message: 'the processor did not stop in time; its thread was terminated' }
      : (err as { code?: unknown })?.code === 'ERR_WORKER_OUT_OF_MEMORY'
        ? { code: 'WORKER_OUT_OF_MEMORY', message: 'the job needed more memory than a worker thread may use (WORKER_MAX_HEAP_MB); its thread was terminated' }
        : { code: 'WORKER_CRASHED', message: err instanceof Error ? err.message : String(err) }
    // A crashed thread (a native module, say) may not crash again; a killed one was stopped on purpose.
    return { ok: false, error, retryable: error.code === 'WORKER_CRASHED', aborted: r.abortedFor, last: null }
  }

  function abort(jobId: string, reason: ToThread['reason']): void {
    const r = running.get(jobId)
    if (!r || r.abortedFor) return
    r.abortedFor = reason
    o.logger.info({ jobId, type: r.job.type, reason }, 'aborting job')
    const msg: ToThread = { type: 'abort', reason }
    r.port.postMessage(msg)
    r.graceTimer = setTimeout(() => r.kill.abort(), o.cancelGraceMs)
  }

  /**
   * Every leaseRenewMs: renews the leases of the jobs we run (and learns of cancels whose NOTIFY
   * we missed); stops the jobs whose lease we lost (a rescuer took them: their outcome is no
   * longer ours to write); takes back any process's jobs whose lease expired.
   */
  async function heartbeat(): Promise<void> {
    try {
      const ids = [...running.keys()]
      if (ids.length > 0) {
        const { renewed, cancelRequested } = await o.queue.heartbeat(ids)
        for (const id of cancelRequested) abort(id, 'cancel')
        const lost = ids.filter((id) => running.has(id) && !renewed.includes(id))
        if (lost.length > 0) o.logger.warn({ jobIds: lost }, 'lease lost for running jobs: stopping them')
        for (const id of lost) abort(id, 'lost')
      }
      const rescued = await o.queue.rescueExpired()
      for (const j of rescued) {
        o.logger.warn({ event: 'job.rescued', jobId: j.id, type: j.type, userId: j.userId, status: j.status, attempt: j.attempts, maxAttempts: j.maxAttempts }, 'took back a job whose lease expired')
        o.metrics?.jobEnded(j.type, j.status === 'QUEUED' ? 'retried' : j.status === 'FAILED' ? 'failed' : 'cancelled', null)
      }
      if (rescued.some((j) => j.status === 'QUEUED')) wake()
    } catch (err) {
      if (!databaseGone) o.logger.error({ err }, 'heartbeat failed')
    }
  }

  return {
    start() {
      if (state !== 'new') return
      state = 'running'
      pollTimer = setInterval(wake, o.pollIntervalMs)
      heartbeatTimer = setInterval(() => void heartbeat(), o.leaseRenewMs)
      void heartbeat() // rescues what a crashed process left, before the first interval
      wake()
    },
    wake,
    wakeAt,
    abort,
    runningJobIds: () => [...running.keys()],
    stop(timeoutMs, opts = {}) {
      stopping ??= (async () => {
        state = 'stopping'
        clearInterval(pollTimer)
        clearInterval(heartbeatTimer)
        if (dueTimer) clearTimeout(dueTimer.timer)
        if (opts.databaseGone) {
          databaseGone = true
          // Each processor gets CANCEL_GRACE_MS to clean up, then its thread is terminated.
          for (const id of running.keys()) abort(id, 'shutdown')
          await Promise.all([...inFlight])
          await o.progress.stop({ discard: true })
          await o.pool.close()
          return
        }
        await claiming
        const all = () => Promise.all([...inFlight])
        let timer: NodeJS.Timeout | undefined
        const timedOut = new Promise<void>((ok) => (timer = setTimeout(ok, timeoutMs)))
        await Promise.race([all(), timedOut])
        clearTimeout(timer)
        if (running.size > 0) {
          o.logger.warn({ jobIds: [...running.keys()] }, 'shutdown timeout: handing running jobs back to the queue')
          for (const id of running.keys()) abort(id, 'shutdown')
          await all()
        }
        await o.progress.stop()
        await o.pool.close()
      })()
      return stopping
    },
  }
}
