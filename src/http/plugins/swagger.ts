// OpenAPI 3, generated from the routes' TypeBox schemas: /openapi.json and a docs UI at /docs.
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

export interface OpenApiTag {
  name: string
  description: string
}

export default fp(
  async function openapi(app: FastifyInstance, opts: { tags?: OpenApiTag[] }) {
    await app.register(swagger, {
      // Shared schemas (addSchema with an $id) appear under their own name in components.
      refResolver: {
        buildLocalReference: (json, _base, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`),
      },
      openapi: {
        openapi: '3.0.3',
        info: { title: 'faena', version: '0.1.0', description: 'Long-running jobs: submit, follow, cancel.' },
        components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
        security: [{ bearer: [] }],
        tags: [
          { name: 'jobs', description: 'Submit, follow and cancel jobs' },
          { name: 'schedules', description: 'Recurring jobs: a cron expression in a time zone' },
          { name: 'health', description: 'Liveness and readiness' },
          { name: 'files', description: 'Signed downloads of stored files' },
          ...(opts.tags ?? []),
        ],
      },
    })
    // staticCSP: the UI's pages carry a Content-Security-Policy that lets its own assets run.
    await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true })
    app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())
  },
  { name: 'openapi' },
)
