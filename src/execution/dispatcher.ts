// Runs jobs for this process in the worker pool: for its idle threads, and, while jobs are
// short, a few ahead of them (claim-ahead.ts), so that a thread that finishes starts the next
// job without a round trip. It holds no SQL (it is given a WorkerQueue) and takes ownership of
// the pool. Three parts, one job each: the producer claims (producer.ts: wake-ups after a NOTIFY
// on faena_jobs and on a slow poll, claims only while jobs may be waiting), this file runs, and
// the completer writes what a finished run leads to (completer.ts).
//
// Cancel: abort(jobId) posts a cooperative abort to the job's thread and kills the thread only
// if the processor has not returned after cancelGraceMs. A job claimed ahead and cancelled is
// CANCELLED at once; one whose lease is lost is dropped.
// Batches (WORKER_BATCH > 1): short held jobs go to a thread several at a time, one task run one
// after the other, their outcomes back together; if that thread dies, the job it was running
// takes the blame and the others go back to the queue (stoppedWithBatch).
// Started here: offer() keeps a free thread for a job being added on this node; when the
// enqueue claims the job for it (the queue had nothing due before it), it starts without the
// NOTIFY and the claim's round trip (src/queue/enqueue-job.ts).
// Leases: the heartbeat renews ours (claimed ahead included) and, on every process, rescues jobs
// whose lease expired. stop(): stop claiming, hand back the jobs claimed ahead, let running jobs
// finish for up to shutdownTimeoutMs, then abort them cooperatively and hand them back to the
// queue (QUEUED, attempt refunded), never FAILED.
import type { Logger } from 'pino'
import type { SerializedError } from '../errors.js'
import type { JobRegistry } from '../jobs/registry.js'
import type { JobMetrics } from '../operators/metrics.js'
import type { ClaimedJob, ThreadOffer, WorkerQueue } from '../queue/index.js'
import type { StopContext } from '../service.js'
import { closeJobTrace, jobAttributes, traceIdField } from '../telemetry/job-trace.js'
import { NO_TRACING, type TraceSpan, type Tracing } from '../telemetry/tracing.js'
import { type ClaimAheadOptions, createClaimAhead } from './claim-ahead.js'
import { createCompleter } from './completer.js'
import { heartbeat } from './heartbeat.js'
import { createProducer } from './producer.js'
import type { ProgressWriter } from './progress-writer.js'
import type { RunJobOutcome, RunJobTask, ToMain, ToThread } from './thread-protocol.js'
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
  /** How long stop() lets running jobs finish before it aborts them and hands them back (SHUTDOWN_TIMEOUT_MS). */
  shutdownTimeoutMs: number
  /** Backoff of retried attempts: the first waits up to retryBaseMs, doubling up to retryMaxMs. */
  retryBaseMs: number
  retryMaxMs: number
  /** Claiming ahead of idle threads (claim-ahead.ts); max 0 turns it off. */
  claimAhead: ClaimAheadOptions
  /** Short jobs held go to a thread up to this many in one task (WORKER_BATCH; default 1). */
  batch?: number
  metrics?: JobMetrics
  /** Spans of each claim and run, under the job's span (telemetry/job-trace.ts). */
  tracing?: Tracing
}

export interface Dispatcher {
  start(): void
  wake(): void
  /** Wakes up at `dueAt` (epoch ms): a job is due then. Keeps one timer, for the earliest. */
  wakeAt(dueAt: number): void
  abort(jobId: string, reason: ToThread['reason']): void
  /**
   * A free thread kept for a job of `type` being added on this node, or null: none is free, jobs
   * claimed ahead come first, or this node has no processor for the type. A claim in flight
   * counted the threads before the offer: what it brings for this one is held (claim-ahead.ts).
   */
  offer(type: string): ThreadOffer | null
  runningJobIds(): string[]
  /** Jobs claimed ahead of idle threads, not started yet. */
  heldJobIds(): string[]
  /**
   * Idempotent; resolves when every job this process held is finished or handed back: running
   * jobs get `shutdownTimeoutMs` to finish, then are aborted and handed back. With
   * `databaseGone` (PostgreSQL does not answer) nothing can be recorded: running jobs are
   * aborted at once and left to their leases, and nothing waits on the database.
   */
  stop(how?: StopContext): Promise<void>
}

interface Running {
  job: ClaimedJob
  /** performance.now() when its thread was given it. */
  began: number
  /** Kills its thread; shared by the jobs of a batch. */
  kill: AbortController
  /** In a batch: its place, the place of the job its thread runs now, and whether its abort waited for its turn. */
  batch?: { index: number; at(): number; waited?: boolean }
  abortedFor: ToThread['reason'] | null
  graceTimer?: NodeJS.Timeout
  timeoutTimer?: NodeJS.Timeout
  /** The run's span, when traces are on. */
  span?: TraceSpan | null
}

export function createDispatcher(o: DispatcherOptions): Dispatcher {
  /** Jobs whose thread is busy: what limits claiming. */
  const running = new Map<string, Running>()
  /** Jobs not yet settled in PostgreSQL (running, or their final state being written). */
  const inFlight = new Set<Promise<void>>()
  /** Claimed ahead of idle threads, not started. */
  const ahead = createClaimAhead(o.claimAhead)
  let state: 'new' | 'running' | 'stopping' = 'new'
  let pollTimer: NodeJS.Timeout | undefined
  let heartbeatTimer: NodeJS.Timeout | undefined
  let stopping: Promise<void> | undefined
  /** Threads given a task (one job, or a batch of short ones): with offers, what limits starting. */
  let busy = 0
  const batchMax = Math.max(1, o.batch ?? 1)
  /** Threads kept by offer() for jobs being added, each until take() or release(). */
  const offers = new Set<Promise<void>>()
  let databaseGone = false
  const tracing = o.tracing ?? NO_TRACING
  const { finish } = createCompleter({ ...o, tracing, databaseGone: () => databaseGone })
  const producer = createProducer({
    ...o,
    ahead,
    tracing,
    want: () => ahead.want(o.pool.size - busy - offers.size, o.pool.size, oldestRunningMs()),
    startHeld: () => startHeld(),
    running: () => state === 'running',
    databaseGone: () => databaseGone,
  })
  const wake = producer.wake

  /** A job's log lines: its ids, and its trace's id when it has one (its spans are found by it). */
  const jobLog = (job: ClaimedJob) =>
    o.logger.child({
      jobId: job.id,
      type: job.type,
      userId: job.userId,
      attempt: job.attempts,
      ...traceIdField(job.trace),
    })

  function offer(type: string): ThreadOffer | null {
    if (state !== 'running' || ahead.size > 0 || busy + offers.size >= o.pool.size) return null
    if (!o.registry.describe(type)?.processor) return null
    const since = performance.timeOrigin + performance.now()
    let ended!: () => void
    const kept = new Promise<void>((ok) => (ended = ok))
    offers.add(kept)
    const end = (): boolean => {
      if (!offers.delete(kept)) return false
      ended()
      return true
    }
    return {
      workerId: o.queue.workerId,
      leaseMs: o.queue.leaseMs,
      take(job) {
        if (!end()) return
        // The enqueue was its claim: the span begins no earlier than the job's own.
        if (tracing.enabled) producer.traceClaims([job], Math.max(since, job.trace?.since ?? since))
        if (state === 'running') return start(job)
        // Stopping: stop() waits for this hand-back before it closes anything.
        const back: Promise<void> = o.queue
          .giveBack([job.id])
          .then(
            () => undefined,
            (err: unknown) =>
              o.logger.error(
                { err, jobId: job.id },
                'could not hand back a job claimed as it was added; it waits for its lease',
              ),
          )
          .finally(() => inFlight.delete(back))
        inFlight.add(back)
      },
      release() {
        if (end()) producer.claimIfBacklog()
      },
    }
  }

  /**
   * Gives idle threads the best jobs held: one job a thread, or, with WORKER_BATCH above 1, up to
   * that many short jobs a thread, spread over the idle threads (one task, one hand-over each),
   * and no more than a thread should finish within the claim-ahead window: a batch's outcomes
   * are recorded when its last job ends.
   */
  function startHeld(): void {
    while (busy + offers.size < o.pool.size && state === 'running') {
      const idle = o.pool.size - busy - offers.size
      const jobs = takeHeld(Math.min(batchMax, Math.ceil(ahead.size / idle), ahead.perWindow()))
      if (jobs.length === 0) return
      launch(jobs)
    }
  }

  /** Up to `n` held jobs, best first, that can share a thread (the same young generation). */
  function takeHeld(n: number): ClaimedJob[] {
    const first = ahead.take()
    if (!first) return []
    const jobs = [first]
    const young = youngGenerationOf(first)
    while (jobs.length < n) {
      const next = ahead.peek()
      if (!next || youngGenerationOf(next) !== young) break
      jobs.push(ahead.take()!)
    }
    return jobs
  }

  const youngGenerationOf = (job: ClaimedJob) => o.registry.describe(job.type)?.youngGenerationMb

  function oldestRunningMs(): number {
    let oldest = performance.now()
    for (const r of running.values()) oldest = Math.min(oldest, r.began)
    return performance.now() - oldest
  }

  const start = (job: ClaimedJob): void => launch([job])

  /** A job registered as running here: its timers, span and log line; null when this node has no processor for it (FAILED). */
  function begin(job: ClaimedJob, kill: AbortController): { r: Running; task: RunJobTask; log: Logger } | null {
    const definition = o.registry.describe(job.type)
    const processorUrl = definition?.processor.href
    const log = jobLog(job)
    if (!processorUrl) {
      const error = {
        code: 'UNKNOWN_JOB_TYPE',
        message: `no processor registered for job type "${job.type}" on this node`,
      }
      void o.queue.fail(job.id, error).catch((err: unknown) => log.error({ err }, 'could not fail job'))
      return null
    }
    const r: Running = { job, began: performance.now(), kill, abortedFor: null }
    if (tracing.enabled)
      r.span = tracing.span(`run ${job.type}`, {
        parent: job.trace?.span,
        kind: 'consumer',
        attributes: { ...jobAttributes(job), 'faena.worker.id': o.queue.workerId },
      })
    running.set(job.id, r)
    r.timeoutTimer = setTimeout(() => abort(job.id, 'timeout'), job.timeoutMs)
    log.info({ event: 'job.started' }, 'job started')
    const task: RunJobTask = {
      processorUrl,
      jobId: job.id,
      jobType: job.type,
      userId: job.userId,
      attempt: job.attempts,
      parameters: job.parameters,
      ...(r.span ? { traceparent: r.span.traceparent } : {}),
    }
    return { r, task, log }
  }

  /** Runs jobs on one thread: one task for one job, or a batch of short ones that share its kill switch. */
  function launch(jobs: ClaimedJob[]): void {
    const kill = new AbortController()
    const begun = jobs.map((job) => begin(job, kill)).filter((b) => b !== null)
    if (begun.length === 0) return
    busy++
    const young = youngGenerationOf(begun[0]!.r.job)
    const batch =
      begun.length > 1
        ? o.pool.runBatch(
            begun.map((b) => b.task),
            kill.signal,
            young,
          )
        : null
    if (batch)
      begun.forEach((b, index) => {
        b.r.batch = { index, at: batch.at }
      })
    const outcomes: Promise<RunJobOutcome[]> = batch
      ? batch.outcomes.catch((err: unknown) => {
          // The job that was running when the thread died takes the blame; the others go back.
          const at = batch.at()
          return begun.map((b, i) => (i === at ? killedOutcome(b.r, err) : stoppedWithBatch(b.r, err, i < at)))
        })
      : o.pool.run(begun[0]!.task, kill.signal, young).then(
          (one) => [one],
          (err: unknown) => [killedOutcome(begun[0]!.r, err)],
        )
    const settled: Promise<void> = outcomes
      .then((results) => {
        busy--
        // The thread is free: start held jobs, and claim more while these final states are
        // written (no round trip on the critical path; measured in bench/queue.ts).
        const each = (performance.now() - begun[0]!.r.began) / begun.length
        for (const { r } of begun) {
          clearTimeout(r.graceTimer)
          clearTimeout(r.timeoutTimer)
          ahead.ran(each)
          running.delete(r.job.id)
        }
        startHeld()
        producer.claimIfBacklog()
        return Promise.all(
          begun.map(({ r, log }, i) => {
            const outcome = results[i]!
            if (outcome.spans) tracing.adopt(outcome.spans)
            return finish(r, outcome, log).catch((err: unknown) =>
              log.error({ err }, 'could not record the job outcome'),
            )
          }),
        )
      })
      .then(
        () => undefined,
        (err: unknown) => o.logger.error({ err }, 'could not record job outcomes'),
      )
      .finally(() => inFlight.delete(settled))
    inFlight.add(settled)
  }

  /**
   * A job of a batch whose thread died (killed for another job, or crashed) while it was not the
   * one running: one not started yet, or one that finished but whose outcome died with the
   * thread. Stopped for a reason of its own (a cancel, a lost lease), it ends for that reason;
   * otherwise it goes back to the queue, its attempt refunded, as at shutdown. (A finished one
   * then runs again, as after a crash of the node.)
   */
  function stoppedWithBatch(r: Running, err: unknown, ran: boolean): RunJobOutcome {
    if (r.abortedFor) return killedOutcome(r, err)
    r.abortedFor = 'shutdown'
    const message = ran ? 'its thread stopped before its outcome was recorded' : 'its thread stopped before it started'
    return {
      ok: false,
      error: { code: 'WORKER_TERMINATED', message },
      retryable: false,
      aborted: 'shutdown',
      last: null,
    }
  }

  function killedOutcome(r: Running, err: unknown): RunJobOutcome {
    const error: SerializedError = r.kill.signal.aborted
      ? {
          code: r.abortedFor === 'cancel' ? 'CANCELLED' : 'WORKER_TERMINATED',
          message: 'the processor did not stop in time; its thread was terminated',
        }
      : (err as { code?: unknown })?.code === 'ERR_WORKER_OUT_OF_MEMORY'
        ? {
            code: 'WORKER_OUT_OF_MEMORY',
            message:
              'the job needed more memory than a worker thread may use (WORKER_MAX_HEAP_MB); its thread was terminated',
          }
        : { code: 'WORKER_CRASHED', message: err instanceof Error ? err.message : String(err) }
    // A crashed thread (a native module, say) may not crash again; a killed one was stopped on purpose.
    return { ok: false, error, retryable: error.code === 'WORKER_CRASHED', aborted: r.abortedFor, last: null }
  }

  function abort(jobId: string, reason: ToThread['reason']): void {
    const held = ahead.remove(jobId)
    if (held) {
      dropHeld(held, reason)
      return
    }
    const r = running.get(jobId)
    if (!r || r.abortedFor) return
    r.abortedFor = reason
    o.logger.info({ jobId, type: r.job.type, reason }, 'aborting job')
    o.pool.abort(jobId, reason)
    r.graceTimer = setTimeout(() => graceOver(r), o.cancelGraceMs)
  }

  /**
   * The processor had its grace to stop: its thread is terminated. A job of a batch kills the
   * thread only while it is the one running: one not started yet is stopped by its abort when
   * its turn comes (looked at again after another grace, and given a whole grace once it runs),
   * one already finished needs nothing.
   */
  function graceOver(r: Running): void {
    const turn = r.batch ? r.batch.at() - r.batch.index : 0
    const again = () => (r.graceTimer = setTimeout(() => graceOver(r), o.cancelGraceMs))
    if (turn < 0) {
      r.batch!.waited = true
      again()
    } else if (turn === 0 && r.batch?.waited) {
      r.batch.waited = false
      again()
    } else if (turn === 0) r.kill.abort()
  }

  /** A job claimed ahead never started: cancelled at once, or forgotten when its lease was lost. */
  function dropHeld(job: ClaimedJob, reason: ToThread['reason']): void {
    const log = jobLog(job)
    if (reason !== 'cancel') {
      log.warn({ event: 'job.lost' }, 'job claimed ahead dropped before it started: its lease was lost')
      return
    }
    const outcome: RunJobOutcome = {
      ok: false,
      error: { code: 'CANCELLED', message: 'cancelled before it started' },
      retryable: false,
      aborted: 'cancel',
      last: null,
    }
    const settled: Promise<void> = finish({ job, began: performance.now(), abortedFor: 'cancel' }, outcome, log)
      .catch((err: unknown) => log.error({ err }, 'could not record the job outcome'))
      .finally(() => inFlight.delete(settled))
    inFlight.add(settled)
  }

  const beat = () =>
    heartbeat({
      queue: o.queue,
      running: () => [...running.keys(), ...ahead.ids()],
      abort,
      wake,
      logger: o.logger,
      metrics: o.metrics,
      quiet: () => databaseGone,
      ended: (j) =>
        closeJobTrace(tracing, j.trace, {
          id: j.id,
          type: j.type,
          attempts: j.attempts,
          status: j.status as 'FAILED' | 'CANCELLED',
          error: j.error,
        }),
    })

  /** Progress of a job running here; a late message of a job already finished is dropped. */
  function heard(m: ToMain): void {
    if (m.type !== 'progress' || !running.has(m.jobId)) return
    o.progress.report({
      jobId: m.jobId,
      progress: m.percent,
      message: m.message ?? null,
      processedItems: m.counts?.processedItems ?? null,
      totalItems: m.counts?.totalItems ?? null,
    })
  }

  return {
    start() {
      if (state !== 'new') return
      state = 'running'
      o.pool.onMessage(heard)
      pollTimer = setInterval(wake, o.pollIntervalMs)
      heartbeatTimer = setInterval(() => void beat(), o.leaseRenewMs)
      void beat() // rescues what a crashed process left, before the first interval
      wake()
    },
    wake,
    wakeAt: producer.wakeAt,
    abort,
    offer,
    runningJobIds: () => [...running.keys()],
    heldJobIds: () => ahead.ids(),
    stop(how = { databaseGone: false }) {
      stopping ??= (async () => {
        state = 'stopping'
        clearInterval(pollTimer)
        clearInterval(heartbeatTimer)
        producer.stopWaking()
        if (how.databaseGone) {
          databaseGone = true
          // Jobs claimed ahead are left to their leases, like the running ones.
          ahead.drain()
          // Each processor gets CANCEL_GRACE_MS to clean up, then its thread is terminated.
          for (const id of running.keys()) abort(id, 'shutdown')
          await Promise.all([...inFlight])
          await o.progress.stop({ discard: true })
          await o.pool.close()
          return
        }
        await producer.settled()
        // Jobs being added with a thread of ours kept: started by now, or handed back.
        await Promise.all([...offers])
        const held = ahead.drain().map((j) => j.id)
        if (held.length > 0)
          await o.queue
            .giveBack(held)
            .catch((err: unknown) =>
              o.logger.error(
                { err, jobIds: held },
                'could not hand back the jobs claimed ahead; they wait for their leases',
              ),
            )
        const all = () => Promise.all([...inFlight])
        let timer: NodeJS.Timeout | undefined
        const timedOut = new Promise<void>((ok) => (timer = setTimeout(ok, o.shutdownTimeoutMs)))
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
