// GET /files/<key>?expires=&name=&sig=: downloads for the local storage driver. The signature
// is the credential (no bearer token: links are handed to browsers); it expires.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { FaenaError } from '../../errors.js'
import { contentDisposition, type Storage } from '../../storage/storage.js'
import { verify } from '../../storage/url-signature.js'
import { errorResponses } from '../schemas/error.js'

const Query = Type.Object({
  expires: Type.Integer({ minimum: 0, maximum: 2 ** 31, description: 'epoch seconds', examples: [1795362691] }),
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 255, examples: ['orders_2026-03.xlsx'] })),
  sig: Type.String({ minLength: 1, maxLength: 128 }),
})

const Params = Type.Object({
  '*': Type.String({
    description: 'the storage key',
    examples: ['reports/019ae0c2-8d44-7e10-b5a9-3f0c6e7d2a18/orders_2026-03.xlsx'],
  }),
})

const filesRoutes: FastifyPluginAsyncTypebox<{ storage: Storage; signingSecret: string }> = async (
  app,
  { storage, signingSecret },
) => {
  app.get(
    '/files/*',
    {
      schema: {
        tags: ['files'],
        summary: 'Download a stored file through a signed, expiring link',
        security: [],
        params: Params,
        querystring: Query,
        response: {
          200: {
            description: 'the file',
            content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
          },
          ...errorResponses(400, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const key = request.params['*']
      const { expires, name, sig } = request.query
      const verdict = verify(signingSecret, { key, expires, name }, sig)
      if (verdict === 'expired')
        throw new FaenaError('LINK_EXPIRED', 'this download link has expired; ask for a new one', 403)
      if (verdict !== 'ok') throw new FaenaError('LINK_INVALID', 'this download link is not valid', 403)
      const size = await storage.size(key)
      const stream = await storage.get(key)
      if (name) reply.header('content-disposition', contentDisposition(name))
      if (size !== null) reply.header('content-length', size)
      // The type provider reads the documented binary body as a string; a stream is what goes out.
      return reply.type('application/octet-stream').send(stream as unknown as string)
    },
  )
}

export default filesRoutes
