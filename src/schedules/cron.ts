// Reading a schedule's cron expression in its time zone, through croner (daylight-saving
// changes handled as croner does: a tick in a skipped hour runs once, just after the change; a
// tick in a repeated hour runs once, the first time). Five fields, or six with seconds first.
import { Cron } from 'croner'
import { ValidationError } from '../errors.js'

export interface CronSchedule {
  /** The first tick after `after`; null when there is none (never, for a valid expression here). */
  next(after: Date): Date | null
  /** The latest tick at or before `at`. */
  latestAtOrBefore(at: Date): Date | null
}

/** The expression in the zone, or a 400 naming `cron` or `timezone`. */
export function readCron(cron: string, timezone: string): CronSchedule {
  if (!validZone(timezone))
    throw new ValidationError(
      `timezone: "${timezone}" is not an IANA time zone (e.g. America/Argentina/Buenos_Aires, UTC)`,
      { field: 'timezone' },
    )
  const fields = cron.trim().split(/\s+/)
  if (fields.length !== 5 && fields.length !== 6) {
    throw new ValidationError(
      `cron: "${cron}" has ${fields.length} fields; five (minute hour day month weekday), or six with seconds first`,
      { field: 'cron' },
    )
  }
  let c: Cron
  try {
    c = new Cron(fields.join(' '), { timezone, paused: true, mode: '5-or-6-parts' })
  } catch (err) {
    throw new ValidationError(
      `cron: "${cron}" is not a cron expression (${(err as Error).message.replace(/^CronPattern: /, '')})`,
      { field: 'cron' },
    )
  }
  if (c.nextRun(new Date()) === null) throw new ValidationError(`cron: "${cron}" never runs`, { field: 'cron' })
  return {
    next: (after) => c.nextRun(after),
    // croner's previous runs are strictly before the reference, read to the second.
    latestAtOrBefore: (at) => c.previousRuns(1, new Date(Math.floor(at.getTime() / 1000) * 1000 + 1000))[0] ?? null,
  }
}

function validZone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone })
    return timezone.length > 0
  } catch {
    return false
  }
}
