// Polling clients ask for the same few jobs over and over (a page open per job, a CLI, a
// script): answer reads of one job from a read made within the last `ttlMs`, and share one
// read among requests that arrive while it is in flight. A job's progress is written at most
// every PROGRESS_FLUSH_MS anyway, so a view up to that old shows nothing a fresh read would
// not have shown a moment earlier. Changes made through this process (a cancel) drop the entry.

export interface RecentReads<T> {
  get(id: string, read: () => Promise<T>): Promise<T>
  forget(id: string): void
}

const MAX_ENTRIES = 10_000

export function recentReads<T>(ttlMs: number): RecentReads<T> {
  const entries = new Map<string, { at: number; value: Promise<T> }>()
  return {
    get(id, read) {
      if (ttlMs <= 0) return read()
      const now = performance.now()
      const hit = entries.get(id)
      if (hit && now - hit.at < ttlMs) return hit.value
      if (entries.size >= MAX_ENTRIES) {
        for (const [k, e] of entries) if (now - e.at >= ttlMs) entries.delete(k)
        if (entries.size >= MAX_ENTRIES) entries.clear()
      }
      const value = read()
      entries.set(id, { at: now, value })
      value.catch(() => entries.delete(id))
      return value
    },
    forget: (id) => void entries.delete(id),
  }
}
