// Sets up the main-thread parts of every registered job type (JobTypeDefinition.setup) once
// the service runs: their routes for the HTTP app, and one function that adds every type's
// view fields to a page of job views.
import type { FastifyPluginAsync } from 'fastify'
import type { Logger } from 'pino'
import type { TSchema } from 'typebox'
import type { Config } from '../config/schema.js'
import type { Database } from '../db/database.js'
import type { Storage } from '../storage/storage.js'
import type { JobService } from './job-service.js'
import type { JobTypeContext, ViewFields } from './job-type-context.js'
import type { JobView } from './job-view.js'
import type { JobRegistry } from './registry.js'

export interface JobTypeParts {
  routes: FastifyPluginAsync[]
  tags: Array<{ name: string; description: string }>
  viewProperties: Record<string, TSchema>
  decorate(views: JobView[]): Promise<JobView[]>
}

/** The service's own objects, of which a job type gets ports (JobTypeContext). */
export interface JobTypeHost {
  db: Database
  storage: Storage
  jobs: JobService
  config: Config
  logger: Logger
}

export function setUpJobTypes(
  registry: JobRegistry,
  host: JobTypeHost,
  settingsOf: (type: string) => Record<string, unknown>,
): JobTypeParts {
  const { db, jobs } = host
  const context: Omit<JobTypeContext, 'settings'> = {
    pool: db.pool,
    transaction: (fn) => db.transaction(fn),
    jobs: {
      create: (caller, input, options) => jobs.create(caller, input, options),
      get: (caller, id) => jobs.get(caller, id),
      replay: (caller, idempotency) => jobs.replay(caller, idempotency),
    },
    storage: host.storage,
    config: host.config,
    logger: host.logger,
  }
  const routes: FastifyPluginAsync[] = []
  const tags: JobTypeParts['tags'] = []
  const viewProperties: Record<string, TSchema> = {}
  const viewsOf = new Map<string, ViewFields>()
  for (const type of registry.types()) {
    const parts = registry.describe(type)!.setup?.({ ...context, settings: settingsOf(type) })
    if (parts?.routes) routes.push(parts.routes)
    for (const tag of parts?.tags ?? []) if (!tags.some((t) => t.name === tag.name)) tags.push(tag)
    if (parts?.view) {
      viewsOf.set(type, parts.view)
      Object.assign(viewProperties, parts.view.properties)
    }
  }

  async function decorate(views: JobView[]): Promise<JobView[]> {
    if (viewsOf.size === 0) return views
    const out = [...views]
    for (const [type, fields] of viewsOf) {
      const at = views.flatMap((v, i) => (v.type === type ? [i] : []))
      if (at.length === 0) continue
      const added = await fields.add(at.map((i) => views[i]!))
      at.forEach((i, n) => {
        out[i] = { ...views[i]!, ...added[n] }
      })
    }
    return out
  }

  return { routes, tags, viewProperties, decorate }
}
