// Bearer-token authentication. Registering this plugin inside a scope protects every route of
// that scope; `request.caller` is set before the handler runs. A follow link's token (fl_...)
// reads its own job only: GET /jobs/:id and its events, as the job's owner, nothing else.
// `request.followUrl(jobId, owner)` makes one, for the routes that create jobs.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { type ApiKeys, KEY_PREFIX } from '../../auth/api-keys.js'
import { FOLLOW_PREFIX, type FollowLinks } from '../../auth/follow-links.js'
import type { TokenService } from '../../auth/tokens.js'
import { ForbiddenError, UnauthorizedError } from '../../errors.js'
import { type Caller, requireScope } from '../../jobs/caller.js'

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
    opts: { tokens: TokenService; follow: FollowLinks; keys: ApiKeys; publicUrl?: string | undefined },
  ) {
    app.decorateRequest('caller', null as unknown as Caller)
    // One method for every request, not a closure made per request: most never create a job.
    app.decorateRequest('followUrl', function followUrl(this: FastifyRequest, jobId: string, userId: string) {
      const base = opts.publicUrl ?? `${this.protocol}://${this.host}`
      return `${base.replace(/\/$/, '')}/#follow=${opts.follow.sign({ jobId, userId }).token}`
    })
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
      if (token.startsWith(KEY_PREFIX)) {
        request.caller = await opts.keys.verify(token)
        checkKeyScope(request)
      } else request.caller = await opts.tokens.verify(token)
    })
  },
  { name: 'auth' },
)

/**
 * What a service key may reach: reads with jobs:read, job-creating routes with a jobs:submit
 * scope (its type is checked when the job is made), any other action with jobs:act; keys are
 * managed with a person's token only.
 */
function checkKeyScope(request: FastifyRequest): void {
  const route = request.routeOptions.url ?? ''
  if (route.startsWith('/api-keys')) throw new ForbiddenError('service keys are managed with a token, not a key')
  if (request.method === 'GET' || request.method === 'HEAD') requireScope(request.caller, 'jobs:read')
  else if (!request.routeOptions.config.createsJob) requireScope(request.caller, 'jobs:act')
  else if (!request.caller.scopes?.some((s) => s === 'jobs:submit' || s.startsWith('jobs:submit:')))
    throw new ForbiddenError('this key needs the scope jobs:submit')
}
