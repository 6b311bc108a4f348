// What every job-creating route does with its answer: the Idempotency-Key of the request, and
// 202 with the new job (200 with the job an earlier request with the same key created).
import type { FastifyReply, FastifyRequest } from 'fastify'
import { type Idempotency, idempotencyKey, requestHash } from '../jobs/idempotency.js'
import type { JobView } from '../jobs/job-view.js'

/** The request's Idempotency-Key (400 if malformed) bound to `request`, what identifies it. */
export function idempotencyOf(request: FastifyRequest, what: unknown): Idempotency | undefined {
  const key = idempotencyKey(request.headers['idempotency-key'])
  return key === undefined
    ? undefined
    : { key, requestHash: requestHash(`${request.method} ${request.routeOptions.url}`, what) }
}

export function sendCreated(
  reply: FastifyReply,
  job: JobView,
  opts: { replayed?: boolean; extra?: Record<string, unknown> } = {},
) {
  return reply
    .code(opts.replayed ? 200 : 202)
    .header('location', `/jobs/${job.id}`)
    .send({
      jobId: job.id,
      status: job.status,
      type: job.type,
      createdAt: job.createdAt,
      progress: job.progress,
      ...(reply.request.followUrl ? { followUrl: reply.request.followUrl(job.id, job.userId) } : {}),
      ...opts.extra,
    })
}
