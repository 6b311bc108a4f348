// Creating, reading, listing and cancelling jobs on behalf of a caller. Routes call this; it
// owns the Prisma queries for jobs (the queue's claim/finish SQL lives in src/queue).

import type { Logger } from 'pino'
import type { Database } from '../db/database.js'
import {
  ConflictError,
  FaenaError,
  ForbiddenError,
  NotFoundError,
  TooManyRequestsError,
  ValidationError,
} from '../errors.js'
import type { ProcessingJob } from '../generated/prisma/client.js'
import type { JobMetrics } from '../operators/metrics.js'
import { cancelJob } from '../queue/cancel-job.js'
import { type Enqueued, enqueueJob } from '../queue/enqueue-job.js'
import { recordFiles } from '../queue/job-files.js'
import { pausedTypes, type TypePause } from '../queue/job-type-pauses.js'
import { countJobs, type JobFilter, listJobs } from '../queue/list-jobs.js'
import { rerunJob } from '../queue/rerun-job.js'
import type { StartOn, ThreadOffer } from '../queue/types.js'
import { type DeliveryState, latestDeliveries } from '../queue/webhook-deliveries.js'
import type { Storage } from '../storage/storage.js'
import { closeJobTrace, openJobTrace } from '../telemetry/job-trace.js'
import { NO_TRACING, type Tracing } from '../telemetry/tracing.js'
import { type Caller, hasRole, ownerUnless, requireOperatorFor, requireScope } from './caller.js'
import { holdKey, type Idempotency, replayedJobId } from './idempotency.js'
import type { JobFacts, OwnedFile, Priority } from './job-facts.js'
import { readFilter } from './job-query.js'
import type { CreateJobInput, CreateJobOptions } from './job-type-context.js'
import { type JobView, toJobView } from './job-view.js'
import type { JobWatch } from './job-watch.js'
import { type PageQuery, toPage } from './page.js'
import { recentReads } from './recent-reads.js'

export type { CreateJobInput }

/** A job's timeout when its type sets none, and the most a job may ask for. */
export const DEFAULT_TIMEOUT_MS = 3_600_000
export const DEFAULT_MAX_TIMEOUT_MS = 6 * 3_600_000

export interface ListJobsQuery extends PageQuery {
  status?: JobView['status']
  type?: string
  /** The jobs a schedule started. */
  scheduleId?: string
  /** Another user's jobs: admins only. */
  userId?: string
  /** ISO 8601: created at or after. */
  createdAfter?: string
  /** ISO 8601: created before. */
  createdBefore?: string
  /** A job id's start (lower case), or an error code (UPPER_CASE) the jobs failed with. */
  q?: string
  /** A previous page's `next` cursor: the jobs after its last one. */
  cursor?: string
}

/** A listing's total is exact up to this many jobs, estimated beyond. */
export const EXACT_TOTAL_UP_TO = 10_000

export interface CreateOptions extends CreateJobOptions {
  /** The schedule that starts the job, and the tick it is for (one job per schedule and tick). */
  schedule?: { id: string; tick: Date }
}

export type JobService = ReturnType<typeof createJobService>

/** What the service needs of the job-type registry (registry.ts). */
export interface JobTypeRules {
  describe(type: string):
    | {
        defaults?: { priority?: Priority; maxAttempts?: number; timeoutMs?: number }
        submittedThrough?: string
        maxTimeoutMs?: number
        files?: unknown
        uniqueKey?(job: { userId: string; parameters: unknown }): string | null
      }
    | undefined
  /** The parameters with their defaults, or a 400 naming the field. */
  validate(type: string, parameters: unknown): unknown
  files(job: JobFacts): OwnedFile[]
}

export interface JobServiceOptions {
  /** QUEUED + PROCESSING jobs a user may have; beyond, creating one is a 429. */
  maxActivePerUser: number
  /** Reads of one job answered from a read this recent (JOB_READ_CACHE_MS; 0 = always read). */
  readCacheMs?: number
  /** Follows jobs for follow() (the event streams); without it, follow() yields the job once. */
  watch?: JobWatch
  metrics?: JobMetrics
  /** One line per transition made here: job.created, job.cancelled (while queued). */
  logger?: Logger
  /** Fields job types add to their views (JobTypeServices.view), for a page of views at once. */
  decorate?: (views: JobView[]) => Promise<JobView[]>
  /** Where job files are: a re-run needs the input its job was created with (rerun()). */
  storage?: Pick<Storage, 'size'>
  /**
   * Checks a callbackUrl (a 400 naming it when it may not be called) and gives it back as it is
   * stored. Unset: webhooks are off (no signing secret) and a callbackUrl is a 400.
   */
  checkCallback?: (url: string) => Promise<string>
  /** Traces: a job created or re-run here gets its place in the caller's trace (telemetry/job-trace.ts). */
  tracing?: Tracing
  /** A thread of this node for a job of `type` being created, when one is free (the dispatcher's offer()). */
  offerThread?: (type: string) => ThreadOffer | null
}

/** What a re-run answers for a job that has not ended, or ended well. */
const NOT_RERUNNABLE: Record<string, string> = {
  QUEUED: 'is QUEUED: it has not run yet',
  PROCESSING: 'is PROCESSING: it is running now',
  COMPLETED: 'is COMPLETED: only a FAILED or CANCELLED job can run again',
}

/** No change comes after these. */
const FINAL_STATUSES: ReadonlySet<JobView['status']> = new Set(['COMPLETED', 'FAILED', 'CANCELLED'])

/** The index that keeps unique jobs unique (migration 20261207180000_unique_jobs). */
const UNIQUE_KEY_INDEX = 'processing_job_unique_key_idx'
const ACTIVE_WITH_KEY = `
SELECT id FROM processing_job WHERE type = $1 AND unique_key = $2 AND status IN ('QUEUED', 'PROCESSING') LIMIT 1`

export function createJobService(
  db: Database,
  registry: JobTypeRules,
  limits: JobServiceOptions = { maxActivePerUser: Number.POSITIVE_INFINITY },
) {
  const reads = recentReads<ProcessingJob | null>(limits.readCacheMs ?? 0)
  const tracing = limits.tracing ?? NO_TRACING

  /** The files the job was created with, other than its result, must still be in storage. */
  async function assertInputKept(job: JobView): Promise<void> {
    const inputs = registry
      .files({ id: job.id, type: job.type, status: 'QUEUED', parameters: job.parameters, result: null, error: null })
      .filter((f) => !f.download)
    if (inputs.length === 0) return
    if (!limits.storage) throw new Error('job service: a re-run of a job with input files needs `storage`')
    const sizes = await Promise.all(inputs.map((f) => limits.storage!.size(f.key)))
    const gone = inputs.filter((_, i) => sizes[i] === null)
    if (gone.length > 0) {
      throw new FaenaError(
        'INPUT_GONE',
        `job ${job.id} cannot run again: the ${gone.map((f) => f.kind).join(' and ')} it was created with is no longer kept`,
        410,
        { kinds: gone.map((f) => f.kind) },
      )
    }
  }

  /** The fields job types add (JobTypeServices.view). */
  const typeFields = (views: JobView[]): Promise<JobView[]> =>
    limits.decorate ? limits.decorate(views) : Promise.resolve(views)
  /** ...how the webhook of each job with a callback went, and why a queued job of a paused type waits. */
  const decorate = async (views: JobView[]): Promise<JobView[]> => {
    const withCallback = views.filter((v) => v.callbackUrl !== null).map((v) => v.id)
    const [states, paused] = await Promise.all([
      latestDeliveries(db.pool, withCallback),
      views.some((v) => v.status === 'QUEUED') ? pausedTypes(db.pool) : new Map<string, TypePause>(),
    ])
    return (await typeFields(views)).map((v) => {
      const out = v.callbackUrl === null ? v : { ...v, webhook: webhookView(states.get(v.id)) }
      return v.status === 'QUEUED' && paused.has(v.type)
        ? { ...out, message: `waiting: jobs of type "${v.type}" are paused by an operator` }
        : out
    })
  }

  async function checkCallback(url: string): Promise<string> {
    if (!limits.checkCallback) {
      throw new ValidationError('callbackUrl: webhooks are off on this server (no WEBHOOK_SECRET to sign them with)', {
        field: 'callbackUrl',
      })
    }
    return limits.checkCallback(url)
  }

  /** Checks a submission as create() does, before anything is written (a 400 naming the field). */
  async function prepare(input: CreateJobInput, viaRoute: boolean) {
    const def = registry.describe(input.type)
    if (def?.submittedThrough && !viaRoute) {
      throw new ValidationError(`type: jobs of type "${input.type}" are submitted through ${def.submittedThrough}`, {
        field: 'type',
      })
    }
    const parameters = registry.validate(input.type, input.parameters)
    let runAt: Date | null = null
    if (input.runAt !== undefined) {
      runAt = new Date(input.runAt)
      if (Number.isNaN(runAt.getTime()))
        throw new ValidationError('runAt: must be an ISO 8601 date-time', { field: 'runAt' })
    }
    const maxTimeoutMs = def?.maxTimeoutMs ?? DEFAULT_MAX_TIMEOUT_MS
    if (input.timeoutMs !== undefined && input.timeoutMs > maxTimeoutMs) {
      throw new ValidationError(`timeoutMs: must be at most ${maxTimeoutMs} for jobs of type "${input.type}"`, {
        field: 'timeoutMs',
      })
    }
    const callbackUrl = input.callbackUrl === undefined ? null : await checkCallback(input.callbackUrl)
    return { def, parameters, runAt, callbackUrl }
  }

  /** The 409 for a job refused by processing_job_unique_key_idx, naming the active job that holds the key; null for any other error. */
  async function duplicateOf(err: unknown, type: string, key: string | null): Promise<ConflictError | null> {
    const e = err as { code?: unknown; constraint?: unknown }
    if (key === null || e?.code !== '23505' || e.constraint !== UNIQUE_KEY_INDEX) return null
    // Read outside the caller's transaction, which the violation ended; the holder has committed.
    const { rows } = await db.pool.query<{ id: string }>(ACTIVE_WITH_KEY, [type, key])
    const holder = rows[0]?.id
    return new ConflictError(
      'JOB_DUPLICATE',
      `a ${type} job with the same key is already queued or running${holder ? `: job ${holder}` : ''}`,
      { jobId: holder ?? null, uniqueKey: key },
    )
  }

  /** Writes a prepared job (and the files it owns, its idempotency key) through opts.tx or the pool. */
  async function insert(
    caller: Caller,
    input: CreateJobInput,
    p: Awaited<ReturnType<typeof prepare>>,
    opts: CreateOptions,
    startOn: StartOn | null,
  ): Promise<Enqueued> {
    const { def, parameters, runAt, callbackUrl } = p
    const files = (id: string) =>
      registry.files({ id, type: input.type, status: 'QUEUED', parameters, result: null, error: null })
    const client = opts.tx ?? db.pool
    // One call: the user's active jobs read from the kept counts under a lock on their
    // admissions, and the job added only below the limit (src/queue/active-counts.ts).
    const max = limits.maxActivePerUser
    const uniqueKey = def?.uniqueKey?.({ userId: caller.userId, parameters }) ?? null
    const added = await enqueueJob(
      client,
      {
        type: input.type,
        userId: caller.userId,
        parameters,
        priority: input.priority ?? def?.defaults?.priority ?? 'NORMAL',
        maxAttempts: def?.defaults?.maxAttempts ?? 1,
        timeoutMs: input.timeoutMs ?? def?.defaults?.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        runAt: runAt ?? null,
        callbackUrl,
        schedule: opts.schedule,
        trace: openJobTrace(tracing, caller.trace),
        uniqueKey,
      },
      Number.isFinite(max) ? max : null,
      startOn,
    ).catch(async (err: unknown) => {
      throw (await duplicateOf(err, input.type, uniqueKey)) ?? err
    })
    if (!('job' in added)) throw tooManyActive(added.activeJobs)
    const { job } = added
    const owned = files(job.id)
    await recordFiles(client, job.id, owned)
    if (opts.idempotency) await holdKey(client, caller, opts.idempotency, job.id)
    limits.metrics?.jobCreated(job.type)
    limits.logger?.info(
      {
        event: 'job.created',
        jobId: job.id,
        type: job.type,
        userId: caller.userId,
        priority: job.priority,
        runAt: job.runAt,
        status: job.status,
      },
      'job created',
    )
    return added
  }

  /**
   * Writes a prepared job. Outside a caller's transaction, a thread this node has free is
   * offered to it: the job starts there at once when it would be the next one claimed
   * (enqueue-job.ts), and the thread is taken only once the job is committed.
   */
  async function add(
    caller: Caller,
    input: CreateJobInput,
    p: Awaited<ReturnType<typeof prepare>>,
    opts: CreateOptions,
  ): Promise<JobView> {
    const offer = opts.tx ? null : (limits.offerThread?.(input.type) ?? null)
    let added: Enqueued
    try {
      // The job, the files it owns and its idempotency key are written together.
      added =
        !opts.tx && (opts.idempotency || p.def?.files)
          ? await db.transaction((tx) => insert(caller, input, p, { ...opts, tx }, offer))
          : await insert(caller, input, p, opts, offer)
    } catch (err) {
      offer?.release()
      throw err
    }
    if (added.claimed) offer!.take(added.claimed)
    else offer?.release()
    return toJobView(added.job)
  }

  return {
    /**
     * `viaRoute`: the job comes from its own route (an upload), not from POST /jobs.
     * `tx`: create the job inside the caller's transaction (with the rows that go with it).
     * `idempotency`: the request's Idempotency-Key, recorded with the job (see replay()).
     */
    async create(caller: Caller, input: CreateJobInput, opts: CreateOptions = {}): Promise<JobView> {
      requireScope(caller, 'jobs:submit', input.type)
      return add(caller, input, await prepare(input, opts.viaRoute ?? false), opts)
    },

    /**
     * What create() would store for `input` from POST /jobs, or the 400 it would answer: for
     * what creates jobs later (a schedule). Parameters come back with their defaults.
     */
    async check(input: CreateJobInput): Promise<CreateJobInput> {
      const p = await prepare(input, false)
      return { ...input, parameters: p.parameters, ...(p.callbackUrl === null ? {} : { callbackUrl: p.callbackUrl }) }
    },

    /** The job as GET /jobs/:id shows it, from a row (a webhook's body); without its webhook state. */
    async render(job: ProcessingJob): Promise<JobView> {
      return (await typeFields([toJobView(job)]))[0]!
    },

    /** The job an earlier request with the same Idempotency-Key created (422 if it was another request), or null. */
    async replay(caller: Caller, idempotency: Idempotency | undefined): Promise<JobView | null> {
      if (!idempotency) return null
      const jobId = await replayedJobId(db, caller, idempotency)
      return jobId ? this.get(caller, jobId) : null
    },

    async get(caller: Caller, id: string): Promise<JobView> {
      const job = await reads.get(id, () => db.prisma.processingJob.findUnique({ where: { id } }))
      // Another user's job is indistinguishable from a missing one.
      if (!job || (!hasRole(caller, 'viewer') && job.userId !== caller.userId)) throw new NotFoundError('job', id)
      return (await decorate([toJobView(job)]))[0]!
    },

    /**
     * The job now, then at every change, ending after a final state or when `signal` aborts.
     * Checks the caller first (404 before anything is streamed). `lastSeen`: the updatedAt of
     * the last event a reconnecting client had; null when that was already the job's end.
     */
    async follow(
      caller: Caller,
      id: string,
      signal: AbortSignal,
      lastSeen?: string,
    ): Promise<AsyncGenerator<JobView> | null> {
      const now = await this.get(caller, id)
      if (lastSeen !== undefined && FINAL_STATUSES.has(now.status) && now.updatedAt === lastSeen) return null
      const watch = limits.watch
      return (async function* (): AsyncGenerator<JobView> {
        yield now
        if (!watch || FINAL_STATUSES.has(now.status)) return
        for await (const row of watch.changes(id, Date.parse(now.updatedAt), signal)) {
          const [view] = await decorate([toJobView(row)])
          yield view!
          if (FINAL_STATUSES.has(row.status)) return
        }
      })()
    },

    async list(caller: Caller, q: ListJobsQuery) {
      const after = q.cursor === undefined ? null : readCursor(q.cursor)
      if (after && q.offset > 0)
        throw new ValidationError('offset: cannot be combined with cursor', { field: 'offset' })
      const filter = listingFilter(caller, q)
      const [rows, count] = await Promise.all([
        listJobs(db.pool, filter, { after, offset: q.offset, limit: q.limit + 1 }),
        countJobs(db.pool, filter, EXACT_TOTAL_UP_TO),
      ])
      const more = rows.length > q.limit
      const shown = rows.slice(0, q.limit)
      const last = shown.at(-1)
      const now = new Date()
      const result = toPage(await decorate(shown.map((r) => toJobView(r, now))), count.total, q)
      result.pagination.hasMore = more
      result.pagination.totalExact = count.exact
      result.pagination.next = more && last ? nextLink(q, writeCursor(last)) : null
      return result
    },

    /**
     * A FAILED or CANCELLED job back to QUEUED with a fresh set of attempts, what it ended with
     * kept in previousRuns. 409 for any other state; 410 when the input it was created with (a
     * file its type declares, other than its result) is no longer kept; 429 at the user's
     * active-job limit, as for a new job.
     */
    async rerun(caller: Caller, id: string): Promise<JobView> {
      requireScope(caller, 'jobs:act')
      const before = await this.get(caller, id) // 404 unless the caller may see it
      requireOperatorFor(caller, before.userId, "re-running another user's job")
      const notNow = NOT_RERUNNABLE[before.status]
      if (notNow) throw new ConflictError('JOB_NOT_RERUNNABLE', `job ${id} ${notNow}`, { status: before.status })
      await assertInputKept(before)
      const max = limits.maxActivePerUser
      let outcome: Awaited<ReturnType<typeof rerunJob>>
      try {
        outcome = await rerunJob(
          db.pool,
          id,
          ownerUnless(caller, 'operator'),
          caller.userId,
          Number.isFinite(max) ? max : null,
          openJobTrace(tracing, caller.trace),
        )
      } catch (err) {
        const e = err as { code?: unknown; constraint?: unknown }
        if (e?.code !== '23505') throw err
        throw new ConflictError(
          'JOB_CONFLICT',
          `job ${id} cannot run again now: an active job holds what it needs (${String(e.constraint)}); wait for that one to end`,
          { constraint: e.constraint },
        )
      }
      reads.forget(id)
      switch (outcome.kind) {
        case 'not-found':
          throw new NotFoundError('job', id)
        case 'not-finished':
          throw new ConflictError(
            'JOB_NOT_RERUNNABLE',
            `job ${id} ${NOT_RERUNNABLE[outcome.status] ?? `is ${outcome.status}`}`,
            { status: outcome.status },
          )
        case 'too-many':
          throw tooManyActive(outcome.activeJobs)
      }
      const { job } = outcome
      limits.logger?.info(
        {
          event: 'job.rerun',
          jobId: id,
          type: job.type,
          userId: job.userId,
          by: caller.userId,
          previous: before.status,
        },
        'job queued to run again',
      )
      return (await decorate([toJobView(job)]))[0]!
    },

    /** QUEUED: cancelled now. PROCESSING: cancel requested; the owner process finishes it. */
    async cancel(caller: Caller, id: string): Promise<'cancelled' | 'requested'> {
      if (!hasRole(caller, 'operator') && hasRole(caller, 'viewer'))
        requireOperatorFor(caller, (await this.get(caller, id)).userId, "cancelling another user's job")
      const outcome = await cancelJob(db.pool, id, ownerUnless(caller, 'operator'))
      reads.forget(id)
      switch (outcome.kind) {
        case 'not-found':
          throw new NotFoundError('job', id)
        case 'finished':
          throw new ConflictError('JOB_FINISHED', `job ${id} is already ${outcome.status} and cannot be cancelled`, {
            status: outcome.status,
          })
        case 'cancelled':
          limits.metrics?.jobEnded(outcome.type, 'cancelled', null)
          closeJobTrace(tracing, outcome.trace, {
            id,
            type: outcome.type,
            attempts: outcome.attempts,
            status: 'CANCELLED',
            error: outcome.error,
          })
          limits.logger?.info(
            { event: 'job.cancelled', jobId: id, type: outcome.type, userId: caller.userId, attempt: 0 },
            'job cancelled while queued',
          )
          return outcome.kind
        default:
          return outcome.kind
      }
    },
  }
}

/** The 429 of a user at the active-job limit, for a new job and a re-run alike. */
function tooManyActive(activeJobs: number): TooManyRequestsError {
  return new TooManyRequestsError(
    'TOO_MANY_ACTIVE_JOBS',
    `you have ${activeJobs} jobs queued or running, the most allowed (MAX_ACTIVE_JOBS_PER_USER); wait for some to finish`,
    30,
  )
}

/** The delivery of the job's latest end (an earlier run's while a re-run goes on); null before any. */
function webhookView(state: DeliveryState | undefined) {
  if (!state) return null
  return {
    status: state.status.toLowerCase(),
    attempts: state.attempts,
    lastError: state.lastError,
    deliveredAt: state.deliveredAt ? state.deliveredAt.toISOString() : null,
  }
}

/** A cursor names the last job of a page: its creation time and id, base64url-encoded. */
function writeCursor(job: { createdAt: Date; id: string }): string {
  return Buffer.from(`${job.createdAt.toISOString()} ${job.id}`).toString('base64url')
}

function readCursor(cursor: string): { createdAt: Date; id: string } {
  const [at, id] = Buffer.from(cursor, 'base64url').toString().split(' ')
  const createdAt = new Date(at ?? '')
  if (!id || Number.isNaN(createdAt.getTime()))
    throw new ValidationError("cursor: is not a cursor this API gave (use a page's `next` link)", { field: 'cursor' })
  return { createdAt, id }
}

function nextLink(q: ListJobsQuery, cursor: string): string {
  const kept = ['status', 'type', 'scheduleId', 'userId', 'createdAfter', 'createdBefore', 'q'] as const
  const params = new URLSearchParams({ limit: String(q.limit) })
  for (const k of kept) if (q[k] !== undefined) params.set(k, q[k])
  params.set('cursor', cursor)
  return `/jobs?${params}`
}

/** What a listing asks for, within what the caller may see: `userId` of another user is for admins. */
function listingFilter(caller: Caller, q: ListJobsQuery): JobFilter {
  const own = ownerUnless(caller, 'viewer')
  if (own !== null && q.userId !== undefined && q.userId !== own)
    throw new ForbiddenError("userId: listing other users' jobs needs the viewer role")
  return { ...readFilter(q), userId: own ?? q.userId, scheduleId: q.scheduleId }
}
