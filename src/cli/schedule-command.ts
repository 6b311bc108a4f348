// `faena schedule add|list|pause|resume|rm`: recurring jobs from the command line.
import type { FaenaClient } from '../client/faena-client.js'
import type { ScheduleView } from '../schedules/schedule-service.js'

export const SCHEDULE_USAGE = `  schedule add --cron "0 7 * * 1" --type T [--params JSON] [--tz ZONE] [--name N] [--callback-url URL]
                                         run a job on a recurring schedule (cron: 5 fields, or 6 with seconds)
  schedule list                           your schedules
  schedule pause|resume|rm <scheduleId>   pause, resume or delete one`

export interface ScheduleOptions {
  cron?: string | undefined
  type?: string | undefined
  params?: string | undefined
  tz?: string | undefined
  name?: string | undefined
  callbackUrl?: string | undefined
}

/** Runs the subcommand; a usage problem comes back as a string, success as null. */
export async function scheduleCommand(
  client: FaenaClient,
  action: string | undefined,
  id: string | undefined,
  o: ScheduleOptions,
): Promise<string | null> {
  switch (action) {
    case 'add': {
      if (!o.cron || !o.type) return 'schedule add needs --cron and --type'
      let parameters: Record<string, unknown> | undefined
      if (o.params !== undefined) {
        try {
          parameters = JSON.parse(o.params) as Record<string, unknown>
        } catch {
          return '--params is not JSON'
        }
      }
      const s = await client.createSchedule({
        cron: o.cron,
        ...(o.tz ? { timezone: o.tz } : {}),
        ...(o.name ? { name: o.name } : {}),
        job: {
          type: o.type,
          ...(parameters ? { parameters } : {}),
          ...(o.callbackUrl ? { callbackUrl: o.callbackUrl } : {}),
        },
      })
      console.log(line(s))
      return null
    }
    case 'list': {
      const page = await client.listSchedules({ limit: 100 })
      for (const s of page.data) console.log(line(s))
      return null
    }
    case 'pause':
    case 'resume':
      if (!id) return `schedule ${action} needs a schedule id`
      console.log(line(await client.updateSchedule(id, { paused: action === 'pause' })))
      return null
    case 'rm':
      if (!id) return 'schedule rm needs a schedule id'
      await client.deleteSchedule(id)
      console.error(`schedule ${id} deleted`)
      return null
    default:
      return `unknown schedule action ${action ?? '(none)'}: add, list, pause, resume or rm`
  }
}

function line(s: ScheduleView): string {
  return [
    s.id,
    s.job.type.padEnd(12),
    `${s.cron} ${s.timezone}`.padEnd(36),
    s.paused ? 'paused'.padEnd(24) : `next ${s.nextRunAt}`,
    s.name ?? '',
  ].join('  ')
}
