// TypeBox's errors as the fields a client sent: one entry per offending field, named like
// `parameters.steps` (under a prefix) or `columns.0` (at the top level).

interface SchemaError {
  keyword: string
  instancePath: string
  message: string
  params: unknown
}

export interface FieldError {
  field: string
  message: string
}

export function fieldErrors(errors: Iterable<SchemaError>, prefix = ''): FieldError[] {
  return [...errors].flatMap((e) => toFieldErrors(e, prefix))
}

function toFieldErrors(e: SchemaError, prefix: string): FieldError[] {
  const name = (...parts: string[]) => [prefix, ...parts].filter(Boolean).join('.') || '(body)'
  const at = e.instancePath.split('/').filter(Boolean)
  const params = e.params as { additionalProperties?: string[]; requiredProperties?: string[] }
  if (e.keyword === 'boolean') return [] // repeated by the additionalProperties error
  if (e.keyword === 'required' && params.requiredProperties) {
    return params.requiredProperties.map((p) => ({ field: name(...at, p), message: 'is required' }))
  }
  if (e.keyword === 'additionalProperties' && params.additionalProperties) {
    return params.additionalProperties.map((p) => ({ field: name(...at, p), message: 'is not a known field' }))
  }
  return [{ field: name(...at), message: e.message }]
}
