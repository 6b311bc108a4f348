// The job-type registry: a typed map from job type to its definition. A job type is a plugin:
// everything the core needs to know about it is in its definition, which carries its name. The
// built-in ones are listed in src/job-types/index.ts; others come from outside the tree
// (FAENA_JOB_TYPES, load-job-types.ts, or startFaena's jobTypes). The core never names one.
import type { TObject, TSchema } from 'typebox'
import { Compile } from 'typebox/compile'
import Value from 'typebox/value'
import { distinctOwners, type OwnerSchema, ownerSchema, type SchemaOwner } from '../db/owner-migrations.js'
import { ValidationError } from '../errors.js'
import type { OwnedFile } from '../queue/job-files.js'
import { fieldErrors } from '../schema-errors.js'
import type { JobFacts, Priority } from './job-facts.js'
import type { JobTypeContext, JobTypeServices } from './job-type-context.js'

export type { JobFacts, JobStatus, Priority } from './job-facts.js'

export interface JobTypeDefinition {
  /** The job type's name, as jobs give it (`type`): lower-case letters, digits and hyphens. */
  name: string
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
  /**
   * The files in storage a job of this type owns, from what the job holds. Evaluated when the
   * job is created and when it ends (written in the same transaction): retention deletes them
   * with the job, /stats counts them by kind, GET /jobs/:id/download serves the one marked
   * `download` once the job is COMPLETED. A pure function; it runs on the main thread.
   */
  files?(job: JobFacts): OwnedFile[]
  /**
   * The tables, indexes, functions and triggers this type owns, in a folder of its own: its
   * migrations run after the core's, once per database, recorded under the owner's name. A part
   * several types share (`reports`) is one SchemaOwner object that each of them lists.
   */
  schema?: SchemaOwner[]
  /**
   * A key that makes jobs of this type unique while they are QUEUED or PROCESSING: adding one
   * whose key an active job of the type has is a 409 JOB_DUPLICATE naming that job, on any node
   * (a unique index, not a read before the insert). Null: no key, no check.
   */
  uniqueKey?(job: { userId: string; parameters: unknown }): string | null
  /**
   * Its own settings: environment variables (UPPER_SNAKE names) with their types, defaults and
   * descriptions, read and checked at start like the core's; `setup` gets their values.
   */
  settings?: TObject
  /** Main-thread parts that need the running service: the type's own routes, its view fields. */
  setup?(context: JobTypeContext): JobTypeServices
}

export interface JobRegistry {
  types(): string[]
  has(type: string): boolean
  describe(type: string): JobTypeDefinition | undefined
  /** Applies the schema's defaults and returns the parameters, or throws a 400 naming the field. */
  validate(type: string, parameters: unknown): unknown
  /** The files a job owns now, by its type's declaration (none for a type that declares none). */
  files(job: JobFacts): OwnedFile[]
  /** The same at the job's end; null when its type declares no files (nothing to write). */
  filesAtEnd(job: JobFacts): OwnedFile[] | null
}

/** A job type's definition, checked by the compiler: what a job-type module exports. */
export function defineJobType(definition: JobTypeDefinition): JobTypeDefinition {
  return definition
}

/** What the job types own in the database, each owner once, in the order of the definitions: what migrate() applies after the core. */
export function ownedSchemas(definitions: readonly JobTypeDefinition[]): OwnerSchema[] {
  return distinctOwners(definitions.flatMap((d) => d.schema ?? [])).map(ownerSchema)
}

/** The registry of `definitions`; a name given twice is an error naming it. */
export function createRegistry(definitions: readonly JobTypeDefinition[]): JobRegistry {
  const compiled = new Map<string, { def: JobTypeDefinition; check: ReturnType<typeof Compile> }>()
  for (const def of definitions) {
    if (compiled.has(def.name)) throw new Error(`the job type "${def.name}" is defined twice`)
    compiled.set(def.name, { def, check: Compile(def.parameters) })
  }
  const known = () => [...compiled.keys()].sort()
  const filesAtEnd = (job: JobFacts) => compiled.get(job.type)?.def.files?.(job) ?? null
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
    files: (job) => filesAtEnd(job) ?? [],
    filesAtEnd,
  }
}
