// Coalesces progress reports from the worker threads: a processor may report on every row, but
// each running job costs at most one row update per flush period, and all dirty jobs of a
// flush go to PostgreSQL in a single statement. Final states are written elsewhere, always.
import type { ProgressUpdate } from '../queue/index.js'

export interface ProgressWriter {
  report(update: ProgressUpdate): void
  /** Drops a job's pending report (its final state is being written). */
  forget(jobId: string): void
  flush(): Promise<void>
  /** Flushes what is pending (drops it with `discard`: the database is gone); idempotent. */
  stop(opts?: { discard?: boolean }): Promise<void>
}

export function createProgressWriter(
  save: (updates: ProgressUpdate[]) => Promise<void>,
  periodMs: number,
  onError: (err: unknown) => void,
): ProgressWriter {
  let pending = new Map<string, ProgressUpdate>()
  let timer: NodeJS.Timeout | undefined
  let inFlight: Promise<void> = Promise.resolve()
  let stopped = false

  const flush = (): Promise<void> => {
    timer = undefined
    if (pending.size === 0) return inFlight
    const batch = [...pending.values()]
    pending = new Map()
    // Flushes are serialised so an older batch never lands after a newer one.
    inFlight = inFlight.then(() => save(batch)).catch(onError)
    return inFlight
  }

  return {
    report(update) {
      pending.set(update.jobId, update)
      if (!timer && !stopped) timer = setTimeout(() => void flush(), periodMs)
    },
    forget(jobId) {
      pending.delete(jobId)
    },
    flush,
    async stop(opts = {}) {
      stopped = true
      if (timer) clearTimeout(timer)
      if (opts.discard) pending.clear()
      else await flush()
    },
  }
}
