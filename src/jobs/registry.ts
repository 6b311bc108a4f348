// The job-type registry: a plain typed map from job type to its parameter schema, its processor
// module and its defaults. Adding a job type = one processor file + one entry (job-types.ts).
import type { TSchema } from 'typebox'
import { Compile } from 'typebox/compile'
import { fieldErrors } from '../schema-errors.js'
import Value from 'typebox/value'
import { ValidationError } from '../errors.js'

export type Priority = 'HIGH' | 'NORMAL' | 'LOW'

export interface JobTypeDefinition {
  /** TypeBox schema of the job's `parameters`. */
  parameters: TSchema
  /** The processor module (compiled .js); its default export is the Processor. */
  processor: URL
  description?: string
  defaults?: { priority?: Priority; maxAttempts?: number; timeoutMs?: number }
  /** Longest timeout a job may ask for (its `timeoutMs`); 6 hours unless set. */
  maxTimeoutMs?: number
  /** Set when jobs of this type are submitted through their own route (e.g. an upload), not POST /jobs. */
  submittedThrough?: string
  /**
   * Young generation (MB) of the worker threads that run this type, when the default
   * (WORKER_YOUNG_GENERATION_MB in execution/worker-pool.ts) does not suit it. Such jobs run on
   * threads of their own, with that size.
   */
  youngGenerationMb?: number
}

export interface JobRegistry {
  types(): string[]
  has(type: string): boolean
  describe(type: string): JobTypeDefinition | undefined
  /** Applies the schema's defaults and returns the parameters, or throws a 400 naming the field. */
  validate(type: string, parameters: unknown): unknown
}

export function createRegistry(definitions: Record<string, JobTypeDefinition>): JobRegistry {
  const compiled = new Map(Object.entries(definitions).map(([type, def]) => [type, { def, check: Compile(def.parameters) }]))
  const known = () => [...compiled.keys()].sort()
  return {
    types: known,
    has: (type) => compiled.has(type),
    describe: (type) => compiled.get(type)?.def,
    validate(type, parameters) {
      const entry = compiled.get(type)
      if (!entry) {
        throw new ValidationError(`type: unknown job type "${type}"; known types: ${known().join(', ')}`, {
          field: 'type',
          known: known(),
        })
      }
      const value = Value.Default(entry.def.parameters, Value.Clone(parameters ?? {}))
      const fields = fieldErrors(entry.check.Errors(value), 'parameters')
      if (fields.length > 0) {
        const first = fields[0]!
        throw new ValidationError(`${first.field}: ${first.message}`, { fields })
      }
      return value
    },
  }
}
