// Retention (a background service: src/service.ts): every RETENTION_SWEEP_MS, finished jobs older than RETENTION_DAYS are deleted with
// the files they own (job_file, as their types declare them) and the rows that cascade with
// them; expired idempotency keys go, and so do partial uploads a dead process left
// (ABANDONED_UPLOAD_MS untouched). Files go first: a job whose files could not all be removed
// stays for the next sweep, so no file is left without a row that names it.
import type { Logger } from 'pino'
import { filesOfJobs } from '../queue/job-files.js'
import {
  deleteExpiredKeys,
  deleteJobs,
  oldFinishedJobs,
  SWEEP_START,
  type SweepCursor,
} from '../queue/sweep-finished.js'
import type { Queryable } from '../queue/types.js'
import type { StopContext } from '../service.js'
import { type Storage, StorageUnsupportedError } from '../storage/storage.js'

/** Jobs walked, and keys removed, per statement: each one short, whatever the depth. */
const BATCH = 200

export interface RetentionOptions {
  db: Queryable
  storage: Storage
  retentionDays: number
  intervalMs: number
  /** Partial uploads untouched this long are abandoned (their process died). */
  abandonedUploadMs: number
  logger: Logger
}

export interface SweepResult {
  jobs: number
  files: number
  keys: number
  /** Partial uploads left by dead processes. */
  partials: number
}

export type RetentionSweeper = ReturnType<typeof createRetentionSweeper>

export function createRetentionSweeper(o: RetentionOptions) {
  let timer: NodeJS.Timeout | undefined
  let running: Promise<unknown> | undefined
  let toldUnsupported = false

  async function sweepOnce(): Promise<SweepResult> {
    const total: SweepResult = { jobs: 0, files: 0, keys: 0, partials: 0 }
    for (let from: SweepCursor | null = SWEEP_START; from; ) {
      const found = await oldFinishedJobs(o.db, o.retentionDays, BATCH, from)
      from = found.next
      const batch = found.ids
      const filesOf = batch.length > 0 ? await filesOfJobs(o.db, batch) : new Map<string, string[]>()
      const gone: string[] = []
      for (const jobId of batch) {
        const files = filesOf.get(jobId) ?? []
        const removed = await Promise.allSettled(files.map((key) => o.storage.delete(key)))
        const failed = removed.filter((r) => r.status === 'rejected')
        if (failed.length > 0) {
          o.logger.warn(
            { jobId, err: (failed[0] as PromiseRejectedResult).reason },
            'retention: a file could not be removed; the job stays until the next sweep',
          )
          continue
        }
        total.files += files.length
        gone.push(jobId)
      }
      if (gone.length > 0) total.jobs += await deleteJobs(o.db, gone)
    }
    for (;;) {
      const n = await deleteExpiredKeys(o.db, BATCH)
      total.keys += n
      if (n < BATCH) break
    }
    total.partials = await o.storage.removeAbandoned(o.abandonedUploadMs).catch((err: unknown) => {
      if (err instanceof StorageUnsupportedError) {
        // It will not change from one sweep to the next: said once.
        if (!toldUnsupported) o.logger.warn(`retention: ${err.message}`)
        toldUnsupported = true
      } else o.logger.warn({ err }, 'retention: abandoned partial uploads could not be listed or removed')
      return 0
    })
    if (total.jobs + total.keys + total.partials > 0)
      o.logger.info(total, 'retention: swept finished jobs and expired idempotency keys')
    return total
  }

  const tick = () => {
    running = sweepOnce()
      .catch((err) => o.logger.error({ err }, 'retention sweep failed; trying again next time'))
      .finally(() => (running = undefined))
  }

  return {
    sweepOnce,
    start() {
      if (timer) return
      timer = setInterval(() => running ?? tick(), o.intervalMs)
      timer.unref()
      tick()
    },
    /** Resolves once the sweep under way, if any, is over. */
    async settled() {
      await running
    },
    async stop(how: StopContext = { databaseGone: false }) {
      clearInterval(timer)
      if (!how.databaseGone) await running
    },
  }
}
