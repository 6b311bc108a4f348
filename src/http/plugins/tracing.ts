// The HTTP request's span (kind server), when traces are on: it continues the caller's trace
// when the request carries a W3C `traceparent` header, and the jobs the request creates continue
// it in turn (request.caller.trace, read by the job service). Traces off: nothing is registered.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { TraceSpan, Tracing } from '../../telemetry/tracing.js'

declare module 'fastify' {
  interface FastifyRequest {
    span: TraceSpan | null
  }
}

const routeOf = (request: FastifyRequest) => request.routeOptions.url ?? '(no route)'

export default fp(
  async function tracing(app: FastifyInstance, opts: { tracing: Tracing }) {
    const { tracing } = opts
    if (!tracing.enabled) return
    app.decorateRequest('span', null)
    app.addHook('onRequest', async (request) => {
      const traceparent = request.headers.traceparent
      request.span = tracing.span(`${request.method} ${routeOf(request)}`, {
        kind: 'server',
        parent: typeof traceparent === 'string' ? traceparent : null,
        attributes: {
          'http.request.method': request.method,
          'http.route': request.routeOptions.url,
          'url.path': request.url.split('?')[0],
          'client.address': request.ip,
          'user_agent.original': request.headers['user-agent'],
        },
      })
    })
    // After authentication (its onRequest hook): the caller's jobs join this request's trace.
    app.addHook('preHandler', async (request) => {
      if (request.span && request.caller) request.caller.trace = request.span.traceparent
    })
    app.addHook('onResponse', async (request, reply) => {
      const span = request.span
      if (!span) return
      span.set({
        'http.response.status_code': reply.statusCode,
        ...(request.caller ? { 'enduser.id': request.caller.userId } : {}),
      })
      if (reply.statusCode >= 500) span.fail(`HTTP_${reply.statusCode}`)
      span.end()
    })
    app.addHook('onRequestAbort', async (request) => {
      request.span?.fail('CLIENT_CLOSED_REQUEST')
      request.span?.end()
    })
  },
  { name: 'tracing' },
)
