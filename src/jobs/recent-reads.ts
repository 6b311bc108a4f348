// Polling clients ask for the same few jobs over and over (a page open per job, a CLI, a
// script): answer reads of one job from a read made within the last `ttlMs`, and share one
// read among requests that arrive while it is in flight (lru-cache's fetch). A job's progress
// is written at most every PROGRESS_FLUSH_MS anyway, so a view up to that old shows nothing a
// fresh read would not have shown a moment earlier. Changes made through this process (a
// cancel) drop the entry; a failed read is not kept.
import { LRUCache } from 'lru-cache'

export interface RecentReads<T> {
  get(id: string, read: () => Promise<T>): Promise<T>
  forget(id: string): void
}

const MAX_ENTRIES = 10_000

export function recentReads<T>(ttlMs: number): RecentReads<T> {
  if (ttlMs <= 0) return { get: (_id, read) => read(), forget: () => {} }
  // Boxed: the cache keeps no undefined or null values, and a job that is not there is null.
  const cache = new LRUCache<string, { value: T }, () => Promise<T>>({
    max: MAX_ENTRIES,
    ttl: ttlMs,
    fetchMethod: async (_id, _stale, { context }) => ({ value: await context() }),
    // forget() during a read: that read still answers its callers, and is not kept.
    ignoreFetchAbort: true,
  })
  return {
    get: async (id, read) => (await cache.fetch(id, { context: read }))!.value,
    forget: (id) => void cache.delete(id),
  }
}
