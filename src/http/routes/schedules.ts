// /schedules: thin handlers over the schedule service.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import type { ScheduleService } from '../../schedules/schedule-service.js'
import { errorResponses } from '../schemas/error.js'
import {
  CreateScheduleBody,
  ListSchedulesQuery,
  ScheduleId,
  ScheduleList,
  UpdateScheduleBody,
} from '../schemas/schedule.js'

const tags = ['schedules']

export interface ScheduleRouteOptions {
  schedules: ScheduleService
}

const scheduleRoutes: FastifyPluginAsyncTypebox<ScheduleRouteOptions> = async (app, { schedules }) => {
  app.post(
    '/schedules',
    {
      schema: {
        tags,
        summary: 'Run a job on a recurring schedule',
        description:
          "Starts the job at every tick of `cron` in `timezone`, as its owner (the owner's limits apply). Exactly one job per tick across every node; after downtime, one job for the latest missed tick, never a burst. The job is checked as POST /jobs would check it: a type or parameters it would refuse are a 400 now. Its jobs carry `scheduleId` and `scheduledFor`.",
        body: CreateScheduleBody,
        response: { 201: Type.Ref('Schedule'), ...errorResponses(400, 401, 409) },
      },
    },
    async (request, reply) => {
      const s = await schedules.create(request.caller, request.body)
      return reply.code(201).header('location', `/schedules/${s.id}`).send(s)
    },
  )

  app.get(
    '/schedules',
    {
      schema: {
        tags,
        summary: "The caller's schedules (a viewer's: everyone's), newest first",
        querystring: ListSchedulesQuery,
        response: { 200: ScheduleList, ...errorResponses(400, 401) },
      },
    },
    async (request) => schedules.list(request.caller, request.query),
  )

  app.get(
    '/schedules/:id',
    {
      schema: {
        tags,
        summary: 'A schedule: its next and last tick, the last job it started',
        params: ScheduleId,
        response: { 200: Type.Ref('Schedule'), ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => schedules.get(request.caller, request.params.id),
  )

  app.patch(
    '/schedules/:id',
    {
      schema: {
        tags,
        summary: 'Change, pause or resume a schedule',
        description:
          'A new `cron` or `timezone`, or a resume, counts from now: ticks missed while paused start nothing.',
        params: ScheduleId,
        body: UpdateScheduleBody,
        response: { 200: Type.Ref('Schedule'), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => schedules.update(request.caller, request.params.id, request.body),
  )

  app.delete(
    '/schedules/:id',
    {
      schema: {
        tags,
        summary: 'Delete a schedule (the jobs it started stay)',
        params: ScheduleId,
        response: { 204: Type.Null({ description: 'deleted' }), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      await schedules.delete(request.caller, request.params.id)
      return reply.code(204).send(null)
    },
  )
}

export default scheduleRoutes
