// The HTTP application: plugins and routes, no listen (server.ts owns the socket). Everything
// it serves comes in through `deps`, built by the composition root (src/runtime.ts).

import { fastifySSE as sse } from '@fastify/sse'
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyPluginAsync } from 'fastify'
import type { Logger } from 'pino'
import type { TSchema } from 'typebox'
import type { FollowLinks } from '../auth/follow-links.js'
import type { TokenService } from '../auth/tokens.js'
import type { Storage } from '../storage/storage.js'
import { NO_TRACING, type Tracing } from '../telemetry/tracing.js'
import auth from './plugins/auth.js'
import errorHandler from './plugins/error-handler.js'
import jobRateLimit from './plugins/job-rate-limit.js'
import security from './plugins/security.js'
import openapi, { type OpenApiTag } from './plugins/swagger.js'
import tracing from './plugins/tracing.js'
import apiKeyRoutes, { type ApiKeyRouteOptions } from './routes/api-keys.js'
import filesRoutes from './routes/files.js'
import healthRoutes, { type HealthChecks } from './routes/health.js'
import jobActionRoutes, { type JobActionRouteOptions } from './routes/job-actions.js'
import jobTypeRoutes, { type JobTypeRouteOptions } from './routes/job-types.js'
import jobsRoutes, { type JobRouteOptions } from './routes/jobs.js'
import { type MetricsRouteOptions, metricsRoutes, type StatsRouteOptions, statsRoutes } from './routes/operators.js'
import scheduleRoutes, { type ScheduleRouteOptions } from './routes/schedules.js'
import webRoutes, { type WebRouteOptions } from './routes/web.js'
import { ErrorResponse } from './schemas/error.js'
import { jobSchema } from './schemas/job.js'
import { Schedule } from './schemas/schedule.js'
import { validation } from './validation.js'

export interface AppDeps {
  logger: Logger
  /** A server span for each request (traces on), continued by the jobs it creates. */
  tracing?: Tracing
  tokens: TokenService
  /** Follow links: made for created jobs, read on GET /jobs/:id and its events. */
  follow: FollowLinks
  /** Service keys: made and revoked at /api-keys, accepted as bearer tokens. */
  apiKeys: ApiKeyRouteOptions
  /** Where the page is (PUBLIC_URL); unset: the request's own origin. */
  publicUrl?: string | undefined
  jobs: JobRouteOptions
  schedules: ScheduleRouteOptions
  /** Admin: the job types, pausing and resuming them. */
  jobTypes: JobTypeRouteOptions
  /** Admin: actions on many jobs at once. */
  jobActions: JobActionRouteOptions
  health: HealthChecks
  /** Serves signed download links when files are on local disk. */
  localFiles?: { storage: Storage; signingSecret: string }
  /** The job types' own routes (JobTypeServices.routes), in the authenticated scope. */
  jobTypeRoutes?: FastifyPluginAsync[]
  /** Fields job types add to job views (JobTypeServices.view): optional in the Job schema. */
  jobViewProperties?: Record<string, TSchema>
  /** OpenAPI tags the job types' routes use (JobTypeServices.tags). */
  openApiTags?: OpenApiTag[]
  /** Job-creating requests per user per minute (JOB_CREATION_PER_MINUTE). */
  jobCreationPerMinute?: number
  /** Origins a browser may call the API from (CORS_ORIGINS); none by default. */
  corsOrigins?: string[]
  web: WebRouteOptions
  metrics: MetricsRouteOptions
  stats: StatsRouteOptions
  /** Only /health/* and /metrics (a worker node): no API routes, no docs. */
  healthOnly?: boolean
  /** Served over HTTPS (PUBLIC_URL is https://). */
  https?: boolean
  /** Fastify's trustProxy (TRUST_PROXY): whose X-Forwarded-For gives the client's address. */
  trustProxy?: boolean | string[]
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    // pino's Logger and Fastify's logger type differ only in generics.
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: 1024 * 1024,
    requestIdHeader: 'x-request-id',
    genReqId: () => crypto.randomUUID(),
    trustProxy: deps.trustProxy ?? false,
    ...validation,
  })
  app.addSchema(ErrorResponse)
  app.addSchema(jobSchema(deps.jobViewProperties ?? {}))
  app.addSchema(Schedule)
  await app.register(tracing, { tracing: deps.tracing ?? NO_TRACING })
  await app.register(errorHandler)
  await app.register(sse)
  await app.register(security, { corsOrigins: deps.corsOrigins ?? [], https: deps.https ?? false })
  // A worker node (ROLE=worker) answers health checks only.
  if (!deps.healthOnly) await app.register(openapi, { tags: deps.openApiTags ?? [] })
  await app.register(healthRoutes, { checks: deps.health })
  await app.register(metricsRoutes, deps.metrics)
  if (deps.healthOnly) return app
  if (deps.localFiles) await app.register(filesRoutes, deps.localFiles)
  await app.register(webRoutes, deps.web)
  await app.register(async (protectedScope) => {
    await protectedScope.register(auth, {
      tokens: deps.tokens,
      follow: deps.follow,
      keys: deps.apiKeys.keys,
      publicUrl: deps.publicUrl,
    })
    await protectedScope.register(jobRateLimit, { perMinute: deps.jobCreationPerMinute ?? 600 })
    await protectedScope.register(jobsRoutes, deps.jobs)
    await protectedScope.register(scheduleRoutes, deps.schedules)
    for (const routes of deps.jobTypeRoutes ?? []) await protectedScope.register(routes)
    await protectedScope.register(statsRoutes, deps.stats)
    await protectedScope.register(jobTypeRoutes, deps.jobTypes)
    await protectedScope.register(jobActionRoutes, deps.jobActions)
    await protectedScope.register(apiKeyRoutes, deps.apiKeys)
  })
  return app
}
