// Request validation: TypeBox schemas checked by Ajv. Values in URLs and headers are text, so
// there "10" may become the integer 10; a JSON body is checked exactly as sent: `true`, `[1]`
// or `1e308` where a string is expected is a 400, not quietly turned into "true", "1", "1e+308".
import { AjvCompiler, type ValidatorFactory } from '@fastify/ajv-compiler'
import type { FastifyServerOptions } from 'fastify'

// The compiler pool's real shapes (its published types describe another signature).
type RouteSchema = { schema: unknown; method: string; url: string; httpPart?: string }
type BuildValidator = (
  externalSchemas: unknown,
  options: { customOptions?: Record<string, unknown> },
) => (route: RouteSchema) => unknown

const compilers = AjvCompiler() as unknown as BuildValidator

const buildValidator: BuildValidator = (externalSchemas, options) => {
  const coercing = compilers(externalSchemas, options)
  const exact = compilers(externalSchemas, {
    ...options,
    customOptions: { ...options.customOptions, coerceTypes: false },
  })
  return (route) => (route.httpPart === 'body' ? exact : coercing)(route)
}

export const validation: Pick<FastifyServerOptions, 'ajv' | 'schemaController'> = {
  ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
  schemaController: { compilersFactory: { buildValidator: buildValidator as unknown as ValidatorFactory } },
}
