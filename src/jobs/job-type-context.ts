// What a job type gets from the running service for its main-thread parts (its routes, its
// view fields), and what it gives back. See JobTypeDefinition.setup in registry.ts. This is
// part of faena's public surface (src/index.ts): only ports, never the service's own objects.
import type { FastifyPluginAsync } from 'fastify'
import type pg from 'pg'
import type { Logger } from 'pino'
import type { TSchema } from 'typebox'
import type { Config } from '../config/schema.js'
import type { Storage } from '../storage/storage.js'
import type { Caller } from './caller.js'
import type { Idempotency } from './idempotency.js'
import type { Priority } from './job-facts.js'
import type { JobView } from './job-view.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is asking: set on every route of the authenticated scope, a job type's routes included. */
    caller: Caller
    /** A follow link to one of the caller's jobs (the page, following it); sendCreated adds it. */
    followUrl: ((jobId: string, owner: string) => string) | null
  }
  interface FastifyContextConfig {
    /** The route creates jobs: it counts against JOB_CREATION_PER_MINUTE with POST /jobs. */
    createsJob?: boolean
  }
}

export interface JobTypeContext {
  /** The service's PostgreSQL pool: for the type's own tables (those of its `schema`). */
  pool: pg.Pool
  /**
   * Runs `fn` in one transaction on one connection of the pool: committed when `fn` resolves,
   * rolled back when it throws. Pass the client to `jobs.create` as `tx` to add a job together
   * with the type's own rows.
   */
  transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T>
  /** Jobs on behalf of a caller, checked and counted as POST /jobs checks and counts them. */
  jobs: Jobs
  storage: Storage
  config: Config
  /** The values of the type's own `settings` (empty when it declares none). */
  settings: Record<string, unknown>
  logger: Logger
}

/** What a job type's routes may do with jobs. */
export interface Jobs {
  /** Adds a job for `caller`: a 400 naming the field, a 409 for a duplicate, a 429 over the user's limit. */
  create(caller: Caller, input: CreateJobInput, options?: CreateJobOptions): Promise<JobView>
  /** The job as GET /jobs/:id shows it; 404 for another user's job (unless the caller is an admin). */
  get(caller: Caller, id: string): Promise<JobView>
  /** The job an earlier request with the same Idempotency-Key created (422 if it was another request), or null. */
  replay(caller: Caller, idempotency: Idempotency | undefined): Promise<JobView | null>
}

export interface CreateJobInput {
  type: string
  parameters?: unknown
  priority?: Priority
  runAt?: string
  /** Longest this job may run, within its type's maximum (its type's default otherwise). */
  timeoutMs?: number
  /** Told of the job's end with a signed POST (a Standard Webhooks webhook). */
  callbackUrl?: string
}

export interface CreateJobOptions {
  /** The job comes from its type's own route (`submittedThrough`), not from POST /jobs. */
  viaRoute?: boolean
  /** A client inside the caller's open transaction (JobTypeContext.transaction): the job commits or rolls back with it. */
  tx?: pg.ClientBase
  /** The request's Idempotency-Key (idempotencyOf), recorded with the job: see Jobs.replay. */
  idempotency?: Idempotency | undefined
}

export interface JobTypeServices {
  /**
   * The type's own routes, registered in the authenticated scope (request.caller is set). A
   * route that creates jobs says so with `config: { createsJob: true }`: it then counts
   * against JOB_CREATION_PER_MINUTE with POST /jobs.
   */
  routes?: FastifyPluginAsync
  /** OpenAPI tags its routes use, with their descriptions. */
  tags?: Array<{ name: string; description: string }>
  /** Fields this type adds to its jobs' views (GET /jobs/:id, lists, events). */
  view?: ViewFields
}

export interface ViewFields {
  /** Their schemas: optional properties of the Job response (documented in /docs). */
  properties: Record<string, TSchema>
  /** The added fields for each view of this type, in order (one read for a whole page). */
  add(views: JobView[]): Promise<Record<string, unknown>[]>
}
