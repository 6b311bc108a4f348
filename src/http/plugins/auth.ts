// Bearer-token authentication. Registering this plugin inside a scope protects every route of
// that scope; `request.caller` is set before the handler runs.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { TokenService } from '../../auth/tokens.js'
import { UnauthorizedError } from '../../errors.js'
import type { Caller } from '../../jobs/job-service.js'

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller
  }
}

export default fp(
  async function auth(app: FastifyInstance, opts: { tokens: TokenService }) {
    app.decorateRequest('caller', null as unknown as Caller)
    app.addHook('onRequest', async (request) => {
      const header = request.headers.authorization
      const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null
      if (!match) throw new UnauthorizedError()
      request.caller = opts.tokens.verify(match[1]!)
    })
  },
  { name: 'auth' },
)
