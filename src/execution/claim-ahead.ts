// Jobs claimed ahead of idle threads: a small local buffer, so that a thread that finishes a
// short job starts the next one without a round trip to PostgreSQL, and one claim serves many
// jobs. It holds no SQL and no timers; the dispatcher fills it, starts jobs from it, and hands
// back what it returns from stale() and drain().
//
// How far ahead is adaptive: what the threads are expected to finish within `windowMs`, judged
// by how long recent jobs took on this node (and by the oldest job running now, so that a long
// job stops the claiming at once), never more than `max`. Short jobs (milliseconds) fill it;
// jobs of a second or more leave it empty, so a long job never waits here for another one. A
// job kept longer than `holdMs` (40 windows) anyway (the mix of jobs changed) is handed back by the
// dispatcher. What it trades: a job claimed ahead on a node that dies waits for its lease,
// like a running one, and a more urgent job queued meanwhile waits for at most about
// `windowMs` of claimed-ahead work.
import { type ClaimedJob, claimOrder } from '../queue/index.js'

export interface ClaimAheadOptions {
  /** At most this many jobs held beyond the idle threads (0: claim only for idle threads). */
  max: number
  windowMs: number
  /** Default HOLD_WINDOWS windows. */
  holdMs?: number
  now?: () => number
}

export interface ClaimAhead {
  /** How many jobs to claim now for `idle` threads, `threads` in all, the oldest running job started `oldestRunningMs` ago. */
  want(idle: number, threads: number, oldestRunningMs: number): number
  add(jobs: ClaimedJob[]): void
  /** The next job to start: the best held, in the queue's order (a later claim may hold a more urgent job). */
  take(): ClaimedJob | undefined
  /** The job take() would return, left held. */
  peek(): ClaimedJob | undefined
  /** Removes one job (cancelled, lost), if held. */
  remove(jobId: string): ClaimedJob | undefined
  ids(): string[]
  readonly size: number
  /** Removes and returns the jobs held longer than holdMs. */
  stale(): ClaimedJob[]
  /** Removes and returns every job held. */
  drain(): ClaimedJob[]
  /** A job ran for `ms` on this node: the estimate of how long jobs take. */
  ran(ms: number): void
  /** How many jobs one thread is expected to finish within the window (1 without history). */
  perWindow(): number
}

/** A job held this many windows without starting goes back to the queue. */
export const HOLD_WINDOWS = 40

/** Weight of the newest run in the running average of job durations. */
const EWMA_WEIGHT = 0.2

export function createClaimAhead(o: ClaimAheadOptions): ClaimAhead {
  const now = o.now ?? (() => performance.now())
  const holdMs = o.holdMs ?? HOLD_WINDOWS * o.windowMs
  /** Best first. */
  let held: { job: ClaimedJob; since: number }[] = []
  let averageMs: number | undefined

  return {
    want(idle, threads, oldestRunningMs) {
      const typicalMs = Math.max(averageMs ?? Infinity, oldestRunningMs)
      const ahead = o.max === 0 ? 0 : Math.min(o.max, Math.floor((threads * o.windowMs) / Math.max(typicalMs, 0.01)))
      return Math.max(0, idle + ahead - held.length)
    },
    add(jobs) {
      const since = now()
      held = [...held, ...jobs.map((job) => ({ job, since }))].sort((a, b) => claimOrder(a.job, b.job))
    },
    take: () => held.shift()?.job,
    peek: () => held[0]?.job,
    remove(jobId) {
      const i = held.findIndex((h) => h.job.id === jobId)
      return i < 0 ? undefined : held.splice(i, 1)[0]?.job
    },
    ids: () => held.map((h) => h.job.id),
    get size() {
      return held.length
    },
    stale() {
      const limit = now() - holdMs
      const old = held.filter((h) => h.since < limit).map((h) => h.job)
      if (old.length > 0) held = held.filter((h) => h.since >= limit)
      return old
    },
    drain() {
      const all = held.map((h) => h.job)
      held = []
      return all
    },
    ran(ms) {
      averageMs = averageMs === undefined ? ms : averageMs + EWMA_WEIGHT * (ms - averageMs)
    },
    perWindow: () => Math.max(1, Math.floor(o.windowMs / Math.max(averageMs ?? Infinity, 0.01))),
  }
}
