// The bad-input suite: hundreds of malformed requests (wrong types, huge numbers, unknown
// fields, broken JSON, broken multipart, path tricks in ids and file names, unicode edge cases)
// over real HTTP. Every answer must be a 4xx in the one error shape, and the server must stay
// healthy and keep serving good requests afterwards.
import { request } from 'node:http'
import t from 'tap'
import { startTestFaena } from '../support/faena.js'

interface BadRequest {
  name: string
  method: string
  path: string
  body?: string | Buffer
  contentType?: string
  headers?: Record<string, string>
}

/** Sends the request exactly as written: fetch would resolve `/jobs/..` to `/` before sending. */
function send(base: string, r: BadRequest, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${r.path}`, { method: r.method, headers, path: r.path }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => (text += c))
      res.on('end', () => resolve({ status: res.statusCode!, text }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(r.body)
  })
}

const json = (name: string, path: string, body: unknown): BadRequest => ({
  name,
  method: 'POST',
  path,
  body: typeof body === 'string' ? body : JSON.stringify(body),
  contentType: 'application/json',
})

const WRONG_VALUES: [string, unknown][] = [
  ['null', null],
  ['true', true],
  ['a string', 'x'],
  ['an array', [1]],
  ['an object', { a: 1 }],
  ['a negative', -1],
  ['a float', 1.5],
  ['a huge number', 1e308],
  ['a bigint-ish number', 1.2345678901234568e29],
  ['an empty string', ''],
  ['a long string', 'x'.repeat(10_000)],
]
const UNICODE = ['\u0000', '\ud800', '\u202e', 'e\u0301', '😀'.repeat(50), '\uFEFF', '%00', '..%2f..%2f']
const BROKEN_JSON = [
  '{',
  '{"type":',
  '{"type":"sleep",}',
  "{'type':'sleep'}",
  '[1,2',
  'nul',
  '{"a":1}}',
  '\uFEFF{',
  '{"type":"sleep"',
  '"just a string"',
  '12',
  '',
]
const IDS = [
  '..',
  '%2E%2E',
  '../../etc/passwd',
  '%2e%2e%2f',
  'a'.repeat(300),
  'x y',
  'ñ',
  '<script>',
  "1' OR '1'='1",
  '%00',
  'job%2Fother',
]

function badRequests(): BadRequest[] {
  const list: BadRequest[] = []
  // POST /jobs: every field with every wrong value, unknown fields, broken JSON.
  for (const [what, v] of WRONG_VALUES) {
    list.push(json(`POST /jobs type as ${what}`, '/jobs', { type: v }))
    list.push(json(`POST /jobs priority as ${what}`, '/jobs', { type: 'noop', priority: v }))
    list.push(json(`POST /jobs runAt as ${what}`, '/jobs', { type: 'noop', runAt: v }))
    list.push(
      json(`POST /jobs timeoutMs as ${what}`, '/jobs', {
        type: 'noop',
        timeoutMs: typeof v === 'number' && v > 0 && Number.isInteger(v) && v < 100 ? 'x' : v === 1e308 ? 1e308 : v,
      }),
    )
    list.push(json(`POST /jobs sleep ms as ${what}`, '/jobs', { type: 'sleep', parameters: { ms: v } }))
    list.push(
      json(`POST /jobs parameters as ${what}`, '/jobs', {
        type: 'sleep',
        parameters: Array.isArray(v) || v === null || typeof v !== 'object' ? v : { ms: 'x' },
      }),
    )
  }
  for (const body of BROKEN_JSON) list.push(json(`POST /jobs broken JSON ${JSON.stringify(body)}`, '/jobs', body))
  list.push(json('POST /jobs unknown field', '/jobs', { type: 'noop', owner: 'bob' }))
  list.push(json('POST /jobs user id smuggled', '/jobs', { type: 'noop', userId: 'bob' }))
  list.push(json('POST /jobs no type', '/jobs', {}))
  list.push(json('POST /jobs unknown type', '/jobs', { type: 'rm -rf' }))
  list.push(json('POST /jobs runAt not a date', '/jobs', { type: 'noop', runAt: '2026-13-45T99:00:00Z' }))
  list.push(json('POST /jobs timeout over the maximum', '/jobs', { type: 'noop', timeoutMs: 10 ** 12 }))
  list.push(
    json('POST /jobs upload type through /jobs', '/jobs', {
      type: 'dkt-import',
      parameters: { fileKey: '../../secret' },
    }),
  )
  for (const u of UNICODE)
    list.push(json(`POST /jobs unicode type ${JSON.stringify(u).slice(0, 20)}`, '/jobs', `{"type":"${u}"}`))
  list.push({
    name: 'POST /jobs as text/plain',
    method: 'POST',
    path: '/jobs',
    body: 'type=noop',
    contentType: 'text/plain',
  })
  list.push({
    name: 'POST /jobs as form',
    method: 'POST',
    path: '/jobs',
    body: 'type=noop',
    contentType: 'application/x-www-form-urlencoded',
  })
  list.push({
    name: 'POST /jobs huge body',
    method: 'POST',
    path: '/jobs',
    body: JSON.stringify({ type: 'noop', parameters: { x: 'x'.repeat(2_000_000) } }),
    contentType: 'application/json',
  })

  // Callbacks (on every job-creating route) and re-runs.
  for (const [what, v] of WRONG_VALUES)
    list.push(json(`POST /jobs callbackUrl as ${what}`, '/jobs', { type: 'noop', callbackUrl: v }))
  for (const url of [
    'http://127.0.0.1/x',
    'http://[::1]/',
    'http://169.254.169.254/latest',
    'file:///etc/passwd',
    'javascript:alert(1)',
    'http://user:pw@example.com/',
    'http://0/',
    'gopher://x',
    'http://%00/',
  ]) {
    list.push(json(`POST /jobs callbackUrl ${url}`, '/jobs', { type: 'noop', callbackUrl: url }))
    list.push(
      json(`kpi-export callbackUrl ${url}`, '/jobs/kpi-export', {
        filters: { from: '2020-01-01', to: '2020-01-31' },
        callbackUrl: url,
      }),
    )
  }

  // Schedules.
  const job = { type: 'noop' }
  for (const [what, v] of WRONG_VALUES) {
    list.push(json(`POST /schedules cron as ${what}`, '/schedules', { cron: v, job }))
    list.push(json(`POST /schedules timezone as ${what}`, '/schedules', { cron: '* * * * *', timezone: v, job }))
    list.push(json(`POST /schedules job as ${what}`, '/schedules', { cron: '* * * * *', job: v }))
    list.push(json(`POST /schedules job.type as ${what}`, '/schedules', { cron: '* * * * *', job: { type: v } }))
    list.push(
      json(`POST /schedules job.parameters as ${what}`, '/schedules', {
        cron: '* * * * *',
        job: { type: 'sleep', parameters: Array.isArray(v) || v === null || typeof v !== 'object' ? v : { ms: 'x' } },
      }),
    )
    list.push(
      json(`POST /schedules paused as ${what}`, '/schedules', {
        cron: '* * * * *',
        job,
        paused: v === true ? 'yes' : v,
      }),
    )
  }
  for (const cron of [
    '',
    '* * * *',
    '* * * * * * *',
    '61 * * * *',
    '* 25 * * *',
    '*/0 * * * *',
    'every day',
    '@daily',
    '0 0 31 2 *',
    '1-99999999999 * * * *',
  ]) {
    list.push(json(`POST /schedules cron ${JSON.stringify(cron)}`, '/schedules', { cron, job }))
  }
  for (const timezone of ['Mars/Olympus_Mons', 'UTC+3', '../../etc/localtime', ''])
    list.push(json(`POST /schedules timezone ${timezone}`, '/schedules', { cron: '* * * * *', timezone, job }))
  for (const body of BROKEN_JSON)
    list.push(json(`POST /schedules broken JSON ${JSON.stringify(body)}`, '/schedules', body))
  list.push(json('POST /schedules unknown field', '/schedules', { cron: '* * * * *', job, owner: 'bob' }))
  list.push(
    json('POST /schedules a job POST /jobs refuses', '/schedules', { cron: '* * * * *', job: { type: 'kpi-export' } }),
  )
  list.push(
    json('POST /schedules a job with runAt', '/schedules', {
      cron: '* * * * *',
      job: { type: 'noop', runAt: '2030-01-01T00:00:00Z' },
    }),
  )
  list.push({
    name: 'PATCH /schedules/x empty',
    method: 'PATCH',
    path: '/schedules/x',
    body: '{}',
    contentType: 'application/json',
  })
  list.push({
    name: 'PATCH /schedules/x bad cron',
    method: 'PATCH',
    path: '/schedules/x',
    body: '{"cron":"x"}',
    contentType: 'application/json',
  })

  // Ids and paths.
  for (const id of IDS) {
    const enc =
      encodeURIComponent(id).length > 0
        ? id.replace(/ /g, '%20').replace(/</g, '%3C').replace(/>/g, '%3E').replace(/'/g, '%27').replace(/ñ/g, '%C3%B1')
        : id
    list.push({ name: `GET /jobs/${id.slice(0, 20)}`, method: 'GET', path: `/jobs/${enc}` })
    list.push({ name: `DELETE /jobs/${id.slice(0, 20)}`, method: 'DELETE', path: `/jobs/${enc}` })
    list.push({ name: `GET /jobs/${id.slice(0, 20)}/download`, method: 'GET', path: `/jobs/${enc}/download` })
    list.push({ name: `GET /dkt/lotes/${id.slice(0, 20)}`, method: 'GET', path: `/dkt/lotes/${enc}` })
    list.push({ name: `GET /files/${id.slice(0, 20)}`, method: 'GET', path: `/files/${enc}?expires=1&sig=x` })
    list.push({ name: `POST /jobs/${id.slice(0, 20)}/retry`, method: 'POST', path: `/jobs/${enc}/retry` })
    list.push({ name: `GET /schedules/${id.slice(0, 20)}`, method: 'GET', path: `/schedules/${enc}` })
    list.push({
      name: `PATCH /schedules/${id.slice(0, 20)}`,
      method: 'PATCH',
      path: `/schedules/${enc}`,
      body: '{"paused":true}',
      contentType: 'application/json',
    })
    list.push({ name: `DELETE /schedules/${id.slice(0, 20)}`, method: 'DELETE', path: `/schedules/${enc}` })
  }
  for (const q of [
    'limit=-1',
    'limit=0',
    'limit=100000',
    'limit=abc',
    'offset=-5',
    'offset=1e99',
    'status=DONE',
    'status=',
    'type=%00',
    'limit=1&limit=2',
  ]) {
    list.push({ name: `GET /jobs?${q}`, method: 'GET', path: `/jobs?${q}` })
    list.push({ name: `GET /dkt/lotes?${q}`, method: 'GET', path: `/dkt/lotes?${q}` })
    list.push({ name: `GET /schedules?${q}`, method: 'GET', path: `/schedules?${q}` })
  }
  for (const q of ['scheduleId=', 'scheduleId=%00', 'scheduleId=../x', `scheduleId=${'a'.repeat(100)}`])
    list.push({ name: `GET /jobs?${q}`, method: 'GET', path: `/jobs?${q}` })

  // KPI exports.
  const filters = { from: '2020-01-01', to: '2020-01-31' }
  for (const [what, v] of WRONG_VALUES) {
    list.push(json(`kpi-export from as ${what}`, '/jobs/kpi-export', { filters: { ...filters, from: v } }))
    list.push(json(`kpi-export format as ${what}`, '/jobs/kpi-export', { filters, format: v }))
    list.push(json(`kpi-export columns as ${what}`, '/jobs/kpi-export', { filters, columns: v }))
    list.push(
      json(`kpi-export sucursal as ${what}`, '/jobs/kpi-export', {
        filters: { ...filters, sucursal: v === 'x' ? '' : v },
      }),
    )
  }
  for (const body of BROKEN_JSON)
    list.push(json(`kpi-export broken JSON ${JSON.stringify(body)}`, '/jobs/kpi-export', body))
  list.push(
    json('kpi-export inverted range', '/jobs/kpi-export', { filters: { from: '2020-02-01', to: '2020-01-01' } }),
  )
  list.push(
    json('kpi-export SQL in a filter key', '/jobs/kpi-export', {
      filters: { ...filters, 'sucursal; DROP TABLE report': 'x' },
    }),
  )
  list.push(json('kpi-export unknown column', '/jobs/kpi-export', { filters, columns: ['id_log; --'] }))
  list.push(json('kpi-export 31 February', '/jobs/kpi-export', { filters: { from: '2020-02-31', to: '2020-03-01' } }))

  // Data reports.
  for (const [what, v] of WRONG_VALUES) {
    list.push(json(`report reportType as ${what}`, '/jobs/report', { reportType: v === 'x' ? 'x y' : v, rows: [] }))
    list.push(json(`report rows as ${what}`, '/jobs/report', { reportType: 'r', rows: Array.isArray(v) ? [v] : v }))
    list.push(
      json(`report compress as ${what}`, '/jobs/report', {
        reportType: 'r',
        rows: [],
        compress: v === true ? 'yes' : v,
      }),
    )
  }
  for (const body of BROKEN_JSON) list.push(json(`report broken JSON ${JSON.stringify(body)}`, '/jobs/report', body))
  for (const u of UNICODE)
    list.push(
      json(`report unicode reportType ${JSON.stringify(u).slice(0, 20)}`, '/jobs/report', { reportType: u, rows: [] }),
    )

  // Broken multipart.
  const boundary = '----faenabad'
  const mp = (
    name: string,
    path: string,
    body: string,
    contentType = `multipart/form-data; boundary=${boundary}`,
  ): BadRequest => ({ name, method: 'POST', path, body, contentType })
  for (const path of ['/jobs/dkt-import', '/jobs/report']) {
    list.push(mp(`${path} no boundary`, path, 'x', 'multipart/form-data'))
    list.push(mp(`${path} empty body`, path, ''))
    list.push(mp(`${path} only the closing boundary`, path, `--${boundary}--\r\n`))
    list.push(
      mp(
        `${path} truncated part`,
        path,
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\nabc`,
      ),
    )
    list.push(mp(`${path} part without headers`, path, `--${boundary}\r\n\r\nabc\r\n--${boundary}--\r\n`))
    list.push(
      mp(
        `${path} path tricks in the file name`,
        path,
        `--${boundary}\r\nContent-Disposition: form-data; name="nofile"; filename="../../../etc/passwd"\r\n\r\nabc\r\n--${boundary}--\r\n`,
      ),
    )
    list.push(
      mp(
        `${path} a field only`,
        path,
        `--${boundary}\r\nContent-Disposition: form-data; name="force"\r\n\r\ntrue\r\n--${boundary}--\r\n`,
      ),
    )
    list.push(mp(`${path} garbage`, path, '\u0000\u0001\u0002'.repeat(100)))
    list.push({
      name: `${path} as JSON`,
      method: 'POST',
      path,
      body: '{"file": "x"}',
      contentType: path === '/jobs/report' ? 'application/xml' : 'application/json',
    })
  }
  // Authentication.
  for (const auth of [
    '',
    'Bearer',
    'Bearer x.y.z',
    'Basic YWxpY2U6cHc=',
    `Bearer ${'a'.repeat(10_000)}`,
    'Bearer \u00e9t\u00e9',
  ]) {
    list.push({
      name: `auth ${JSON.stringify(auth.slice(0, 20))}`,
      method: 'GET',
      path: '/jobs',
      headers: { authorization: auth },
    })
  }
  // Headers.
  list.push({
    ...json('Idempotency-Key too long', '/jobs', { type: 'noop' }),
    headers: { 'idempotency-key': 'k'.repeat(300) },
  })
  list.push({ name: 'unknown route', method: 'GET', path: '/jobs/x/y/z' })
  list.push({ name: 'unknown method', method: 'PATCH', path: '/jobs' })
  return list
}

t.test('at least 200 malformed requests: each a 4xx in the one error shape; the server stays healthy', async (t) => {
  const f = await startTestFaena(t, {
    config: { WORKER_CONCURRENCY: 0, MAX_ACTIVE_JOBS_PER_USER: 100_000, JOB_CREATION_PER_MINUTE: 100_000 },
  })
  await f.faena.app.listen({ port: 0, host: '127.0.0.1' })
  const address = f.faena.app.server.address() as { port: number }
  const base = `http://127.0.0.1:${address.port}`
  const token = f.token('alice')
  const requests = badRequests()
  t.ok(requests.length >= 200, `${requests.length} requests`)
  const failures: string[] = []
  for (const r of requests) {
    const headers: Record<string, string> = {
      authorization: `Bearer ${token}`,
      ...(r.contentType ? { 'content-type': r.contentType } : {}),
      ...r.headers,
    }
    let res: { status: number; text: string }
    try {
      res = await send(base, r, headers)
    } catch (err) {
      failures.push(`${r.name}: no answer (${(err as Error).message})`)
      continue
    }
    const text = res.text
    let body: { statusCode?: unknown; code?: unknown; message?: unknown; error?: unknown } = {}
    try {
      body = JSON.parse(text)
    } catch {
      // reported below
    }
    const shaped =
      body.statusCode === res.status &&
      typeof body.code === 'string' &&
      typeof body.message === 'string' &&
      typeof body.error === 'string'
    if (res.status < 400 || res.status >= 500 || !shaped)
      failures.push(`${r.name}: ${res.status} ${text.slice(0, 200)}`)
    if (/at .*\.(js|ts):\d+|SELECT |INSERT |prisma/i.test(text))
      failures.push(`${r.name}: leaks internals: ${text.slice(0, 200)}`)
  }
  t.same(failures, [], 'every answer a 4xx with the standard error shape, and no internals')
  const health = await fetch(`${base}/health/ready`)
  t.equal(health.status, 200, 'still healthy')
  const good = await fetch(`${base}/jobs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: '{"type":"noop"}',
  })
  t.equal(good.status, 202, 'and still serving')
  const { rows } = await f.faena.db.pool.query('SELECT count(*)::int AS n FROM processing_job')
  t.equal(rows[0].n, 1, 'no bad request created a job')
  const schedules = await f.faena.db.pool.query('SELECT count(*)::int AS n FROM job_schedule')
  t.equal(schedules.rows[0].n, 0, 'nor a schedule')
})
