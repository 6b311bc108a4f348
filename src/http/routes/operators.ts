// For operators: GET /metrics (Prometheus text; METRICS_TOKEN or a viewer's token) and GET /stats
// (viewer: the queue, the running jobs, the pool, the files kept).

import { timingSafeEqual } from 'node:crypto'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import type { TokenService } from '../../auth/tokens.js'
import { UnauthorizedError } from '../../errors.js'
import type { PoolUse } from '../../execution/pool-use.js'
import { requireRole } from '../../jobs/caller.js'
import type { Metrics } from '../../operators/metrics.js'
import { activeJobs, jobCounts, jobHistory, queueDepth, storedBytes } from '../../queue/stats.js'
import type { Queryable } from '../../queue/types.js'
import { bearerToken } from '../plugins/auth.js'
import { errorResponses } from '../schemas/error.js'

export interface MetricsRouteOptions {
  metrics: Metrics
  tokens: TokenService
  /** A static bearer token for scrapers (METRICS_TOKEN); admins' JWTs are accepted too. */
  metricsToken?: string | undefined
}

export interface StatsRouteOptions {
  db: Queryable
  pool: PoolUse
  workerId: string
}

const tags = ['operators']

export const Stats = Type.Object(
  {
    jobs: Type.Array(Type.Object({ type: Type.String(), status: Type.String(), count: Type.Integer() }), {
      description: 'every kept job, by type and status',
    }),
    jobsExact: Type.Boolean({
      description:
        'false past 100,000 kept jobs: the finished and queued counts in `jobs` are then estimated from a sample (running jobs are always counted)',
    }),
    queue: Type.Array(
      Type.Object({
        type: Type.String(),
        queued: Type.Integer(),
        queuedExact: Type.Boolean({
          description: "false past 10,000 queued jobs of the type: `queued` is then PostgreSQL's estimate",
        }),
        processing: Type.Integer(),
        oldestQueuedSeconds: Type.Number(),
      }),
      { description: 'active jobs by type, and how long the longest-waiting due job has waited' },
    ),
    active: Type.Array(
      Type.Object({
        id: Type.String(),
        type: Type.String(),
        userId: Type.String(),
        progress: Type.Integer(),
        startedAt: Type.Union([Type.String(), Type.Null()]),
        workerId: Type.Union([Type.String(), Type.Null()]),
      }),
      { description: 'running jobs (first 100, oldest first) and the process running each' },
    ),
    pool: Type.Object({
      workerId: Type.String({ description: 'this process' }),
      threads: Type.Integer({ description: "this process's worker threads (0 on an API-only node)" }),
      busy: Type.Integer(),
    }),
    storage: Type.Object(
      {
        byKind: Type.Record(Type.String(), Type.Object({ files: Type.Integer(), bytes: Type.Integer() }), {
          description: 'by the kind each job type gives its files (e.g. upload, report): files written and their bytes',
        }),
        total: Type.Integer(),
      },
      { description: 'bytes of the files faena keeps, as recorded when they were stored' },
    ),
  },
  {
    examples: [
      {
        jobs: [
          { type: 'import-orders', status: 'COMPLETED', count: 12 },
          { type: 'resize-images', status: 'PROCESSING', count: 1 },
        ],
        jobsExact: true,
        queue: [{ type: 'resize-images', queued: 3, queuedExact: true, processing: 1, oldestQueuedSeconds: 4.2 }],
        active: [
          {
            id: '019ae0c2-8d44-7e10-b5a9-3f0c6e7d2a18',
            type: 'resize-images',
            userId: 'alice',
            progress: 54,
            startedAt: '2026-11-22T15:26:31.140Z',
            workerId: 'host-1:4242:1a2b3c4d',
          },
        ],
        pool: { workerId: 'host-1:4242:1a2b3c4d', threads: 2, busy: 1 },
        storage: {
          byKind: {
            upload: { files: 12, bytes: 14332944 },
            thumbnail: { files: 4, bytes: 2048 },
            report: { files: 3, bytes: 1337618 },
          },
          total: 15672610,
        },
      },
    ],
  },
)

/** Outside the JWT scope: scrapers come with METRICS_TOKEN. Served by worker nodes too. */
export const metricsRoutes: FastifyPluginAsyncTypebox<MetricsRouteOptions> = async (app, o) => {
  const scraperToken = o.metricsToken ? Buffer.from(o.metricsToken) : null
  const isScraper = (token: string) => {
    const given = Buffer.from(token)
    return scraperToken !== null && given.length === scraperToken.length && timingSafeEqual(given, scraperToken)
  }

  app.get(
    '/metrics',
    {
      schema: {
        tags,
        summary: 'Prometheus metrics',
        description:
          "Bearer `METRICS_TOKEN` (for scrapers) or a viewer's JWT. This process's job counters, durations, claim latency and pool; the cluster-wide queue depth and oldest queued age; Node's default process metrics.",
        produces: ['text/plain'],
        response: {
          200: Type.String({ examples: ['faena_queue_depth{type="resize-images",status="QUEUED"} 3'] }),
          ...errorResponses(401, 403),
        },
      },
    },
    async (request, reply) => {
      const token = bearerToken(request.headers.authorization)
      if (!token) throw new UnauthorizedError()
      if (!isScraper(token)) requireRole(await o.tokens.verify(token), 'viewer', 'GET /metrics without METRICS_TOKEN')
      return reply.type(o.metrics.contentType).send(await o.metrics.render())
    },
  )
}

/** Inside the JWT scope. */
export const statsRoutes: FastifyPluginAsyncTypebox<StatsRouteOptions> = async (app, o) => {
  app.get(
    '/stats',
    {
      schema: {
        tags,
        summary: 'The queue at a glance (viewer)',
        response: { 200: Stats, ...errorResponses(401, 403) },
      },
    },
    async (request) => {
      requireRole(request.caller, 'viewer', 'GET /stats')
      const [jobs, queue, active, storage] = await Promise.all([
        jobCounts(o.db),
        queueDepth(o.db),
        activeJobs(o.db),
        storedBytes(o.db),
      ])
      const p = o.pool()
      return {
        jobs: jobs.counts,
        jobsExact: jobs.exact,
        queue,
        active,
        pool: { workerId: o.workerId, threads: p?.threads ?? 0, busy: p?.running ?? 0 },
        storage,
      }
    },
  )

  app.get(
    '/stats/history',
    {
      schema: {
        tags,
        summary: 'Jobs created in each recent hour, by the status they have now (viewer)',
        description:
          'One entry per hour (UTC), oldest first, the current hour last; hours without jobs have empty counts. Read from the job table (an index-only scan of the creation-time index): jobs deleted by retention no longer count.',
        querystring: Type.Object({
          hours: Type.Integer({
            minimum: 1,
            maximum: 168,
            default: 24,
            description: 'how many hours back (at most a week)',
            examples: [24],
          }),
        }),
        response: {
          200: Type.Object(
            {
              data: Type.Array(
                Type.Object({
                  hour: Type.String({ format: 'date-time' }),
                  counts: Type.Record(Type.String(), Type.Integer()),
                }),
              ),
            },
            {
              examples: [
                {
                  data: [
                    { hour: '2026-12-02T21:00:00.000Z', counts: { COMPLETED: 120, FAILED: 2 } },
                    { hour: '2026-12-02T22:00:00.000Z', counts: { COMPLETED: 80, QUEUED: 14, PROCESSING: 2 } },
                  ],
                },
              ],
            },
          ),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request) => {
      requireRole(request.caller, 'viewer', 'GET /stats/history')
      return { data: await jobHistory(o.db, request.query.hours) }
    },
  )
}
