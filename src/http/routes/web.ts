// The web pages (web/ at the top of the project): the user page at / (index.html, app.js) and
// the operators' console at /admin (admin.html, admin.js), and, where the JWT secret was
// generated for development (no JWT_SECRET), a development token the pages offer so that a
// fresh `npm start` can be tried at once (asked from the same machine only).

import { fileURLToPath } from 'node:url'
import fastifyStatic from '@fastify/static'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import type { TokenService } from '../../auth/tokens.js'
import { NotFoundError } from '../../errors.js'
import { errorResponses } from '../schemas/error.js'

/** From dist/src/http/routes (compiled) or src/http/routes: the project's web/. */
const WEB_ROOT = fileURLToPath(
  new URL(import.meta.url.includes('/dist/') ? '../../../../web/' : '../../../web/', import.meta.url),
)

/** The browser build of eventsource-parser, from its package (no bundler). */
const EVENTSOURCE_PARSER = fileURLToPath(new URL('./', import.meta.resolve('eventsource-parser/stream')))

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1'])

export interface WebRouteOptions {
  tokens: TokenService
  /** The user a development token is for; null: no development token (JWT_SECRET is set). */
  devTokenUser: string | null
}

const webRoutes: FastifyPluginAsyncTypebox<WebRouteOptions> = async (app, o) => {
  await app.register(fastifyStatic, {
    root: WEB_ROOT,
    prefix: '/',
    index: 'index.html',
    wildcard: false,
    schemaHide: true,
  })
  await app.register(fastifyStatic, {
    root: EVENTSOURCE_PARSER,
    prefix: '/vendor/eventsource-parser/',
    allowedPath: (path) => /^\/(index|stream)\.js$/.test(path),
    wildcard: false,
    decorateReply: false,
    schemaHide: true,
  })
  app.get('/admin', { schema: { hide: true } }, (_request, reply) => reply.sendFile('admin.html'))
  app.get(
    '/dev-token',
    {
      schema: {
        tags: ['web'],
        summary: 'A token for the development user (only where JWT_SECRET is not set)',
        description:
          'Offered by the pages on a fresh `npm start`, to requests from the same machine only; 404 wherever JWT_SECRET is set (production requires it) and to other machines. `admin=true`: an admin token for the console at /admin.',
        querystring: Type.Object({
          admin: Type.Optional(
            Type.Boolean({ default: false, description: 'an admin token, for the console', examples: [true] }),
          ),
        }),
        response: {
          200: Type.Object(
            { token: Type.String(), userId: Type.String() },
            { examples: [{ token: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJkZXYifQ.…', userId: 'dev' }] },
          ),
          ...errorResponses(404),
        },
      },
    },
    async (request) => {
      // Only to this machine: a development server listens on every interface by default.
      if (!o.devTokenUser || !LOOPBACK.has(request.socket.remoteAddress ?? ''))
        throw new NotFoundError('route', 'GET /dev-token')
      return {
        token: o.tokens.sign(o.devTokenUser, { admin: request.query.admin === true, expiresInSeconds: 12 * 3600 }),
        userId: o.devTokenUser,
      }
    },
  )
}

export default webRoutes
