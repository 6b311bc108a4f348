// Bearer-token authentication. Registering this plugin inside a scope protects every route of
// that scope; `request.caller` is set before the handler runs. A follow link's token (fl_...)
// reads its own job only: GET /jobs/:id and its events, as the job's owner, nothing else.
// `request.followUrl(jobId, owner)` makes one, for the routes that create jobs.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { FOLLOW_PREFIX, type FollowLinks } from '../../auth/follow-links.js'
import type { TokenService } from '../../auth/tokens.js'
import { UnauthorizedError } from '../../errors.js'
import type { Caller } from '../../jobs/caller.js'

// request.caller is declared with what job types' routes see, in jobs/job-type-context.ts.

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(header: string | undefined): string | null {
  return (typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header)?.[1] : undefined) ?? null
}

/** The routes a follow link reads, its job's id in `:id`. */
const FOLLOWED = new Set(['/jobs/:id', '/jobs/:id/events'])

export default fp(
  async function auth(
    app: FastifyInstance,
    opts: { tokens: TokenService; follow: FollowLinks; publicUrl?: string | undefined },
  ) {
    app.decorateRequest('caller', null as unknown as Caller)
    app.decorateRequest('followUrl', null as unknown as FastifyRequest['followUrl'])
    app.addHook('onRequest', async (request) => {
      const token = bearerToken(request.headers.authorization)
      if (!token) throw new UnauthorizedError()
      if (token.startsWith(FOLLOW_PREFIX)) {
        const link = opts.follow.verify(token)
        const { id } = request.params as { id?: string }
        if (!link || request.method !== 'GET' || !FOLLOWED.has(request.routeOptions.url ?? '') || id !== link.jobId)
          throw new UnauthorizedError()
        request.caller = { userId: link.userId, admin: false }
        return
      }
      request.caller = await opts.tokens.verify(token)
      const base = opts.publicUrl ?? `${request.protocol}://${request.host}`
      request.followUrl = (jobId, userId) =>
        `${base.replace(/\/$/, '')}/#follow=${opts.follow.sign({ jobId, userId }).token}`
    })
  },
  { name: 'auth' },
)
