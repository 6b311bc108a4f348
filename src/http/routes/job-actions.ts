// POST /jobs/actions (operator): cancel, retry or delete every job a filter matches.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { requireRole } from '../../jobs/caller.js'
import { readFilter } from '../../jobs/job-query.js'
import type { BulkActions } from '../../operators/bulk-actions.js'
import { errorResponses } from '../schemas/error.js'
import { JobId, JobSearch, JobStatus } from '../schemas/job.js'

const Filter = Type.Object(
  {
    status: Type.Optional(JobStatus),
    type: Type.Optional(Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_.-]+$' })),
    userId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    createdAfter: Type.Optional(Type.String({ format: 'date-time', description: 'created at or after' })),
    createdBefore: Type.Optional(Type.String({ format: 'date-time', description: 'created before' })),
    ids: Type.Optional(Type.Array(JobId, { minItems: 1, maxItems: 1000 })),
    q: Type.Optional(JobSearch),
  },
  {
    additionalProperties: false,
    minProperties: 1,
    description: 'every field given must match (at least one: an action on every job is not a filter)',
  },
)

const Body = Type.Object(
  {
    action: Type.Union([Type.Literal('cancel'), Type.Literal('retry'), Type.Literal('delete')]),
    filter: Filter,
    dryRun: Type.Optional(Type.Boolean({ default: false, description: 'only count the matches' })),
  },
  {
    additionalProperties: false,
    examples: [
      { action: 'cancel', filter: { status: 'QUEUED', type: 'resize-images', userId: 'alice' }, dryRun: true },
    ],
  },
)

const Outcome = Type.Object(
  {
    matched: Type.Integer({ description: 'jobs the filter matched' }),
    affected: Type.Integer({ description: 'jobs the action changed (0 on a dry run)' }),
  },
  { examples: [{ matched: 1250, affected: 1248 }] },
)

export interface JobActionRouteOptions {
  actions: BulkActions
}

const jobActionRoutes: FastifyPluginAsyncTypebox<JobActionRouteOptions> = async (app, { actions }) => {
  app.post(
    '/jobs/actions',
    {
      schema: {
        tags: ['operators'],
        summary: 'Cancel, retry or delete every job a filter matches (operator)',
        description:
          "Each job follows the rules of its single-job route: cancel (QUEUED at once, PROCESSING cooperatively), retry (FAILED or CANCELLED only, within each owner's active-job limit, while its input is kept), delete (finished jobs only, with their stored files). Others count as matched, not affected. Processed in batches of 500, one short statement a job; the answer comes when all are done. `dryRun: true` counts only: confirm the count first.",
        body: Body,
        response: { 200: Outcome, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      requireRole(request.caller, 'operator', 'POST /jobs/actions')
      const { action, filter, dryRun } = request.body
      return actions.run(request.caller, action, readFilter(filter, 'filter.'), dryRun ?? false)
    },
  )
}

export default jobActionRoutes
