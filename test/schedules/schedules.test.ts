// Recurring schedules: the routes (checked as POST /jobs checks a job), one job per tick across
// two processes on one database, one job for the latest tick missed while nothing ran, nothing
// from a paused schedule, and cron read in a time zone across daylight-saving changes.
import t from 'tap'
import { readCron } from '../../src/schedules/cron.js'
import { createTestDatabase } from '../support/database.js'
import { startTestFaena } from '../support/faena.js'
import { startServerProcess } from '../support/server-process.js'
import { waitFor } from '../support/wait.js'

t.test('create, read, list, pause, resume, delete; owner or admin only', async (t) => {
  const f = await startTestFaena(t, { config: { ROLE: 'api', WORKER_CONCURRENCY: 0 } })
  const res = await f.as('alice').post('/schedules', {
    name: 'weekly',
    cron: '0 7 * * 1',
    timezone: 'America/Argentina/Buenos_Aires',
    job: { type: 'sleep', parameters: { ms: 10 } },
  })
  t.equal(res.statusCode, 201)
  const s = res.json()
  t.equal(res.headers.location, `/schedules/${s.id}`)
  t.match(s, {
    name: 'weekly',
    cron: '0 7 * * 1',
    timezone: 'America/Argentina/Buenos_Aires',
    paused: false,
    lastRunAt: null,
    lastJobId: null,
    userId: 'alice',
  })
  t.same(s.job, { type: 'sleep', parameters: { ms: 10, steps: 10 } }, 'parameters stored with their defaults')
  const next = new Date(s.nextRunAt)
  t.equal(next.getUTCDay(), 1, 'a Monday')
  t.equal(next.getUTCHours(), 10, '07:00 in Buenos Aires is 10:00 UTC')
  t.ok(next.getTime() > Date.now())

  t.equal((await f.as('bob').get(`/schedules/${s.id}`)).statusCode, 404, "another user's schedule is not found")
  t.equal((await f.as('root', { admin: true }).get(`/schedules/${s.id}`)).statusCode, 200)
  await f.as('bob').post('/schedules', { cron: '* * * * *', job: { type: 'noop' } })
  t.equal((await f.as('alice').get('/schedules')).json().pagination.total, 1, 'a user lists their own')
  t.equal((await f.as('root', { admin: true }).get('/schedules')).json().pagination.total, 2, 'an admin lists all')

  const patch = (body: unknown) =>
    f.faena.app.inject({
      method: 'PATCH',
      url: `/schedules/${s.id}`,
      headers: { authorization: `Bearer ${f.token('alice')}` },
      payload: body as object,
    })
  const paused = await patch({ paused: true })
  t.match(paused.json(), { paused: true, nextRunAt: null })
  const resumed = (await patch({ paused: false, cron: '30 8 * * *' })).json()
  t.match(resumed, { paused: false, cron: '30 8 * * *' })
  t.equal(new Date(resumed.nextRunAt).getUTCHours(), 11)
  const badPatch = await patch({ job: { type: 'sleep', parameters: { ms: -1 } } })
  t.equal(badPatch.statusCode, 400)
  t.match(badPatch.json(), { message: /^parameters\.ms: / })

  t.equal((await f.as('bob').delete(`/schedules/${s.id}`)).statusCode, 404)
  t.equal((await f.as('alice').delete(`/schedules/${s.id}`)).statusCode, 204)
  t.equal((await f.as('alice').get(`/schedules/${s.id}`)).statusCode, 404)
})

t.test('refused when made: a bad cron or zone, or a job POST /jobs would refuse; over the limit a 409', async (t) => {
  const f = await startTestFaena(t, { config: { ROLE: 'api', WORKER_CONCURRENCY: 0, MAX_SCHEDULES_PER_USER: 1 } })
  const cases: [unknown, RegExp][] = [
    [
      { cron: '61 * * * *', job: { type: 'noop' } },
      /^cron: "61 \* \* \* \*" is not a cron expression \(Invalid value for minute: 61\)/,
    ],
    [{ cron: '* * * *', job: { type: 'noop' } }, /^cron: "\* \* \* \*" has 4 fields; five/],
    [{ cron: '0 0 1 1 * 2030', job: { type: 'noop' } }, /^cron: .* has 6 fields|^cron: /],
    [
      { cron: '* * * * *', timezone: 'Mars/Olympus_Mons', job: { type: 'noop' } },
      /^timezone: "Mars\/Olympus_Mons" is not an IANA time zone/,
    ],
    [{ cron: '* * * * *', job: { type: 'nope' } }, /^type: unknown job type "nope"/],
    [
      { cron: '* * * * *', job: { type: 'kpi-export' } },
      /^type: jobs of type "kpi-export" are submitted through POST \/jobs\/kpi-export/,
    ],
    [{ cron: '* * * * *', job: { type: 'sleep', parameters: { steps: 0 } } }, /^parameters\.steps: /],
    [
      { cron: '* * * * *', job: { type: 'noop', callbackUrl: 'http://10.0.0.1/x' } },
      /^callbackUrl: .* private address/,
    ],
  ]
  for (const [body, message] of cases) {
    const res = await f.as('alice').post('/schedules', body)
    t.equal(res.statusCode, 400, JSON.stringify(body))
    t.match(res.json(), { code: 'VALIDATION_FAILED', message }, JSON.stringify(body))
  }
  t.equal((await f.as('alice').post('/schedules', { cron: '* * * * *', job: { type: 'noop' } })).statusCode, 201)
  const over = await f.as('alice').post('/schedules', { cron: '* * * * *', job: { type: 'noop' } })
  t.equal(over.statusCode, 409)
  t.match(over.json(), { code: 'TOO_MANY_SCHEDULES' })
})

t.test('two processes on one database, a tick every 2 s: one job per tick, none twice', async (t) => {
  const databaseUrl = await createTestDatabase(t)
  const f = await startTestFaena(t, { databaseUrl })
  await startServerProcess(t, { DATABASE_URL: databaseUrl })
  const s = (await f.as('alice').post('/schedules', { cron: '*/2 * * * * *', job: { type: 'noop' } })).json()
  await waitFor(
    'five ticks',
    async () => (await f.faena.db.pool.query('SELECT count(*)::int AS n FROM processing_job')).rows[0].n >= 5,
    30_000,
  )
  await f.as('alice').delete(`/schedules/${s.id}`)
  const { rows } = await f.faena.db.pool.query<{ scheduled_for: Date; schedule_id: string; user_id: string }>(
    'SELECT scheduled_for, schedule_id, user_id FROM processing_job ORDER BY scheduled_for',
  )
  const ticks = rows.map((r) => r.scheduled_for.getTime())
  t.equal(new Set(ticks).size, ticks.length, 'no tick twice')
  t.ok(
    ticks.every((ms) => ms % 2000 === 0),
    'every job is for a tick',
  )
  t.same(
    ticks.slice(1).map((ms, i) => ms - ticks[i]!),
    ticks.slice(1).map(() => 2000),
    'no tick missed',
  )
  t.ok(
    rows.every((r) => r.schedule_id === s.id && r.user_id === 'alice'),
    'started as the owner, with the schedule id',
  )
  const listed = (await f.as('alice').get(`/jobs?scheduleId=${s.id}&limit=100`)).json()
  t.equal(listed.data.length, rows.length, 'GET /jobs?scheduleId= lists them')
  t.match(listed.data[0], { scheduleId: s.id, scheduledFor: String })
})

t.test('after downtime: one job for the latest missed tick; a paused schedule starts nothing', async (t) => {
  const databaseUrl = await createTestDatabase(t)
  const api = await startTestFaena(t, { databaseUrl, config: { ROLE: 'api', WORKER_CONCURRENCY: 0 } })
  const hourly = (await api.as('alice').post('/schedules', { cron: '0 * * * *', job: { type: 'noop' } })).json()
  const paused = (
    await api.as('alice').post('/schedules', { cron: '* * * * *', job: { type: 'noop' }, paused: true })
  ).json()
  // Nothing ticked for ten hours.
  await api.faena.db.pool.query("UPDATE job_schedule SET next_run_at = date_trunc('hour', now()) - interval '10 hours'")
  await startTestFaena(t, { databaseUrl, config: { WORKER_CONCURRENCY: 0 } })
  const after = await waitFor('the missed tick', async () => {
    const s = (await api.as('alice').get(`/schedules/${hourly.id}`)).json()
    return s.lastJobId ? s : null
  })
  const { rows } = await api.faena.db.pool.query('SELECT schedule_id, scheduled_for FROM processing_job')
  t.equal(rows.length, 1, 'one job, not ten')
  const hour = new Date()
  hour.setUTCMinutes(0, 0, 0)
  t.equal(rows[0].scheduled_for.getTime(), hour.getTime(), 'for the latest missed tick')
  t.equal(rows[0].schedule_id, hourly.id, 'none from the paused schedule')
  t.equal(new Date(after.nextRunAt).getTime(), hour.getTime() + 3_600_000, 'next: the coming tick')
  t.match((await api.as('alice').get(`/schedules/${paused.id}`)).json(), { lastRunAt: null, nextRunAt: null })
})

t.test("a tick the owner's limit refuses starts nothing and says why; the schedule goes on", async (t) => {
  const f = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 0, MAX_ACTIVE_JOBS_PER_USER: 1 } })
  await f.as('alice').post('/jobs', { type: 'noop' })
  const s = (await f.as('alice').post('/schedules', { cron: '* * * * * *', job: { type: 'noop' } })).json()
  const refused = await waitFor('a refused tick', async () => {
    const view = (await f.as('alice').get(`/schedules/${s.id}`)).json()
    return view.lastError ? view : null
  })
  t.match(refused, { lastJobId: null, lastError: /MAX_ACTIVE_JOBS_PER_USER/ })
  t.ok(new Date(refused.nextRunAt) > new Date(refused.lastRunAt))
  const { rows } = await f.faena.db.pool.query(
    'SELECT count(*)::int AS n FROM processing_job WHERE schedule_id IS NOT NULL',
  )
  t.equal(rows[0].n, 0)
})

t.test('cron in a time zone: daylight-saving changes as croner reads them', async (t) => {
  // Europe/Madrid: 2026-03-29 02:00 -> 03:00; 2026-10-25 03:00 -> 02:00.
  const daily7 = readCron('0 7 * * *', 'Europe/Madrid')
  t.equal(
    daily7.next(new Date('2026-03-28T12:00:00Z'))!.toISOString(),
    '2026-03-29T05:00:00.000Z',
    '07:00 CEST after the change',
  )
  t.equal(
    daily7.next(new Date('2026-03-27T12:00:00Z'))!.toISOString(),
    '2026-03-28T06:00:00.000Z',
    '07:00 CET before it',
  )
  const skipped = readCron('30 2 * * *', 'Europe/Madrid')
  const spring = [skipped.next(new Date('2026-03-28T12:00:00Z'))!]
  spring.push(skipped.next(spring[0]!)!)
  t.same(
    spring.map((d) => d.toISOString()),
    ['2026-03-29T01:30:00.000Z', '2026-03-30T00:30:00.000Z'],
    'a tick in the skipped hour runs once, after the change',
  )
  const autumn = [skipped.next(new Date('2026-10-24T12:00:00Z'))!]
  autumn.push(skipped.next(autumn[0]!)!)
  t.same(
    autumn.map((d) => d.toISOString()),
    ['2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z'],
    'a tick in the repeated hour runs once',
  )
  const everySecond = readCron('* * * * * *', 'UTC')
  t.equal(
    everySecond.latestAtOrBefore(new Date('2026-12-02T10:00:05.000Z'))!.toISOString(),
    '2026-12-02T10:00:05.000Z',
    'a tick exactly now is due',
  )
  t.equal(everySecond.latestAtOrBefore(new Date('2026-12-02T10:00:05.999Z'))!.toISOString(), '2026-12-02T10:00:05.000Z')
  t.equal(
    readCron('0 7 * * 1', 'America/Argentina/Buenos_Aires')
      .latestAtOrBefore(new Date('2026-12-02T00:00:00Z'))!
      .toISOString(),
    '2026-11-30T10:00:00.000Z',
  )
})
