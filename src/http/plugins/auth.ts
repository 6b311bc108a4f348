// Bearer-token authentication. Registering this plugin inside a scope protects every route of
// that scope; `request.caller` is set before the handler runs.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { TokenService } from '../../auth/tokens.js'
import { UnauthorizedError } from '../../errors.js'
import type { Caller } from '../../jobs/caller.js'

// request.caller is declared with what job types' routes see, in jobs/job-type-context.ts.

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(header: string | undefined): string | null {
  return (typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header)?.[1] : undefined) ?? null
}

export default fp(
  async function auth(app: FastifyInstance, opts: { tokens: TokenService }) {
    app.decorateRequest('caller', null as unknown as Caller)
    app.addHook('onRequest', async (request) => {
      const token = bearerToken(request.headers.authorization)
      if (!token) throw new UnauthorizedError()
      request.caller = await opts.tokens.verify(token)
    })
  },
  { name: 'auth' },
)
