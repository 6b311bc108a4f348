// Liveness (the process answers) and readiness (database reachable, worker pool up, and with an
// identity provider, its keys fetched: stale ones still verify tokens, and say so).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import type { JwksState } from '../../auth/jwks.js'
import type { PoolUse } from '../../execution/pool-use.js'

export interface HealthChecks {
  database(): Promise<void>
  /** null when this node runs no workers. */
  pool: PoolUse
  /** The identity provider's keys, when tokens are verified against them. */
  jwks?: () => JwksState
}

const Health = Type.Object(
  {
    status: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]),
    checks: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { examples: [{ status: 'ok', checks: { database: 'ok', pool: { threads: 2, running: 0 } } }] },
)

const healthRoutes: FastifyPluginAsyncTypebox<{ checks: HealthChecks }> = async (app, { checks }) => {
  app.get('/health/live', { schema: { tags: ['health'], security: [], response: { 200: Health } } }, async () => ({
    status: 'ok' as const,
  }))

  app.get(
    '/health/ready',
    { schema: { tags: ['health'], security: [], response: { 200: Health, 503: Health } } },
    async (_request, reply) => {
      const database = await checks.database().then(
        () => 'ok',
        (err: unknown) => `unreachable: ${err instanceof Error ? err.message : String(err)}`,
      )
      const pool = checks.pool()
      const jwks = checks.jwks?.()
      const ok = database === 'ok' && jwks?.fetchedAt !== null
      return reply.code(ok ? 200 : 503).send({
        status: ok ? 'ok' : 'unavailable',
        checks: { database, pool: pool ?? 'none (API-only node)', ...(jwks ? { jwks } : {}) },
      })
    },
  )
}

export default healthRoutes
