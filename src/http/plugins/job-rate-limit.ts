// A per-user rate limit on the requests that create jobs (POST /jobs and the job types' own
// routes that say `config: { createsJob: true }`): @fastify/rate-limit, keyed by the
// authenticated user, one count across all those routes, answering 429 with Retry-After in the
// one error shape. Reading routes are not limited.
import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance, preHandlerHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import { TooManyRequestsError } from '../../errors.js'

// config.createsJob is declared with what job types' routes see, in jobs/job-type-context.ts.

export default fp(
  async function jobRateLimit(app: FastifyInstance, opts: { perMinute: number }) {
    await app.register(rateLimit, {
      global: false,
      keyGenerator: (request) => request.caller?.userId ?? request.ip,
      errorResponseBuilder: (_request, context) =>
        new TooManyRequestsError(
          'RATE_LIMITED',
          `at most ${context.max} job-creating requests a minute (JOB_CREATION_PER_MINUTE); try again in ${Math.ceil(context.ttl / 1000)} s`,
          Math.ceil(context.ttl / 1000),
        ),
    })
    // One limiter (one store) shared by every job-creating route. A per-route `rateLimit` config,
    // even with a shared groupId, counts each route apart: the local store makes a child store per
    // route. As a preHandler: after authentication, so the key is the user.
    const limiter = app.rateLimit({ max: opts.perMinute, timeWindow: 60_000 }) as preHandlerHookHandler
    app.addHook('onRoute', (route) => {
      if (!route.config?.createsJob) return
      const existing = route.preHandler ? (Array.isArray(route.preHandler) ? route.preHandler : [route.preHandler]) : []
      route.preHandler = [...existing, limiter]
    })
  },
  { name: 'job-rate-limit', dependencies: ['auth'] },
)
