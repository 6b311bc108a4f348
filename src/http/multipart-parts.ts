// The parts of a multipart request, for the upload routes: a body that cannot be parsed as
// multipart (no boundary, cut short, garbage) is a 400 that says so, not a 500.
import type { FastifyRequest } from 'fastify'
import { ValidationError } from '../errors.js'

type Part = Awaited<ReturnType<FastifyRequest['parts']> extends AsyncIterableIterator<infer P> ? P : never>

export async function* multipartParts(request: FastifyRequest): AsyncGenerator<Part> {
  const parts = request.parts()[Symbol.asyncIterator]()
  for (;;) {
    let next: IteratorResult<Part>
    try {
      next = await parts.next()
    } catch (err) {
      const status = (err as { statusCode?: unknown }).statusCode
      if (typeof status === 'number' && status < 500) throw err // the plugin's own 4xx (too large, ...)
      throw new ValidationError(`the multipart body is malformed: ${(err as Error).message}`)
    }
    if (next.done) return
    yield next.value
  }
}
