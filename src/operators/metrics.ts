// Prometheus metrics (prom-client), one registry per faena. Counters and histograms are this
// process's own (sum them across processes); the queue gauges are read from PostgreSQL at each
// scrape, so every process reports the same cluster-wide depth.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'
import type { PoolUse } from '../execution/pool-use.js'
import { queueDepth } from '../queue/stats.js'
import type { Queryable } from '../queue/types.js'

/** How a job's run ended, as counted: `retried` is an attempt that failed and will run again. */
export type JobOutcome = 'completed' | 'failed' | 'cancelled' | 'retried'

export interface JobMetrics {
  jobCreated(type: string): void
  /** `seconds`: from start to end of the attempt; null for a job cancelled before it started. */
  jobEnded(type: string, outcome: JobOutcome, seconds: number | null): void
  claimed(seconds: number): void
}

export interface Metrics extends JobMetrics {
  readonly contentType: string
  /** The text exposition, with the queue gauges read now. */
  render(): Promise<string>
}

export function createMetrics(db: Queryable, pool: PoolUse): Metrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  const created = new Counter({
    name: 'faena_jobs_created_total',
    help: 'Jobs accepted by this process, by type',
    labelNames: ['type'],
    registers: [registry],
  })
  const ended = new Counter({
    name: 'faena_jobs_ended_total',
    help: 'Job attempts ended by this process, by type and outcome (completed, failed, cancelled, retried)',
    labelNames: ['type', 'outcome'],
    registers: [registry],
  })
  const duration = new Histogram({
    name: 'faena_job_duration_seconds',
    help: 'Run time of job attempts, by type and outcome',
    labelNames: ['type', 'outcome'],
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600],
    registers: [registry],
  })
  const claim = new Histogram({
    name: 'faena_claim_duration_seconds',
    help: 'Time of one claim of queued jobs (one SQL statement, any number of jobs)',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  })
  const depth = new Gauge({
    name: 'faena_queue_depth',
    help: 'Jobs by type and status (QUEUED, PROCESSING), cluster-wide',
    labelNames: ['type', 'status'],
    registers: [registry],
  })
  const oldest = new Gauge({
    name: 'faena_queue_oldest_age_seconds',
    help: 'How long the longest-waiting due QUEUED job has waited, by type, cluster-wide',
    labelNames: ['type'],
    registers: [registry],
  })
  const threads = new Gauge({
    name: 'faena_pool_threads',
    help: "This process's worker threads",
    registers: [registry],
  })
  const busy = new Gauge({
    name: 'faena_pool_threads_busy',
    help: "This process's worker threads running a job",
    registers: [registry],
  })

  return {
    contentType: registry.contentType,
    jobCreated: (type) => created.inc({ type }),
    jobEnded(type, outcome, seconds) {
      ended.inc({ type, outcome })
      if (seconds !== null) duration.observe({ type, outcome }, seconds)
    },
    claimed: (seconds) => claim.observe(seconds),
    async render() {
      const rows = await queueDepth(db)
      depth.reset()
      oldest.reset()
      for (const r of rows) {
        depth.set({ type: r.type, status: 'QUEUED' }, r.queued)
        depth.set({ type: r.type, status: 'PROCESSING' }, r.processing)
        oldest.set({ type: r.type }, r.oldestQueuedSeconds)
      }
      const p = pool()
      threads.set(p?.threads ?? 0)
      busy.set(p?.running ?? 0)
      return registry.metrics()
    },
  }
}
