// What a job type gets from the running service for its main-thread parts (its routes, its
// view fields), and what it gives back. See JobTypeDefinition.setup in registry.ts.
import type { FastifyPluginAsync } from 'fastify'
import type { Logger } from 'pino'
import type { TSchema } from 'typebox'
import type { Config } from '../config/schema.js'
import type { Database } from '../db/database.js'
import type { Storage } from '../storage/storage.js'
import type { JobService } from './job-service.js'
import type { JobView } from './job-view.js'

export interface JobTypeContext {
  db: Database
  storage: Storage
  jobs: JobService
  config: Config
  /** The values of the type's own `settings` (empty when it declares none). */
  settings: Record<string, unknown>
  logger: Logger
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
