// One dedicated connection per process LISTENing to the queue's channels:
//   faena_jobs    a job became QUEUED (insert trigger, handed back, retried): claim now, or at
//                 the time in the payload (epoch ms) when it is due later
//   faena_cancel  payload = job id whose cancellation was requested
// It reconnects with backoff; after a reconnect it reports `onReconnect` because notifications
// sent while it was away are lost (the dispatcher then polls once, and the heartbeat re-reads
// cancel requests). Needs a session connection: not through a transaction-mode pooler.
import pg from 'pg'

export const CHANNELS = { jobs: 'faena_jobs', cancel: 'faena_cancel' } as const

export interface NotificationHandlers {
  /** `dueAt`: epoch ms when the job is due later; null when it is due now. */
  onJobQueued(dueAt: number | null): void
  onCancelRequested(jobId: string): void
  onReconnect(): void
  onError(err: Error): void
}

export interface NotificationListener {
  start(): Promise<void>
  /** Idempotent. */
  stop(): Promise<void>
}

export function createNotificationListener(url: string, handlers: NotificationHandlers): NotificationListener {
  let client: pg.Client | undefined
  let stopped = false
  let retryTimer: NodeJS.Timeout | undefined
  let attempt = 0

  async function connect(): Promise<void> {
    const c = new pg.Client({ connectionString: url })
    c.on('notification', (n) => {
      if (n.channel === CHANNELS.jobs) handlers.onJobQueued(n.payload ? Number(n.payload) : null)
      else if (n.channel === CHANNELS.cancel && n.payload) handlers.onCancelRequested(n.payload)
    })
    c.on('error', (err) => {
      handlers.onError(err)
      void c.end().catch(() => {})
      if (client === c) scheduleReconnect()
    })
    await c.connect()
    await c.query(`LISTEN ${CHANNELS.jobs}; LISTEN ${CHANNELS.cancel}`)
    client = c
  }

  function scheduleReconnect(): void {
    client = undefined
    if (stopped || retryTimer) return
    const delay = Math.min(30_000, 100 * 2 ** attempt++)
    retryTimer = setTimeout(() => {
      retryTimer = undefined
      connect().then(
        () => {
          attempt = 0
          handlers.onReconnect()
        },
        (err: unknown) => {
          handlers.onError(err instanceof Error ? err : new Error(String(err)))
          scheduleReconnect()
        },
      )
    }, delay)
  }

  let stopping: Promise<void> | undefined
  return {
    start: connect,
    stop: () => {
      stopping ??= (async () => {
        stopped = true
        if (retryTimer) clearTimeout(retryTimer)
        const c = client
        client = undefined
        await c?.end().catch(() => {})
      })()
      return stopping
    },
  }
}
