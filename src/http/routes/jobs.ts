// /jobs: thin handlers over the job service.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import type { Caller } from '../../jobs/caller.js'
import type { JobService } from '../../jobs/job-service.js'
import type { SignedUrl } from '../../storage/storage.js'
import { idempotencyOf, sendCreated } from '../job-created.js'
import { errorResponses } from '../schemas/error.js'
import { CreatedJob, CreateJobBody, IdempotencyHeaders, JobList, JobParams, ListJobsQuery } from '../schemas/job.js'
import { sendSignedLink, signedLinkResponses } from '../signed-link.js'

const tags = ['jobs']

export interface JobRouteOptions {
  jobs: JobService
  /** A fresh signed link to a finished job's result file (jobs/job-files.ts). */
  downloadLink: (caller: Caller, jobId: string) => Promise<SignedUrl>
}

const jobsRoutes: FastifyPluginAsyncTypebox<JobRouteOptions> = async (app, { jobs, downloadLink }) => {
  app.post(
    '/jobs',
    {
      config: { createsJob: true },
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
        response: { 200: JobList, ...errorResponses(400, 401, 403) },
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

  app.get(
    '/jobs/:id/events',
    {
      // Streams whatever the Accept header says (@fastify/sse's 406 has not the one error shape).
      sse: { kind: 'manual' },
      schema: {
        tags,
        summary: 'Follow a job: Server-Sent Events until it ends',
        description:
          'A `job` event with the job as `GET /jobs/:id` shows it at once, then one at every change of status, progress or message, from whichever process runs it; the stream ends after the final state (COMPLETED, FAILED or CANCELLED). Changes are read every `EVENTS_POLL_MS` (250 ms): a state shorter than that may be skipped. A comment line every 30 s keeps proxies from closing a quiet stream. A client that reconnects with the `Last-Event-ID` of the final event gets 204, which tells an EventSource to stop reconnecting. Browsers: `fetch` with the Authorization header (EventSource cannot send one).',
        params: JobParams,
        headers: Type.Object({
          'last-event-id': Type.Optional(
            Type.String({
              maxLength: 64,
              description: 'the id of the last event received, on reconnection',
              examples: ['2026-11-22T15:04:22.123Z'],
            }),
          ),
        }),
        produces: ['text/event-stream'],
        response: {
          200: Type.String({
            description: "text/event-stream: `event: job`, `id:` the job's updatedAt, `data:` the job as JSON",
            examples: [
              'event: job\nid: 2026-11-22T15:04:22.123Z\ndata: {"id":"019ae0c1-f3a0-7b2d-8c11-5e9a4d3b7f20","status":"PROCESSING","progress":42}\n\n',
            ],
          }),
          204: Type.Null({ description: 'a reconnection after the final event: nothing more will come' }),
          ...errorResponses(400, 401, 404),
        },
      },
    },
    async (request, reply) => {
      const closed = new AbortController()
      const views = await jobs.follow(
        request.caller,
        request.params.id,
        closed.signal,
        request.headers['last-event-id'],
      )
      if (!views) return reply.code(204).send(null)
      reply.sse.onClose(() => closed.abort())
      await reply.sse.send(
        (async function* () {
          for await (const job of views) yield { event: 'job', id: job.updatedAt, data: job }
        })(),
      )
    },
  )

  app.get(
    '/jobs/:id/download',
    {
      schema: {
        tags,
        summary: "A finished job's file",
        description:
          'Redirects (302; with `Accept: application/json`, 200 `{url, expiresAt}`) to a freshly signed link, valid PRESIGNED_EXPIRES seconds, for as long as the file is kept: an expired link in a result is never a dead end. For job types that produce a file (their files() declaration marks it `download`); 409 `REPORT_NOT_READY` until the job is COMPLETED, 410 `REPORT_GONE` once the file is no longer kept.',
        params: JobParams,
        response: { ...signedLinkResponses, ...errorResponses(400, 401, 404, 409, 410) },
      },
    },
    async (request, reply) => sendSignedLink(request, reply, await downloadLink(request.caller, request.params.id)),
  )

  app.post(
    '/jobs/:id/retry',
    {
      config: { createsJob: true },
      schema: {
        tags,
        summary: 'Run a failed or cancelled job again',
        description:
          'The same job back to QUEUED with a fresh set of attempts: 202 with it, followed at the Location header as a new one. What its run ended with (status, attempts, error, times) is kept in `previousRuns`. Owner, or an operator. 409 `JOB_NOT_RERUNNABLE` for a QUEUED, PROCESSING or COMPLETED job; 410 `INPUT_GONE` when the file it was created with is no longer kept; 429 at the active-job limit, as for a new job.',
        params: JobParams,
        response: { 202: CreatedJob, ...errorResponses(400, 401, 403, 404, 409, 410, 429) },
      },
    },
    async (request, reply) => sendCreated(reply, await jobs.rerun(request.caller, request.params.id)),
  )

  const cancelSchema = {
    tags,
    params: JobParams,
    response: {
      204: Type.Null({ description: 'cancelled (QUEUED) or cancel requested (PROCESSING)' }),
      ...errorResponses(400, 401, 403, 404, 409),
    },
  }
  app.delete('/jobs/:id', { schema: { ...cancelSchema, summary: 'Cancel a job' } }, async (request, reply) => {
    await jobs.cancel(request.caller, request.params.id)
    return reply.code(204).send(null)
  })
  app.post(
    '/jobs/:id/cancel',
    { schema: { ...cancelSchema, summary: 'Cancel a job (alias for older clients)' } },
    async (request, reply) => {
      await jobs.cancel(request.caller, request.params.id)
      return reply.code(204).send(null)
    },
  )
}

export default jobsRoutes
