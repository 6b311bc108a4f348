// /jobs: thin handlers over the job service.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import type { JobService } from '../../jobs/job-service.js'
import { idempotencyOf, sendCreated } from '../job-created.js'
import { errorResponses } from '../schemas/error.js'
import { CreateJobBody, CreatedJob, IdempotencyHeaders, JobList, JobParams, ListJobsQuery } from '../schemas/job.js'

const tags = ['jobs']

const jobsRoutes: FastifyPluginAsyncTypebox<{ jobs: JobService }> = async (app, { jobs }) => {
  app.post(
    '/jobs',
    {
      schema: {
        tags,
        summary: 'Submit a job',
        description:
          'Answers 202 at once; follow the job at the Location header. With an `Idempotency-Key` header, the same key and request within 24 h answer 200 with the job the first one created (another request with the key: 422).',
        headers: IdempotencyHeaders,
        body: CreateJobBody,
        response: { 200: CreatedJob, 202: CreatedJob, ...errorResponses(400, 401, 409, 422, 429) },
      },
    },
    async (request, reply) => {
      const idempotency = idempotencyOf(request, request.body)
      const replayed = await jobs.replay(request.caller, idempotency)
      if (replayed) return sendCreated(reply, replayed, { replayed: true })
      return sendCreated(reply, await jobs.create(request.caller, request.body, { idempotency }))
    },
  )

  app.get(
    '/jobs',
    {
      schema: {
        tags,
        summary: "List the caller's jobs, newest first",
        querystring: ListJobsQuery,
        response: { 200: JobList, ...errorResponses(400, 401) },
      },
    },
    async (request) => jobs.list(request.caller, request.query),
  )

  app.get(
    '/jobs/:id',
    {
      schema: {
        tags,
        summary: 'A job: status, progress, result or error, ETA',
        params: JobParams,
        response: { 200: Type.Ref('Job'), ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => jobs.get(request.caller, request.params.id),
  )

  const cancelSchema = {
    tags,
    params: JobParams,
    response: { 204: Type.Null({ description: 'cancelled (QUEUED) or cancel requested (PROCESSING)' }), ...errorResponses(400, 401, 404, 409) },
  }
  app.delete('/jobs/:id', { schema: { ...cancelSchema, summary: 'Cancel a job' } }, async (request, reply) => {
    await jobs.cancel(request.caller, request.params.id)
    return reply.code(204).send(null)
  })
  app.post('/jobs/:id/cancel', { schema: { ...cancelSchema, summary: 'Cancel a job (alias for older clients)' } }, async (request, reply) => {
    await jobs.cancel(request.caller, request.params.id)
    return reply.code(204).send(null)
  })
}

export default jobsRoutes
