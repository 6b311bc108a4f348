// Recurring schedules on behalf of a caller: create, read, list, change, delete. What a
// schedule starts is checked here as POST /jobs checks a job (jobs.check): a schedule that
// could only fail is refused when it is made. The ticker (ticker.ts) starts the jobs.
import { v7 as uuidv7 } from 'uuid'
import type { Database } from '../db/database.js'
import { ConflictError, NotFoundError } from '../errors.js'
import type { JobSchedule, Prisma } from '../generated/prisma/client.js'
import { type Caller, ownerUnless, requireOperatorFor } from '../jobs/caller.js'
import type { CreateJobInput, JobService } from '../jobs/job-service.js'
import { type PageQuery, toPage } from '../jobs/page.js'
import { readCron } from './cron.js'

export interface ScheduledJob {
  type: string
  parameters?: Record<string, unknown>
  priority?: 'HIGH' | 'NORMAL' | 'LOW'
  timeoutMs?: number
  callbackUrl?: string
}

export interface NewSchedule {
  name?: string
  cron: string
  timezone?: string
  job: ScheduledJob
  paused?: boolean
}

export type ScheduleChange = Partial<NewSchedule>

export interface ScheduleView {
  id: string
  userId: string
  name: string | null
  cron: string
  timezone: string
  job: ScheduledJob
  paused: boolean
  /** Null while paused. */
  nextRunAt: string | null
  lastRunAt: string | null
  lastJobId: string | null
  lastError: string | null
  createdAt: string
  updatedAt: string
}

export type ScheduleService = ReturnType<typeof createScheduleService>

export function createScheduleService(db: Database, jobs: JobService, o: { maxPerUser: number; changed?: () => void }) {
  /** The schedules the caller may see: a viewer's, everyone's (changing another's: operator). */
  const owned = (caller: Caller): Prisma.JobScheduleWhereInput => {
    const own = ownerUnless(caller, 'viewer')
    return own === null ? {} : { userId: own }
  }

  async function find(caller: Caller, id: string): Promise<JobSchedule> {
    const s = await db.prisma.jobSchedule.findFirst({ where: { id, ...owned(caller) } })
    if (!s) throw new NotFoundError('schedule', id)
    return s
  }

  /** What a tick starts, checked as POST /jobs checks it; its parameters with their defaults. */
  async function checkJob(job: ScheduledJob): Promise<ScheduledJob> {
    const checked = await jobs.check(job as CreateJobInput)
    return { ...job, parameters: checked.parameters as Record<string, unknown> }
  }

  return {
    async create(caller: Caller, input: NewSchedule): Promise<ScheduleView> {
      const timezone = input.timezone ?? 'UTC'
      const cron = readCron(input.cron, timezone)
      const job = await checkJob(input.job)
      const count = await db.prisma.jobSchedule.count({ where: { userId: caller.userId } })
      if (count >= o.maxPerUser) {
        throw new ConflictError(
          'TOO_MANY_SCHEDULES',
          `you have ${count} schedules, the most allowed (MAX_SCHEDULES_PER_USER); delete one first`,
          { schedules: count },
        )
      }
      const s = await db.prisma.jobSchedule.create({
        data: {
          id: uuidv7(),
          userId: caller.userId,
          name: input.name ?? null,
          cron: input.cron.trim(),
          timezone,
          job: job as unknown as Prisma.InputJsonValue,
          paused: input.paused ?? false,
          nextRunAt: cron.next(new Date())!,
        },
      })
      o.changed?.()
      return toScheduleView(s)
    },

    async get(caller: Caller, id: string): Promise<ScheduleView> {
      return toScheduleView(await find(caller, id))
    },

    async list(caller: Caller, q: PageQuery) {
      const where = owned(caller)
      const [rows, total] = await Promise.all([
        db.prisma.jobSchedule.findMany({
          where,
          orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
          take: q.limit,
          skip: q.offset,
        }),
        db.prisma.jobSchedule.count({ where }),
      ])
      return toPage(rows.map(toScheduleView), total, q)
    },

    /** A new cron or zone, or a resume, counts from now: ticks missed while paused start nothing. */
    async update(caller: Caller, id: string, change: ScheduleChange): Promise<ScheduleView> {
      const before = await find(caller, id)
      requireOperatorFor(caller, before.userId, "changing another user's schedule")
      const timezone = change.timezone ?? before.timezone
      const cronText = change.cron ?? before.cron
      const cron = readCron(cronText, timezone)
      const job = change.job ? await checkJob(change.job) : undefined
      const paused = change.paused ?? before.paused
      const recount = change.cron !== undefined || change.timezone !== undefined || (before.paused && !paused)
      const s = await db.prisma.jobSchedule.update({
        where: { id: before.id },
        data: {
          ...(change.name === undefined ? {} : { name: change.name }),
          cron: cronText.trim(),
          timezone,
          ...(job ? { job: job as unknown as Prisma.InputJsonValue } : {}),
          paused,
          ...(recount ? { nextRunAt: cron.next(new Date())! } : {}),
          updatedAt: new Date(),
        },
      })
      o.changed?.()
      return toScheduleView(s)
    },

    /** Its jobs stay, with its id. */
    async delete(caller: Caller, id: string): Promise<void> {
      const before = await find(caller, id)
      requireOperatorFor(caller, before.userId, "deleting another user's schedule")
      const { count } = await db.prisma.jobSchedule.deleteMany({ where: { id: before.id } })
      if (count === 0) throw new NotFoundError('schedule', id)
    },
  }
}

const iso = (d: Date | null) => (d ? d.toISOString() : null)

export function toScheduleView(s: JobSchedule): ScheduleView {
  return {
    id: s.id,
    userId: s.userId,
    name: s.name,
    cron: s.cron,
    timezone: s.timezone,
    job: s.job as unknown as ScheduledJob,
    paused: s.paused,
    nextRunAt: s.paused ? null : s.nextRunAt.toISOString(),
    lastRunAt: iso(s.lastRunAt),
    lastJobId: s.lastJobId,
    lastError: s.lastError,
    createdAt: s.createdAt.toISOString(),
    updatedAt: s.updatedAt.toISOString(),
  }
}
