import Type, { type TSchema } from 'typebox'
import { IDEMPOTENCY_KEY_PATTERN } from '../../jobs/idempotency.js'
import { CREATED_EXAMPLE, JOB_EXAMPLE, page } from './examples.js'
import { PageOf, PageQuery } from './page.js'

export const JobStatus = Type.Union(
  [
    Type.Literal('QUEUED'),
    Type.Literal('PROCESSING'),
    Type.Literal('COMPLETED'),
    Type.Literal('FAILED'),
    Type.Literal('CANCELLED'),
  ],
  { description: 'QUEUED -> PROCESSING -> COMPLETED | FAILED | CANCELLED' },
)
export const Priority = Type.Union([Type.Literal('HIGH'), Type.Literal('NORMAL'), Type.Literal('LOW')], {
  description: 'HIGH jobs are claimed before NORMAL before LOW',
})

const Timestamp = Type.String({ format: 'date-time' })
const NullableTimestamp = Type.Union([Timestamp, Type.Null()])
const NullableInt = Type.Union([Type.Integer(), Type.Null()])

export const CallbackUrl = Type.String({
  minLength: 1,
  maxLength: 2048,
  description:
    "told of the job's end: a signed POST (Standard Webhooks) of `{type: job.completed | job.failed | job.cancelled, timestamp, data: <the job>}`, retried until a 2xx answer for up to WEBHOOK_MAX_AGE_MS. http(s) to a public address only",
  examples: ['https://hooks.example.com/faena'],
})

export const WebhookState = Type.Object(
  {
    status: Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')]),
    attempts: Type.Integer(),
    lastError: Type.Union([Type.String(), Type.Null()], {
      description: 'why the last attempt failed (an HTTP status, a timeout, a refused address)',
    }),
    deliveredAt: NullableTimestamp,
  },
  {
    description:
      "the webhook of the job's latest end (an earlier run's while a re-run has not ended); null before the job ends",
  },
)

export const PreviousRun = Type.Object({
  status: Type.Union([Type.Literal('FAILED'), Type.Literal('CANCELLED')]),
  attempts: Type.Integer({ description: 'attempts that run made' }),
  error: Type.Unknown({ description: 'what it ended with: {code, message}' }),
  startedAt: NullableTimestamp,
  completedAt: NullableTimestamp,
  rerunAt: Timestamp,
  rerunBy: Type.String({ description: 'the user who ran it again' }),
})

export const JobId = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^[A-Za-z0-9_-]+$',
  examples: ['019ae0c1-f3a0-7b2d-8c11-5e9a4d3b7f20'],
})
export const JobParams = Type.Object({ id: JobId })

export const CreateJobBody = Type.Object(
  {
    type: Type.String({ minLength: 1, maxLength: 100, examples: ['resize-images'] }),
    parameters: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), { examples: [{ folder: 'uploads/2026-03', width: 640 }] }),
    ),
    priority: Type.Optional(Priority),
    runAt: Type.Optional(Type.String({ format: 'date-time', description: 'do not start before this time' })),
    timeoutMs: Type.Optional(
      Type.Integer({
        minimum: 100,
        description:
          "longest the job may run (its type's default otherwise, at most its type's maximum); then it is stopped and FAILED with code TIMEOUT",
        examples: [600000],
      }),
    ),
    callbackUrl: Type.Optional(CallbackUrl),
  },
  { additionalProperties: false },
)

export const CreatedJob = Type.Object(
  {
    jobId: Type.String(),
    status: JobStatus,
    type: Type.String(),
    createdAt: Timestamp,
    progress: Type.Integer(),
    followUrl: Type.Optional(
      Type.String({
        description:
          'the page, following this job: a signed link that reads this job alone (GET and its events) with no other credential, until it expires (FOLLOW_LINK_TTL_SECONDS)',
      }),
    ),
  },
  { examples: [CREATED_EXAMPLE] },
)

export const Job = Type.Object(
  {
    id: Type.String(),
    type: Type.String(),
    status: JobStatus,
    priority: Priority,
    progress: Type.Integer({ minimum: 0, maximum: 100 }),
    processedItems: NullableInt,
    totalItems: NullableInt,
    message: Type.Union([Type.String(), Type.Null()]),
    userId: Type.String(),
    parameters: Type.Unknown(),
    result: Type.Unknown({ description: "the processor's JSON result once COMPLETED" }),
    error: Type.Unknown({ description: '{code, message} once FAILED or CANCELLED' }),
    attempts: Type.Integer(),
    maxAttempts: Type.Integer(),
    timeoutMs: Type.Integer({ description: 'longest a run may take before it is stopped (FAILED, code TIMEOUT)' }),
    runAt: Timestamp,
    createdAt: Timestamp,
    updatedAt: Timestamp,
    startedAt: NullableTimestamp,
    completedAt: NullableTimestamp,
    cancelRequestedAt: NullableTimestamp,
    etaSeconds: Type.Union([Type.Integer(), Type.Null()], { description: 'estimated seconds left while PROCESSING' }),
    estimatedCompletionAt: NullableTimestamp,
    callbackUrl: Type.Union([Type.String(), Type.Null()], {
      description: "where the job's end is told (null: nowhere)",
    }),
    webhook: Type.Optional(Type.Union([WebhookState, Type.Null()])),
    scheduleId: Type.Union([Type.String(), Type.Null()], { description: 'the schedule that started the job' }),
    scheduledFor: Type.Union([Timestamp, Type.Null()], { description: 'the tick of that schedule the job is for' }),
    previousRuns: Type.Array(PreviousRun, {
      description: 'what earlier runs ended with, oldest first, when the job was run again (POST /jobs/:id/retry)',
    }),
  },
  { $id: 'Job', examples: [JOB_EXAMPLE] },
)

/** The Job schema with the optional fields job types add to their views (JobTypeServices.view). */
export const jobSchema = (added: Record<string, TSchema>) =>
  Type.Object(
    { ...Job.properties, ...Object.fromEntries(Object.entries(added).map(([k, v]) => [k, Type.Optional(v)])) },
    { $id: 'Job', examples: [JOB_EXAMPLE] },
  )

/** `q`: a job id's start or an error code. */
export const JobSearch = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^[A-Za-z0-9_-]+$',
  description:
    "a job id's start (ids are UUIDv7, time-ordered: `019ae0c1` is about a minute's jobs), or an error code the jobs failed with (UPPER_CASE, e.g. `TIMEOUT`)",
  examples: ['019ae0c1-f3a0', 'TIMEOUT'],
})

export const ListJobsQuery = PageQuery({
  status: Type.Optional(JobStatus),
  type: Type.Optional(Type.String({ maxLength: 100, pattern: '^[A-Za-z0-9_.-]+$', examples: ['resize-images'] })),
  scheduleId: Type.Optional(
    Type.String({ maxLength: 64, pattern: '^[A-Za-z0-9_-]+$', description: 'the jobs this schedule started' }),
  ),
  userId: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 200,
      description: "a user's jobs (admins; others may name only themselves)",
    }),
  ),
  createdAfter: Type.Optional(
    Type.String({ format: 'date-time', description: 'created at or after', examples: ['2026-12-01T00:00:00Z'] }),
  ),
  createdBefore: Type.Optional(
    Type.String({ format: 'date-time', description: 'created before', examples: ['2026-12-02T00:00:00Z'] }),
  ),
  q: Type.Optional(JobSearch),
  cursor: Type.Optional(
    Type.String({
      maxLength: 200,
      pattern: '^[A-Za-z0-9_-]+$',
      description: "from a page's `next` link: the page after that page's last job",
    }),
  ),
})

export const JobList = PageOf(Type.Ref('Job'), page(JOB_EXAMPLE))

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      pattern: IDEMPOTENCY_KEY_PATTERN,
      description:
        'makes a retried request safe: the same key and request within 24 h give back the same job (200), another request with it is a 422',
      examples: ['5f0c2b9e-7d1a-4e7b-9a51-3f2d8c1e0a77'],
    }),
  ),
})
