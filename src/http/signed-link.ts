// Answers with a freshly signed download link: a 302 to it, or, for a client that asks for
// JSON (Accept: application/json; a page's fetch cannot read a redirect's Location), 200 with
// the link and its expiry.
import type { FastifyReply, FastifyRequest } from 'fastify'
import Type from 'typebox'
import type { SignedUrl } from '../storage/storage.js'

export const SignedLink = Type.Object(
  {
    url: Type.String({ description: 'downloads the file without other credentials until expiresAt' }),
    expiresAt: Type.String({ format: 'date-time' }),
  },
  {
    description: 'with Accept: application/json, instead of the 302',
    examples: [
      {
        url: 'http://localhost:3000/files/reports/019ae0c2-8d44-7e10-b5a9-3f0c6e7d2a18/orders_2026-03.xlsx?expires=1795362691&name=orders_2026-03.xlsx&sig=4q2n…',
        expiresAt: '2026-11-22T15:41:32.000Z',
      },
    ],
  },
)

export const signedLinkResponses = { 200: SignedLink, 302: Type.Null({ description: 'Location: the signed link' }) }

export function sendSignedLink(request: FastifyRequest, reply: FastifyReply, link: SignedUrl) {
  if (/\bapplication\/json\b/.test(request.headers.accept ?? ''))
    return reply.send({ url: link.url, expiresAt: link.expiresAt.toISOString() })
  return reply.redirect(link.url, 302)
}
