// Starts the jobs of recurring schedules. Every node that runs jobs runs one; each wakes at the
// soonest due tick (re-read at least every `checkMs`, so schedules made on other nodes are
// seen) and, one schedule at a time, in one transaction: locks a due schedule, starts the job
// for its latest due tick as its owner (checked as POST /jobs checks it, counted against the
// owner's limits) and moves it to its next tick after now. After downtime that is one job for
// the latest missed tick, never a burst. A tick whose job is refused (the owner's limit, a job
// type since removed) starts nothing; the schedule says why (lastError) and goes on.
import type { Logger } from 'pino'
import type { Database } from '../db/database.js'
import { FaenaError } from '../errors.js'
import type { JobService } from '../jobs/job-service.js'
import type { StopContext } from '../service.js'
import type { Tracing } from '../telemetry/tracing.js'
import { readCron } from './cron.js'
import { advanceSchedule, nextDueSchedule, soonestDue } from './schedule-sql.js'

export interface TickerOptions {
  db: Database
  jobs: JobService
  checkMs: number
  logger: Logger
  /** A span for each tick: the job it starts continues its trace. */
  tracing?: Tracing
}

export type Ticker = ReturnType<typeof createTicker>

/** Schedules handled in one pass at most, before the timer is set again. */
const PASS = 100

export function createTicker(o: TickerOptions) {
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> | undefined
  let again = false
  let stopped = false

  /** One due schedule's tick; false when none was due. */
  async function tickOne(): Promise<boolean> {
    return o.db.transaction(async (q) => {
      const s = await nextDueSchedule(q)
      if (!s) return false
      const now = new Date()
      let cron: ReturnType<typeof readCron>
      try {
        cron = readCron(s.cron, s.timezone)
      } catch (err) {
        // Stored expressions were checked; only a zone the runtime no longer knows gets here.
        await advanceSchedule(q, s.id, new Date(now.getTime() + 3_600_000), s.nextRunAt, null, (err as Error).message)
        return true
      }
      // Never before the tick that is due (this node's clock may lag the database's).
      const latest = cron.latestAtOrBefore(now)
      const tick = latest && latest > s.nextRunAt ? latest : s.nextRunAt
      const next = cron.next(now > tick ? now : tick) ?? new Date(now.getTime() + 365 * 86_400_000)
      let jobId: string | null = null
      let error: string | null = null
      const span = o.tracing?.span(`schedule ${s.job.type}`, {
        kind: 'producer',
        attributes: {
          'faena.schedule.id': s.id,
          'faena.schedule.tick': tick.toISOString(),
          'faena.job.type': s.job.type,
          'enduser.id': s.userId,
        },
      })
      try {
        const job = await o.jobs.create(
          { userId: s.userId, admin: false, ...(span ? { trace: span.traceparent } : {}) },
          { ...s.job },
          { tx: q, schedule: { id: s.id, tick } },
        )
        jobId = job.id
        span?.set({ 'faena.job.id': job.id })
      } catch (err) {
        span?.fail(err instanceof FaenaError ? err.code : 'ERROR', (err as Error).message)
        if (!(err instanceof FaenaError) || err.statusCode >= 500) throw err
        error = err.message
        o.logger.warn({ scheduleId: s.id, tick, code: err.code, error }, 'schedule: the tick started no job')
      } finally {
        span?.end()
      }
      await advanceSchedule(q, s.id, next, tick, jobId, error)
      if (jobId)
        o.logger.info(
          { event: 'schedule.tick', scheduleId: s.id, tick, jobId, nextRunAt: next },
          'schedule started a job',
        )
      return true
    })
  }

  /** When the soonest tick is due, in ms from now (at most checkMs); 0: now. */
  async function untilDue(): Promise<number> {
    const soonest = await soonestDue(o.db.pool)
    return soonest ? Math.max(0, Math.min(o.checkMs, soonest.getTime() - Date.now())) : o.checkMs
  }

  /** Ticks what is due (a transaction only then), and sets the timer for the soonest next tick. */
  async function pass(): Promise<void> {
    if (timer) clearTimeout(timer)
    timer = undefined
    let wait = o.checkMs
    try {
      let ticked = 0
      if ((await untilDue()) === 0) while (ticked < PASS && !stopped && (await tickOne())) ticked++
      wait = await untilDue()
      // Due by this clock, not yet by the database's (clocks differ a little): not a busy loop.
      if (wait === 0 && ticked === 0) wait = 50
    } catch (err) {
      o.logger.warn({ err }, 'schedule: a tick failed; trying again at the next check')
    }
    if (stopped) return
    if (!stopped) {
      timer = setTimeout(run, wait)
      timer.unref()
    }
  }

  function run(): void {
    if (running) {
      again = true
      return
    }
    running = pass().finally(() => {
      running = undefined
      if (again && !stopped) {
        again = false
        run()
      }
    })
  }

  return {
    start: run,
    /** A schedule changed on this node: read the soonest tick again now. */
    wake: run,
    /** Waits for the pass under way, unless the database is gone (it would never end). */
    async stop(how: StopContext = { databaseGone: false }): Promise<void> {
      stopped = true
      if (timer) clearTimeout(timer)
      if (!how.databaseGone) await running
    },
  }
}
