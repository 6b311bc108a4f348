// Delivers completion webhooks. Every node runs one: it claims due events (leased, SKIP LOCKED,
// so nodes share the work), sends up to `concurrency` at once (a slow receiver holds one slot
// for at most the timeout, never the others), and writes each outcome: delivered, or tried
// again after an exponential backoff with jitter, or given up (FAILED) once the next try would
// come later than `maxAgeMs` after the job ended. Woken by NOTIFY faena_webhooks (a job with a
// callback ended) and by its own poll for retries that come due.
import type { Logger } from 'pino'
import type { ProcessingJob } from '../generated/prisma/client.js'
import type { JobView } from '../jobs/job-view.js'
import { fromJsonRow } from '../queue/job-row.js'
import { backoffMs } from '../queue/retry-job.js'
import type { Queryable } from '../queue/types.js'
import { claimDeliveries, type DueDelivery, settleDelivery } from '../queue/webhook-deliveries.js'
import type { StopContext } from '../service.js'
import { jobTraceOf } from '../telemetry/job-trace.js'
import type { Tracing } from '../telemetry/tracing.js'
import { sendWebhook } from './send.js'
import type { SignedHeaders } from './sign.js'

export interface DelivererOptions {
  db: Queryable
  workerId: string
  sign: (id: string, body: string) => SignedHeaders
  /** The job as GET /jobs/:id shows it, from its row as it ended. */
  render: (job: ProcessingJob) => Promise<JobView>
  concurrency: number
  pollMs: number
  timeoutMs: number
  maxAgeMs: number
  retryBaseMs: number
  retryMaxMs: number
  allowPrivate: boolean
  logger: Logger
  /** A span for each attempt, under its job's span; the receiver gets its traceparent. */
  tracing?: Tracing
}

export type Deliverer = ReturnType<typeof createDeliverer>

export function createDeliverer(o: DelivererOptions) {
  // Long enough for an attempt (a slow receiver, a slow write) not to be sent twice at once.
  const leaseMs = 2 * o.timeoutMs + 5000
  const inFlight = new Set<Promise<void>>()
  let timer: NodeJS.Timeout | undefined
  let stopped = false
  let pumping = false
  let again = false
  const stopping = new AbortController()

  async function bodyOf(d: DueDelivery): Promise<string> {
    if (d.body !== null) return d.body
    const data = await o.render(fromJsonRow(d.job))
    return JSON.stringify({ type: d.event, timestamp: d.occurredAt.toISOString(), data })
  }

  async function attempt(d: DueDelivery): Promise<void> {
    let body = d.body ?? ''
    let error: string | null
    const tries = d.attempts + 1
    const trace = jobTraceOf(d.job.trace)
    const span = trace
      ? o.tracing?.span(`webhook ${d.event}`, {
          parent: trace.span,
          kind: 'client',
          attributes: {
            'faena.job.id': d.jobId,
            'faena.webhook.id': d.id,
            'faena.webhook.attempt': tries,
            'http.request.method': 'POST',
            'server.address': new URL(d.url).host,
          },
        })
      : null
    try {
      body = await bodyOf(d)
      const headers = { ...o.sign(d.id, body), ...(span ? { traceparent: span.traceparent } : {}) }
      const sent = await sendWebhook(d.url, headers, body, {
        timeoutMs: o.timeoutMs,
        allowPrivate: o.allowPrivate,
        signal: stopping.signal,
      })
      if (sent.ok) span?.set({ 'http.response.status_code': sent.status })
      error = sent.ok ? null : sent.error
    } catch (err) {
      error = `could not be sent: ${(err as Error).message}`
    }
    if (error !== null) span?.fail('WEBHOOK_ATTEMPT_FAILED', error)
    span?.end()
    const next = error === null ? null : new Date(Date.now() + backoffMs(tries, o.retryBaseMs, o.retryMaxMs))
    const retryAt = next && next.getTime() - d.occurredAt.getTime() <= o.maxAgeMs ? next : null
    const log = { webhookId: d.id, jobId: d.jobId, event: d.event, attempt: tries }
    if (!(await settleDelivery(o.db, o.workerId, d.id, body, error, retryAt))) {
      o.logger.warn(log, 'webhook: lease lost before the outcome was written; another node sends it again')
    } else if (error === null) o.logger.info({ ...log, event: 'webhook.delivered', type: d.event }, 'webhook delivered')
    else if (retryAt) o.logger.warn({ ...log, error, retryAt }, 'webhook attempt failed; trying again later')
    else o.logger.error({ ...log, error }, 'webhook failed: no 2xx answer within WEBHOOK_MAX_AGE_MS; given up')
  }

  /** Claims what is due into free slots until nothing more is due. */
  async function pump(): Promise<void> {
    if (pumping) {
      again = true
      return
    }
    pumping = true
    try {
      do {
        again = false
        while (!stopped && inFlight.size < o.concurrency) {
          const due = await claimDeliveries(o.db, o.workerId, o.concurrency - inFlight.size, leaseMs)
          for (const d of due) {
            const p: Promise<void> = attempt(d)
              .catch((err: unknown) =>
                o.logger.error(
                  { err, webhookId: d.id },
                  'webhook: writing the outcome failed; the lease expires and it is sent again',
                ),
              )
              .finally(() => {
                inFlight.delete(p)
                if (!stopped) void pump()
              })
            inFlight.add(p)
          }
          if (due.length === 0) break
        }
      } while (again && !stopped)
    } catch (err) {
      o.logger.warn({ err }, 'webhook: claiming due deliveries failed; trying again at the next poll')
    } finally {
      pumping = false
    }
  }

  return {
    start(): void {
      if (timer || stopped) return
      timer = setInterval(() => void pump(), o.pollMs)
      timer.unref()
      void pump()
    },
    /** A job with a callback ended (NOTIFY faena_webhooks). */
    wake: () => void pump(),
    /**
     * Stops claiming and interrupts the attempts in flight: each is written as a failed attempt,
     * due again soon, for whichever node comes next (its webhook-id unchanged). With the
     * database gone nothing can be written: their leases expire and another node sends them.
     */
    async stop(how: StopContext = { databaseGone: false }): Promise<void> {
      stopped = true
      if (timer) clearInterval(timer)
      stopping.abort()
      if (!how.databaseGone) await Promise.allSettled([...inFlight])
    },
  }
}
