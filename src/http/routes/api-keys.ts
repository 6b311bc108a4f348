// /api-keys: service keys for the backends that submit jobs (src/auth/api-keys.ts). Anyone
// signed in with a token makes and revokes their own; an admin sees and revokes everyone's.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import type { ApiKeys } from '../../auth/api-keys.js'
import { errorResponses } from '../schemas/error.js'

const tags = ['api keys']
const Timestamp = Type.String({ format: 'date-time' })
const Nullable = Type.Union([Timestamp, Type.Null()])
const EXAMPLE = {
  id: '3f9c2a71b0d84e65',
  userId: 'webapp',
  name: 'web app backend',
  scopes: ['jobs:submit:resize-images', 'jobs:read'],
  createdAt: '2026-12-08T10:00:00.000Z',
  expiresAt: null,
  revokedAt: null,
}
const fields = {
  id: Type.String(),
  userId: Type.String({ description: 'whom the key acts for' }),
  name: Type.String(),
  scopes: Type.Array(Type.String()),
  createdAt: Timestamp,
  expiresAt: Nullable,
  revokedAt: Nullable,
}
const ApiKey = Type.Object(fields, { examples: [EXAMPLE] })
const NewApiKey = Type.Object(
  { ...fields, key: Type.String({ description: 'fk_<id>_<secret>, shown once' }) },
  { examples: [{ ...EXAMPLE, key: 'fk_3f9c2a71b0d84e65_q8JmV0c7Yt2xN4bKpRz1sW9eLh3uAa6dFgTiOyUvXwE' }] },
)

export interface ApiKeyRouteOptions {
  keys: ApiKeys
}

const apiKeyRoutes: FastifyPluginAsyncTypebox<ApiKeyRouteOptions> = async (app, { keys }) => {
  app.post(
    '/api-keys',
    {
      schema: {
        tags,
        summary: 'Make a service key (shown once)',
        description:
          'The key acts for the caller, within its scopes: `jobs:submit` (any type) or `jobs:submit:<type>`, `jobs:read`, `jobs:act` (cancel, re-run). Send it as `Authorization: Bearer fk_...`. Only its hash is kept: `key` is in this answer and nowhere else.',
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 100 }),
            scopes: Type.Array(Type.String({ maxLength: 100 }), { minItems: 1, maxItems: 20 }),
            expiresAt: Type.Optional(Type.String({ format: 'date-time' })),
          },
          {
            additionalProperties: false,
            examples: [{ name: 'web app backend', scopes: ['jobs:submit:resize-images', 'jobs:read'] }],
          },
        ),
        response: {
          201: NewApiKey,
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request, reply) => reply.code(201).send(await keys.create(request.caller, request.body)),
  )

  app.get(
    '/api-keys',
    {
      schema: {
        tags,
        summary: "The caller's keys (an admin's: everyone's), revoked ones included, without their secrets",
        response: { 200: Type.Array(ApiKey, { examples: [[EXAMPLE]] }), ...errorResponses(401, 403) },
      },
    },
    async (request) => keys.list(request.caller),
  )

  app.delete(
    '/api-keys/:id',
    {
      schema: {
        tags,
        summary: 'Revoke a key: refused from the next request on, on every node',
        params: Type.Object({ id: Type.String({ maxLength: 100, examples: ['3f9c2a71b0d84e65'] }) }),
        response: { 204: Type.Null(), ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await keys.revoke(request.caller, request.params.id)
      return reply.code(204).send(null)
    },
  )
}

export default apiKeyRoutes
