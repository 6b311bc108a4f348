// The dispatcher's heartbeat, every LEASE_RENEW_MS: renews the leases of the jobs this process
// runs (and learns of cancels whose NOTIFY was missed); stops the jobs whose lease was lost (a
// rescuer took them: their outcome is no longer ours to write); takes back any process's jobs
// whose lease expired. It holds no SQL: the queue is given.
import type { Logger } from 'pino'
import type { JobMetrics } from '../operators/metrics.js'
import type { RescuedJob, WorkerQueue } from '../queue/index.js'
import type { ToThread } from './thread-protocol.js'

export interface HeartbeatDeps {
  queue: Pick<WorkerQueue, 'heartbeat' | 'rescueExpired'>
  /** The jobs this process runs now. */
  running(): string[]
  abort(jobId: string, reason: ToThread['reason']): void
  /** Claim now: jobs were taken back and are QUEUED again. */
  wake(): void
  logger: Logger
  metrics?: JobMetrics | undefined
  /** When true (the database is gone, the process stops), a failed beat is not an error worth logging. */
  quiet(): boolean
  /** A job the rescue ended (FAILED or CANCELLED): its trace is closed here. */
  ended?(job: RescuedJob): void
}

export async function heartbeat(d: HeartbeatDeps): Promise<void> {
  try {
    const ids = d.running()
    if (ids.length > 0) {
      const { renewed, cancelRequested } = await d.queue.heartbeat(ids)
      for (const id of cancelRequested) d.abort(id, 'cancel')
      const still = new Set(d.running())
      const lost = ids.filter((id) => still.has(id) && !renewed.includes(id))
      if (lost.length > 0) d.logger.warn({ jobIds: lost }, 'lease lost for running jobs: stopping them')
      for (const id of lost) d.abort(id, 'lost')
    }
    const rescued = await d.queue.rescueExpired()
    for (const j of rescued) {
      d.logger.warn(
        {
          event: 'job.rescued',
          jobId: j.id,
          type: j.type,
          userId: j.userId,
          status: j.status,
          attempt: j.attempts,
          maxAttempts: j.maxAttempts,
        },
        'took back a job whose lease expired',
      )
      d.metrics?.jobEnded(
        j.type,
        j.status === 'QUEUED' ? 'retried' : j.status === 'FAILED' ? 'failed' : 'cancelled',
        null,
      )
      if (j.status !== 'QUEUED') d.ended?.(j)
    }
    if (rescued.some((j) => j.status === 'QUEUED')) d.wake()
  } catch (err) {
    if (!d.quiet()) d.logger.error({ err }, 'heartbeat failed')
  }
}
