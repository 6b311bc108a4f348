// Followers of jobs (the event streams of GET /jobs/:id/events) in this process share one
// poller: every `pollMs`, while anyone follows anything, one query reads the followed jobs, and
// each follower whose job changed (its updated_at moved) gets the new row. Every statement that
// changes a job's status, progress or message sets updated_at, whichever process runs it, so
// this sees the work of every process on the database, through any pooler, at the cost of one
// query per period per API process (none when nobody follows). A job that passes through a
// state faster than one period is seen in its later state.
import type { Database } from '../db/database.js'
import type { ProcessingJob } from '../generated/prisma/client.js'

export interface JobWatch {
  /**
   * The job's row each time it changes after `since` (its updatedAt, epoch ms, as the caller
   * last saw it), until `signal` aborts (the iteration then ends) or the job no longer exists.
   * The caller stops iterating on a final state.
   */
  changes(id: string, since: number, signal: AbortSignal): AsyncGenerator<ProcessingJob>
  /** How many followers there are now. */
  readonly followers: number
  /** Idempotent; ends every iteration. */
  close(): void
}

/** One followed job: its followers' wake-ups, and its row as last read (null: gone). */
interface Followed {
  wakes: Set<() => void>
  latest?: ProcessingJob | null
}

export function createJobWatch(db: Database, pollMs: number): JobWatch {
  const followed = new Map<string, Followed>()
  let timer: NodeJS.Timeout | undefined
  let closed = false

  const schedule = () => {
    if (!timer && !closed && followed.size > 0) timer = setTimeout(poll, pollMs)
  }

  async function poll(): Promise<void> {
    try {
      const rows = await db.prisma.processingJob.findMany({ where: { id: { in: [...followed.keys()] } } })
      const found = new Map(rows.map((r) => [r.id, r]))
      for (const [id, entry] of followed) {
        entry.latest = found.get(id) ?? null
        for (const wake of entry.wakes) wake()
      }
    } catch {
      // The database is away for a moment: the next period tries again.
    } finally {
      timer = undefined
      schedule()
    }
  }

  return {
    async *changes(id, since, signal) {
      let resolveWake = () => {}
      const wake = () => resolveWake()
      signal.addEventListener('abort', wake, { once: true })
      let entry = followed.get(id)
      if (!entry) {
        entry = { wakes: new Set() }
        followed.set(id, entry)
      }
      entry.wakes.add(wake)
      schedule()
      try {
        while (!signal.aborted && !closed) {
          await new Promise<void>((resolve) => (resolveWake = resolve))
          if (signal.aborted || closed) return
          const row = entry.latest
          if (row === null) return // deleted (retention)
          if (row && row.updatedAt.getTime() > since) {
            since = row.updatedAt.getTime()
            yield row
          }
        }
      } finally {
        signal.removeEventListener('abort', wake)
        entry.wakes.delete(wake)
        if (entry.wakes.size === 0) followed.delete(id)
      }
    },
    get followers() {
      let n = 0
      for (const entry of followed.values()) n += entry.wakes.size
      return n
    },
    close() {
      closed = true
      if (timer) clearTimeout(timer)
      timer = undefined
      for (const entry of followed.values()) for (const wake of entry.wakes) wake()
    },
  }
}
