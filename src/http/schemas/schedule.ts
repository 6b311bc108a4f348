import Type from 'typebox'
import { page } from './examples.js'
import { CallbackUrl, Priority } from './job.js'
import { PageOf, PageQuery } from './page.js'

const Timestamp = Type.String({ format: 'date-time' })
const Nullable = <T extends Type.TSchema>(t: T) => Type.Union([t, Type.Null()])

export const ScheduleId = Type.Object({
  id: Type.String({
    minLength: 1,
    maxLength: 64,
    pattern: '^[A-Za-z0-9_-]+$',
    examples: ['019ae0c3-1a2b-7c3d-8e4f-5a6b7c8d9e0f'],
  }),
})

const ScheduledJob = Type.Object(
  {
    type: Type.String({ minLength: 1, maxLength: 100, examples: ['resize-images'] }),
    parameters: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    priority: Type.Optional(Priority),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 100 })),
    callbackUrl: Type.Optional(CallbackUrl),
  },
  {
    additionalProperties: false,
    description: 'the job each tick starts, as POST /jobs takes it (checked the same way)',
  },
)

const Cron = Type.String({
  minLength: 1,
  maxLength: 200,
  description: 'five fields (minute hour day-of-month month day-of-week), or six with seconds first; read by croner',
  examples: ['0 7 * * 1'],
})
const Timezone = Type.String({
  minLength: 1,
  maxLength: 64,
  description: 'IANA time zone the cron is read in (daylight-saving changes included)',
  examples: ['America/Argentina/Buenos_Aires'],
})
const Name = Type.String({ minLength: 1, maxLength: 200, examples: ['weekly resize'] })

export const CreateScheduleBody = Type.Object(
  {
    name: Type.Optional(Name),
    cron: Cron,
    timezone: Type.Optional(Type.String({ ...Timezone, default: 'UTC' })),
    job: ScheduledJob,
    paused: Type.Optional(Type.Boolean({ default: false })),
  },
  { additionalProperties: false },
)

export const UpdateScheduleBody = Type.Object(
  {
    name: Type.Optional(Name),
    cron: Type.Optional(Cron),
    timezone: Type.Optional(Timezone),
    job: Type.Optional(ScheduledJob),
    paused: Type.Optional(
      Type.Boolean({ description: 'true: it starts nothing; false again: from its next tick after now' }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
)

const EXAMPLE = {
  id: '019ae0c3-1a2b-7c3d-8e4f-5a6b7c8d9e0f',
  userId: 'alice',
  name: 'weekly resize',
  cron: '0 7 * * 1',
  timezone: 'America/Argentina/Buenos_Aires',
  job: { type: 'resize-images', parameters: { folder: 'uploads/weekly', width: 640 } },
  paused: false,
  nextRunAt: '2026-12-07T10:00:00.000Z',
  lastRunAt: '2026-11-30T10:00:00.000Z',
  lastJobId: '019ad6a8-6c00-7a1b-9c2d-3e4f5a6b7c8d',
  lastError: null,
  createdAt: '2026-11-22T15:26:26.511Z',
  updatedAt: '2026-11-30T10:00:00.012Z',
}

export const Schedule = Type.Object(
  {
    id: Type.String(),
    userId: Type.String(),
    name: Nullable(Type.String()),
    cron: Type.String(),
    timezone: Type.String(),
    job: ScheduledJob,
    paused: Type.Boolean(),
    nextRunAt: Nullable(Timestamp),
    lastRunAt: Nullable(Timestamp),
    lastJobId: Nullable(
      Type.String({ description: 'the job the last tick started (GET /jobs?scheduleId= lists them all)' }),
    ),
    lastError: Nullable(
      Type.String({
        description: "why the last tick started no job (the owner's active-job limit, a job type since removed)",
      }),
    ),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { $id: 'Schedule', examples: [EXAMPLE] },
)

export const ListSchedulesQuery = PageQuery({})
export const ScheduleList = PageOf(Type.Ref('Schedule'), page(EXAMPLE))
