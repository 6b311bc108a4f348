// One dedicated connection per process LISTENing to the queue's channels:
//   faena_jobs    a job became QUEUED (insert trigger, handed back, retried): claim now, or at
//                 the time in the payload (epoch ms) when it is due later
//   faena_cancel  payload = job id whose cancellation was requested
//   faena_webhooks  a job with a callback ended: its webhook is due
// It reconnects with backoff; after a reconnect it reports `onReconnect` because notifications
// sent while it was away are lost (the dispatcher then polls once, and the heartbeat re-reads
// cancel requests).
//
// LISTEN needs a session connection. Through a transaction-mode pooler it is accepted and then
// silently useless: the server connection that ran it goes back to the pooler's pool, and
// nothing reaches our client. So start() first proves that a notification sent from elsewhere
// (`notify`, normally the process's pool) arrives here, on a channel of its own, and reports
// false when it does not: the caller then relies on its poll and heartbeat.
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { endClient } from '../db/database.js'
import type { SqlObject } from '../db/sql-objects.js'
import type { Queryable } from './types.js'

// What wakes the dispatchers (LISTEN faena_jobs): a job becoming QUEUED, on insert or when it
// is handed back or retried. PostgreSQL delivers on commit and folds identical payloads sent in
// one transaction, so a bulk insert wakes each listener once. A job due later (runAt, a retry's
// backoff) says when, so that every dispatcher can wake up at that moment instead of at its
// next poll; due now: ''.
export const queuedNotifyTrigger: SqlObject = {
  name: 'processing_job_queued_notify',
  sql: `
CREATE OR REPLACE FUNCTION faena_notify_queued() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('faena_jobs',
    CASE WHEN NEW.run_at > now() THEN (extract(epoch FROM NEW.run_at) * 1000)::bigint::text ELSE '' END);
  RETURN NULL;
END;
$$;

CREATE OR REPLACE TRIGGER processing_job_queued_notify
  AFTER INSERT OR UPDATE OF status ON processing_job
  FOR EACH ROW WHEN (NEW.status = 'QUEUED')
  EXECUTE FUNCTION faena_notify_queued()`,
}

export const CHANNELS = { jobs: 'faena_jobs', cancel: 'faena_cancel', webhooks: 'faena_webhooks' } as const
/** How long a goodbye to the server may take before the connection is cut. */
const END_WAIT_MS = 1000

export interface NotificationHandlers {
  /** `dueAt`: epoch ms when the job is due later; null when it is due now. */
  onJobQueued(dueAt: number | null): void
  onCancelRequested(jobId: string): void
  onWebhookDue?(): void
  onReconnect(): void
  onError(err: Error): void
}

export interface NotificationListener {
  /**
   * Connects and listens; true once a probe notification sent through `notifier` arrived, false
   * (and nothing left open) when none did within `probeTimeoutMs`: no session connection.
   */
  start(): Promise<boolean>
  /** Idempotent. */
  stop(): Promise<void>
}

export interface ListenerOptions {
  /** Another connection (the process's pool): the probe of start() is sent through it. */
  notifier: Queryable
  probeTimeoutMs?: number
}

export function createNotificationListener(
  url: string,
  handlers: NotificationHandlers,
  opts: ListenerOptions,
): NotificationListener {
  let client: pg.Client | undefined
  let stopped = false
  let retryTimer: NodeJS.Timeout | undefined
  let attempt = 0

  async function connect(): Promise<void> {
    const c = new pg.Client({ connectionString: url })
    c.on('notification', (n) => {
      if (n.channel === CHANNELS.jobs) handlers.onJobQueued(n.payload ? Number(n.payload) : null)
      else if (n.channel === CHANNELS.cancel && n.payload) handlers.onCancelRequested(n.payload)
      else if (n.channel === CHANNELS.webhooks) handlers.onWebhookDue?.()
    })
    c.on('error', (err) => {
      handlers.onError(err)
      void c.end().catch(() => {})
      if (client === c) scheduleReconnect()
    })
    await c.connect()
    await c.query(`LISTEN ${CHANNELS.jobs}; LISTEN ${CHANNELS.cancel}; LISTEN ${CHANNELS.webhooks}`)
    client = c
  }

  /** Whether a notification sent through opts.notifier reaches a new connection to `url`. */
  async function probe(): Promise<boolean> {
    const channel = `faena_probe_${randomBytes(6).toString('hex')}`
    const payload = randomBytes(6).toString('hex')
    const c = new pg.Client({ connectionString: url })
    c.on('error', () => {}) // the outcome is the answer; a broken probe connection is a "no"
    try {
      await c.connect()
      await c.query(`LISTEN ${channel}`)
      let timer: NodeJS.Timeout | undefined
      const heard = new Promise<boolean>((ok) => {
        c.on('notification', (n) => n.channel === channel && n.payload === payload && ok(true))
        timer = setTimeout(() => ok(false), opts.probeTimeoutMs ?? 2000)
      })
      await opts.notifier.query('SELECT pg_notify($1, $2)', [channel, payload])
      const ok = await heard
      clearTimeout(timer)
      return ok
    } finally {
      await endClient(c, END_WAIT_MS)
    }
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
    async start() {
      if (!(await probe())) return false
      await connect()
      return true
    },
    stop: () => {
      stopping ??= (async () => {
        stopped = true
        if (retryTimer) clearTimeout(retryTimer)
        const c = client
        client = undefined
        if (c) await endClient(c, END_WAIT_MS)
      })()
      return stopping
    },
  }
}
