// Security headers on every answer (helmet's defaults: a strict Content-Security-Policy,
// nosniff, frame denial, HSTS...) and CORS, off unless CORS_ORIGINS names the origins a
// browser may call this API from. helmet's default headers do not depend on the request, so
// they are computed once at start and set as they are: per request, helmet cost about a sixth
// of the API's throughput under polling load (bench:http).
import type { IncomingMessage, ServerResponse } from 'node:http'
import cors from '@fastify/cors'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import helmet from 'helmet'

export interface SecurityOptions {
  /** Origins allowed to call the API from a browser; empty = no CORS headers at all. */
  corsOrigins: string[]
  /**
   * Served over HTTPS (PUBLIC_URL is https): the CSP then tells browsers to upgrade insecure
   * requests. Over plain HTTP that directive would send the page's own scripts to an https://
   * that does not answer (on any address but localhost), so it is left out.
   */
  https: boolean
}

/** The headers helmet's defaults set, captured from one run of its middleware. */
export function helmetHeaders(opts: { https: boolean }): Record<string, string> {
  const headers: Record<string, string> = {}
  const res = {
    setHeader: (name: string, value: unknown) => {
      headers[name.toLowerCase()] = String(value)
    },
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
  }
  let ran = false
  const csp = opts.https ? {} : { contentSecurityPolicy: { directives: { 'upgrade-insecure-requests': null } } }
  helmet(csp)({} as IncomingMessage, res as unknown as ServerResponse, () => (ran = true))
  if (!ran) throw new Error('helmet did not run synchronously: its headers cannot be computed once')
  return headers
}

export default fp(
  async function security(app: FastifyInstance, opts: SecurityOptions) {
    const headers = helmetHeaders({ https: opts.https })
    app.addHook('onRequest', (_request, reply, done) => {
      reply.headers(headers)
      done()
    })
    if (opts.corsOrigins.length > 0) {
      await app.register(cors, {
        origin: opts.corsOrigins.includes('*') ? '*' : opts.corsOrigins,
        methods: ['GET', 'POST', 'DELETE'],
        allowedHeaders: ['authorization', 'content-type', 'idempotency-key', 'x-request-id'],
        exposedHeaders: ['location', 'x-request-id'],
        maxAge: 600,
      })
    }
  },
  { name: 'security' },
)
