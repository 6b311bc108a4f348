// /job-types (viewer; pausing and resuming: operator): the job types with their queues; pausing and resuming one.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { requireRole } from '../../jobs/caller.js'
import type { JobTypeOperations } from '../../operators/job-types.js'
import { errorResponses } from '../schemas/error.js'

const EXAMPLE = {
  type: 'resize-images',
  description: 'resizes the images of a folder',
  registered: true,
  paused: true,
  pausedBy: 'ops-ana',
  pausedAt: '2026-12-02T19:30:00.000Z',
  queued: 1250,
  queuedExact: true,
  running: 2,
  oldestQueuedSeconds: 840.5,
}

const JobType = Type.Object(
  {
    type: Type.String(),
    description: Type.Union([Type.String(), Type.Null()]),
    registered: Type.Boolean({ description: 'false for a type no longer known that still has jobs' }),
    paused: Type.Boolean({ description: 'paused: no node claims its queued jobs; running ones go on' }),
    pausedBy: Type.Union([Type.String(), Type.Null()]),
    pausedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    queued: Type.Integer(),
    queuedExact: Type.Boolean({ description: "false past 10,000 queued jobs: `queued` is PostgreSQL's estimate" }),
    running: Type.Integer(),
    oldestQueuedSeconds: Type.Number({ description: 'how long its longest-waiting due job has waited' }),
  },
  { examples: [EXAMPLE] },
)

const TypeParams = Type.Object({
  type: Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_.-]+$', examples: ['resize-images'] }),
})

export interface JobTypeRouteOptions {
  jobTypes: JobTypeOperations
}

const tags = ['operators']

const jobTypeRoutes: FastifyPluginAsyncTypebox<JobTypeRouteOptions> = async (app, { jobTypes }) => {
  app.addHook('onRequest', async (request) => {
    requireRole(request.caller, request.method === 'GET' ? 'viewer' : 'operator', `${request.method} /job-types`)
  })

  app.get(
    '/job-types',
    {
      schema: {
        tags,
        summary: 'Job types: paused or not, queue depth, running jobs (viewer)',
        response: {
          200: Type.Object({ data: Type.Array(JobType) }, { examples: [{ data: [EXAMPLE] }] }),
          ...errorResponses(401, 403),
        },
      },
    },
    async () => ({ data: await jobTypes.list() }),
  )

  const pauseSchema = (summary: string, description: string) => ({
    tags,
    summary,
    description,
    params: TypeParams,
    response: { 200: JobType, ...errorResponses(400, 401, 403, 404) },
  })
  app.put(
    '/job-types/:type/pause',
    {
      schema: pauseSchema(
        'Pause a job type (operator)',
        'No node claims its queued jobs from the next claim on; running ones go on; new jobs are accepted (202) and wait, their view saying why. Idempotent.',
      ),
    },
    async (request) => jobTypes.pause(request.params.type, request.caller.userId),
  )
  app.delete(
    '/job-types/:type/pause',
    {
      schema: pauseSchema(
        'Resume a paused job type (operator)',
        'Its queued jobs are claimed again at once, in their usual order. Idempotent.',
      ),
    },
    async (request) => jobTypes.resume(request.params.type),
  )
}

export default jobTypeRoutes
