// One error body everywhere: {statusCode, code, error, message, details?}. 4xx messages are
// shown as they are (they name the problem), and so are 503s (try again later); other 5xx
// messages are logged and hidden.

import { STATUS_CODES } from 'node:http'
import type { FastifyError, FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { ErrorBody } from '../../errors.js'
import { FaenaError, TooManyRequestsError } from '../../errors.js'

interface AjvError {
  instancePath: string
  keyword: string
  message?: string
  params: Record<string, unknown>
}

function validationMessage(err: FastifyError): { message: string; details: unknown } {
  const issues = (err.validation ?? []) as AjvError[]
  const fields = issues.map((v) => {
    const path = v.instancePath.replace(/^\//, '').replaceAll('/', '.')
    const missing = v.params.missingProperty ?? v.params.additionalProperty
    const field =
      [path, missing].filter((x) => typeof x === 'string' && x.length > 0).join('.') ||
      (err.validationContext ?? 'body')
    const message =
      v.keyword === 'additionalProperties'
        ? 'is not a known field'
        : v.keyword === 'required'
          ? 'is required'
          : (v.message ?? 'is invalid')
    return { field, message, in: err.validationContext }
  })
  const first = fields[0]
  return { message: first ? `${first.field}: ${first.message}` : err.message, details: { fields } }
}

export function toErrorBody(err: unknown): ErrorBody {
  if (err instanceof FaenaError) {
    const body: ErrorBody = {
      statusCode: err.statusCode,
      code: err.code,
      error: STATUS_CODES[err.statusCode] ?? 'Error',
      message: err.message,
    }
    if (err.details !== undefined) body.details = err.details
    // A 503 is a passing condition written for the client (the storage is down: try again
    // later); any other 5xx message is internal.
    if (err.statusCode >= 500 && err.statusCode !== 503) body.message = 'internal server error'
    return body
  }
  const fe = err as Partial<FastifyError>
  if (fe.validation) {
    const { message, details } = validationMessage(fe as FastifyError)
    return { statusCode: 400, code: 'VALIDATION_FAILED', error: 'Bad Request', message, details }
  }
  const status = typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500 ? fe.statusCode : 500
  if (status >= 500)
    return { statusCode: 500, code: 'INTERNAL', error: 'Internal Server Error', message: 'internal server error' }
  return {
    statusCode: status,
    code: fe.code ?? 'BAD_REQUEST',
    error: STATUS_CODES[status] ?? 'Error',
    message: fe.message ?? 'bad request',
  }
}

export default fp(
  async function errorHandler(app: FastifyInstance) {
    app.setErrorHandler((err, request, reply) => {
      const body = toErrorBody(err)
      if (err instanceof TooManyRequestsError) reply.header('retry-after', String(err.retryAfterSeconds))
      if (body.statusCode >= 500) request.log.error({ err }, 'request failed')
      else request.log.info({ code: body.code, message: body.message }, 'request rejected')
      return reply.code(body.statusCode).send(body)
    })
    app.setNotFoundHandler((request, reply) => {
      const body: ErrorBody = {
        statusCode: 404,
        code: 'ROUTE_NOT_FOUND',
        error: 'Not Found',
        message: `no route ${request.method} ${request.url.split('?')[0]}`,
      }
      return reply.code(404).send(body)
    })
  },
  { name: 'error-handler' },
)
