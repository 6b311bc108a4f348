// The dispatcher's producer: it claims jobs (the fetch part; the dispatcher runs them and the
// completer records what they led to). One claim loop at a time: a wake-up during a claim makes
// it go round once more, since its job may have come after the claim's snapshot. A finished job
// claims again only when the last claim found as many jobs as it asked for (or a wake-up came
// since), not after every job on a queue found empty. What it claims goes to the claim-ahead
// buffer, from which the dispatcher starts jobs (`startHeld`). Jobs held too long go back first.
import type { Logger } from 'pino'
import type { JobMetrics } from '../operators/metrics.js'
import type { ClaimedJob, WorkerQueue } from '../queue/index.js'
import { jobAttributes } from '../telemetry/job-trace.js'
import type { Tracing } from '../telemetry/tracing.js'
import type { ClaimAhead } from './claim-ahead.js'
import { createDueTimer } from './due-timer.js'

export interface ProducerOptions {
  queue: WorkerQueue
  ahead: ClaimAhead
  logger: Logger
  metrics?: JobMetrics | undefined
  tracing: Tracing
  /** How many jobs to claim now (the claim-ahead buffer's answer for the free threads). */
  want(): number
  /** Starts held jobs on free threads. */
  startHeld(): void
  /** The dispatcher is running: claims are made and kept. */
  running(): boolean
  /** PostgreSQL does not answer: a failed claim is not worth an error line. */
  databaseGone(): boolean
}

export function createProducer(o: ProducerOptions) {
  let claiming: Promise<void> | undefined
  let again = false
  /** Jobs may be waiting: a wake-up came, or the last claim got all it asked for. */
  let backlog = true

  /** A job may be due now (a NOTIFY, the poll, a due time reached). */
  function wake(): void {
    backlog = true
    claimNow()
  }

  // Stopped with the dispatcher: no wake-up once it stops.
  const due = createDueTimer(wake)

  function claimNow(): void {
    if (!o.running()) return
    if (claiming) {
      again = true
      return
    }
    claiming = claimLoop().finally(() => (claiming = undefined))
  }

  async function claimLoop(): Promise<void> {
    try {
      do {
        again = false
        await handBackStale()
        o.startHeld()
        const want = o.want()
        if (want <= 0) break
        const claimStart = performance.now()
        // A wake-up during the claim sets it again: its job may have come after the claim's snapshot.
        backlog = false
        const jobs = await o.queue.claim(want)
        o.metrics?.claimed((performance.now() - claimStart) / 1000)
        if (o.tracing.enabled) traceClaims(jobs, performance.timeOrigin + claimStart)
        if (!o.running()) {
          // Stopped while claiming: hand them straight back.
          await o.queue.giveBack(jobs.map((j) => j.id))
          break
        }
        o.ahead.add(jobs)
        o.startHeld()
        if (jobs.length === want) again = backlog = true
      } while (again && o.running())
    } catch (err) {
      backlog = true
      if (!o.databaseGone()) o.logger.error({ err }, 'claiming jobs failed')
    }
  }

  /** A span for each job claimed, under its job's span: when the claim began and ended. */
  function traceClaims(jobs: ClaimedJob[], since: number): void {
    for (const job of jobs) {
      if (job.trace)
        o.tracing
          .span(`claim ${job.type}`, {
            parent: job.trace.span,
            kind: 'consumer',
            startTime: since,
            attributes: { ...jobAttributes(job), 'faena.worker.id': o.queue.workerId },
          })
          ?.end()
    }
  }

  /** Jobs claimed ahead that waited too long (the jobs before them were longer than expected) go back. */
  async function handBackStale(): Promise<void> {
    const stale = o.ahead.stale()
    if (stale.length === 0) return
    const ids = stale.map((j) => j.id)
    o.logger.info({ jobIds: ids }, 'handing back jobs claimed ahead that did not start in time')
    await o.queue.giveBack(ids, 'unstarted')
  }

  return {
    wake,
    /** Wakes up at `dueAt` (epoch ms): a job is due then. Keeps one timer, for the earliest. */
    wakeAt: (dueAt: number) => due.add(dueAt),
    /** A thread came free: claim again if jobs may be waiting. */
    claimIfBacklog(): void {
      if (backlog) claimNow()
    },
    traceClaims,
    /** No more wake-ups from due times (the dispatcher is stopping). */
    stopWaking: () => due.stop(),
    /** Resolves once the claim under way, if any, is over. */
    settled: async (): Promise<void> => {
      await claiming
    },
  }
}
