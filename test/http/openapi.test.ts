// The OpenAPI document: valid OpenAPI 3 by an OpenAPI validator, and every route documents what
// it takes (path parameters, query, body) and what it answers, each with an example.
import { Validator } from '@seriousme/openapi-schema-validator'
import t from 'tap'
import { startTestFaena } from '../support/faena.js'

type Json = Record<string, unknown>
interface Operation {
  parameters?: { in: string; name: string; schema?: Json; example?: unknown; examples?: unknown }[]
  requestBody?: { content: Record<string, { schema?: Json; example?: unknown; examples?: unknown }> }
  responses: Record<string, { content?: Record<string, { schema?: Json; example?: unknown; examples?: unknown }> }>
}

t.test('the OpenAPI document is valid, and every route has request and response schemas with examples', async (t) => {
  const { faena } = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 0 } })
  const spec = (await faena.app.inject('/openapi.json')).json()
  const validator = new Validator()
  const verdict = await validator.validate(structuredClone(spec))
  t.same(verdict.errors ?? [], [], 'no validation errors')
  t.equal(verdict.valid, true, `valid OpenAPI ${validator.version}`)

  const components = spec.components.schemas as Record<string, Json>
  const resolve = (s: Json | undefined): Json | undefined =>
    s && typeof s.$ref === 'string' ? components[s.$ref.split('/').pop()!] : s
  const hasExample = (x: { schema?: Json; example?: unknown; examples?: unknown } | undefined) =>
    x !== undefined && (x.example !== undefined || x.examples !== undefined || resolve(x.schema)?.example !== undefined)

  const problems: string[] = []
  let operations = 0
  for (const [path, ops] of Object.entries(spec.paths as Record<string, Record<string, Operation>>)) {
    for (const [method, op] of Object.entries(ops)) {
      operations++
      const name = `${method.toUpperCase()} ${path}`
      // What it takes.
      const params = op.parameters ?? []
      for (const [, p] of path.matchAll(/\{([^}]+)\}/g)) {
        const param = params.find((x) => x.in === 'path' && x.name === p)
        if (!param?.schema) problems.push(`${name}: path parameter ${p} has no schema`)
        else if (!hasExample(param)) problems.push(`${name}: path parameter ${p} has no example`)
      }
      const query = params.filter((x) => x.in === 'query')
      if (query.length > 0 && !query.some(hasExample)) problems.push(`${name}: no example of its query`)
      if (op.requestBody) {
        const media = Object.entries(op.requestBody.content)
        if (media.length === 0 || media.some(([, m]) => !m.schema))
          problems.push(`${name}: request body without a schema`)
        const examples = media.filter(
          ([, m]) =>
            hasExample(m) ||
            Object.values((resolve(m.schema)?.properties ?? {}) as Record<string, Json>).some(
              (p) => p.example !== undefined,
            ),
        )
        if (examples.length === 0) problems.push(`${name}: no example of its body`)
      }
      // What it answers.
      const answers = Object.entries(op.responses).filter(([code]) => /^[23]/.test(code))
      if (answers.length === 0) problems.push(`${name}: no success answer documented`)
      for (const [code, answer] of answers) {
        for (const [type, media] of Object.entries(answer.content ?? {})) {
          if (!media.schema) problems.push(`${name} ${code} ${type}: no schema`)
          else if (media.schema.format !== 'binary' && !hasExample(media))
            problems.push(`${name} ${code} ${type}: no example`)
        }
      }
      const errors = Object.keys(op.responses).filter((code) => /^4/.test(code))
      if (!path.startsWith('/health') && errors.length === 0) problems.push(`${name}: no error answer documented`)
    }
  }
  t.ok(operations >= 20, `${operations} operations`)
  t.same(problems, [], 'every operation: schemas and examples')
})
