// OpenAPI 3, generated from the routes' TypeBox schemas: /openapi.json and a docs UI at /docs.
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

export default fp(async function openapi(app: FastifyInstance) {
  await app.register(swagger, {
    // Shared schemas (addSchema with an $id) appear under their own name in components.
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    openapi: {
      openapi: '3.0.3',
      info: { title: 'faena', version: '0.1.0', description: 'Long-running jobs: submit, follow, cancel.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      security: [{ bearer: [] }],
      tags: [
        { name: 'jobs', description: 'Submit, follow and cancel jobs' },
        { name: 'health', description: 'Liveness and readiness' },
        { name: 'dkt', description: 'Card-statement (DKT) imports and their lotes' },
        { name: 'reports', description: 'KPI exports and downloads of produced files' },
        { name: 'files', description: 'Signed downloads of stored files' },
      ],
    },
  })
  // staticCSP: the UI's pages carry a Content-Security-Policy that lets its own assets run.
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true })
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())
}, { name: 'openapi' })
