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
   * The job's row now, then each time it changes, until `signal` aborts (the iteration then
   * ends) or the job no longer exists. The caller stops iterating on a final state.
   */
  changes(id: string, signal: AbortSignal): AsyncGenerator<ProcessingJob>
  /** How many followers there are now. */
  readonly followers: number
  /** Idempotent; ends every iteration. */
  close(): void
}

interface Follower {
  seen: number
  wake: () => void
}

export function createJobWatch(db: Database, pollMs: number): JobWatch {
  const followed = new Map<string, Set<Follower>>()
  const latest = new Map<string, ProcessingJob | null>()
  let timer: NodeJS.Timeout | undefined
  let closed = false
  let count = 0

  const schedule = () => {
    if (!timer && !closed && followed.size > 0) timer = setTimeout(poll, pollMs)
  }

  async function poll(): Promise<void> {
    try {
      const ids = [...followed.keys()]
      const rows = await db.prisma.processingJob.findMany({ where: { id: { in: ids } } })
      const found = new Map(rows.map((r) => [r.id, r]))
      for (const id of ids) {
        latest.set(id, found.get(id) ?? null)
        for (const f of followed.get(id) ?? []) f.wake()
      }
    } catch {
      // The database is away for a moment: the next period tries again.
    } finally {
      timer = undefined
      schedule()
    }
  }

  return {
    async *changes(id, signal) {
      const first = await db.prisma.processingJob.findUnique({ where: { id } })
      if (!first) return
      yield first
      let wake = () => {}
      const follower: Follower = { seen: first.updatedAt.getTime(), wake: () => wake() }
      const stop = () => follower.wake()
      signal.addEventListener('abort', stop, { once: true })
      let set = followed.get(id)
      if (!set) followed.set(id, (set = new Set()))
      set.add(follower)
      count++
      schedule()
      try {
        while (!signal.aborted && !closed) {
          await new Promise<void>((resolve) => (wake = resolve))
          if (signal.aborted || closed) return
          const row = latest.get(id)
          if (row === null) return // deleted (retention)
          if (row && row.updatedAt.getTime() > follower.seen) {
            follower.seen = row.updatedAt.getTime()
            yield row
          }
        }
      } finally {
        signal.removeEventListener('abort', stop)
        count--
        set.delete(follower)
        if (set.size === 0) {
          followed.delete(id)
          latest.delete(id)
        }
      }
    },
    get followers() {
      return count
    },
    close() {
      closed = true
      if (timer) clearTimeout(timer)
      timer = undefined
      for (const set of followed.values()) for (const f of set) f.wake()
    },
  }
}
