// The /jobs API over fastify.inject, against a real database (and real workers where a job runs).
import t from 'tap'
import { startTestFaena } from '../support/faena.js'

t.test('POST /jobs answers 202 with the job id and a Location', async (t) => {
  const { as, faena } = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 0 } })
  const res = await as('alice').post('/jobs', { type: 'sleep', parameters: { ms: 10, steps: 1 }, priority: 'HIGH' })
  t.equal(res.statusCode, 202)
  const body = res.json()
  t.match(body, { jobId: String, status: 'QUEUED', type: 'sleep', progress: 0 })
  t.equal(res.headers.location, `/jobs/${body.jobId}`)
  const row = await faena.db.prisma.processingJob.findUniqueOrThrow({ where: { id: body.jobId } })
  t.match(row, { userId: 'alice', priority: 'HIGH', status: 'QUEUED', parameters: { ms: 10, steps: 1 } })
})

t.test('parameter defaults from the job type schema are stored', async (t) => {
  const { as } = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 0 } })
  const { jobId } = (await as('alice').post('/jobs', { type: 'sleep' })).json()
  const job = (await as('alice').get(`/jobs/${jobId}`)).json()
  t.same(job.parameters, { ms: 5000, steps: 10 })
})

t.test('invalid submissions get a 400 naming the field, and store nothing', async (t) => {
  const { as, faena } = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 0 } })
  const cases: [string, unknown, RegExp][] = [
    ['unknown type', { type: 'nope' }, /^type: unknown job type "nope"/],
    ['wrong parameter type', { type: 'sleep', parameters: { ms: 'soon' } }, /^parameters\.ms: /],
    [
      'unknown parameter',
      { type: 'sleep', parameters: { ms: 1, color: 'red' } },
      /^parameters\.color: is not a known field/,
    ],
    ['out of range', { type: 'sleep', parameters: { steps: 0 } }, /^parameters\.steps: /],
    ['missing type', { parameters: {} }, /^type: is required/],
    ['bad priority', { type: 'sleep', priority: 'URGENT' }, /^priority: /],
    ['bad runAt', { type: 'sleep', runAt: 'tomorrow' }, /^runAt: /],
    ['unknown top-level field', { type: 'sleep', owner: 'bob' }, /^owner: is not a known field/],
  ]
  for (const [name, payload, message] of cases) {
    const res = await as('alice').post('/jobs', payload)
    t.equal(res.statusCode, 400, name)
    t.match(res.json(), { statusCode: 400, code: 'VALIDATION_FAILED', error: 'Bad Request', message }, name)
  }
  const broken = await faena.app.inject({
    method: 'POST',
    url: '/jobs',
    headers: { authorization: `Bearer ${faena.tokens.sign('alice')}`, 'content-type': 'application/json' },
    payload: '{"type": "sleep",',
  })
  t.equal(broken.statusCode, 400, 'broken JSON')
  t.match(broken.json(), { statusCode: 400, code: String, message: String })
  t.equal(await faena.db.prisma.processingJob.count(), 0, 'nothing stored')
})

t.test('every job route requires a valid bearer token', async (t) => {
  const { faena } = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 0 } })
  const forged = `${faena.tokens.sign('alice').slice(0, -4)}AAAA`
  for (const authorization of [undefined, 'Bearer', 'Basic YWxpY2U6eA==', `Bearer ${forged}`, 'Bearer not.a.jwt']) {
    for (const [method, url] of [
      ['GET', '/jobs'],
      ['POST', '/jobs'],
      ['GET', '/jobs/x'],
      ['DELETE', '/jobs/x'],
    ] as const) {
      const res = await faena.app.inject({
        method,
        url,
        headers: authorization ? { authorization } : {},
        payload: method === 'POST' ? { type: 'noop' } : undefined,
      })
      t.equal(res.statusCode, 401, `${method} ${url} with ${authorization ?? 'no header'}`)
      t.same(res.json(), {
        statusCode: 401,
        code: 'UNAUTHORIZED',
        error: 'Unauthorized',
        message: 'missing or invalid bearer token',
      })
    }
  }
  const live = await faena.app.inject({ method: 'GET', url: '/health/live' })
  t.equal(live.statusCode, 200, 'health needs no token')
})

t.test("another user's job is a 404; an admin sees everyone's", async (t) => {
  const { as } = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 0 } })
  const { jobId } = (await as('alice').post('/jobs', { type: 'noop' })).json()
  const bob = await as('bob').get(`/jobs/${jobId}`)
  t.equal(bob.statusCode, 404)
  t.match(bob.json(), { code: 'NOT_FOUND', message: `job ${jobId} not found` })
  t.equal((await as('bob').delete(`/jobs/${jobId}`)).statusCode, 404, 'nor can bob cancel it')
  t.equal((await as('bob').get('/jobs')).json().pagination.total, 0)
  t.equal((await as('root', { admin: true }).get(`/jobs/${jobId}`)).statusCode, 200)
  t.equal((await as('root', { admin: true }).get('/jobs')).json().pagination.total, 1)
  t.equal((await as('alice').get('/jobs/does-not-exist')).statusCode, 404)
})

t.test('GET /jobs paginates newest first and filters by status and type', async (t) => {
  const { as } = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 0 } })
  const ids: string[] = []
  for (let i = 0; i < 5; i++)
    ids.push((await as('alice').post('/jobs', { type: i % 2 ? 'noop' : 'sleep' })).json().jobId)
  await as('bob').post('/jobs', { type: 'noop' })
  t.equal((await as('alice').delete(`/jobs/${ids[0]}`)).statusCode, 204)

  const page1 = (await as('alice').get('/jobs?limit=2')).json()
  t.match(page1.pagination, {
    total: 5,
    limit: 2,
    offset: 0,
    hasMore: true,
    totalExact: true,
    next: /^\/jobs\?limit=2&cursor=/,
  })
  t.same(
    page1.data.map((j: { id: string }) => j.id),
    [ids[4], ids[3]],
  )
  const page3 = (await as('alice').get('/jobs?limit=2&offset=4')).json()
  t.same(page3.pagination, { total: 5, limit: 2, offset: 4, hasMore: false, totalExact: true, next: null })
  t.same(
    page3.data.map((j: { id: string }) => j.id),
    [ids[0]],
  )

  const noops = (await as('alice').get('/jobs?type=noop')).json()
  t.same(
    noops.data.map((j: { id: string }) => j.id),
    [ids[3], ids[1]],
  )
  const cancelled = (await as('alice').get('/jobs?status=CANCELLED')).json()
  t.same(
    cancelled.data.map((j: { id: string }) => j.id),
    [ids[0]],
  )

  // Following `next` walks the same order, whatever is added at the front meanwhile.
  const walked: string[] = []
  let link: string | null = '/jobs?limit=2'
  while (link) {
    const page: { data: { id: string }[]; pagination: { next: string | null } } = (await as('alice').get(link)).json()
    walked.push(...page.data.map((j: { id: string }) => j.id))
    if (walked.length === 2) await as('alice').post('/jobs', { type: 'noop' }) // newer: not in this walk
    link = page.pagination.next
  }
  t.same(walked, [...ids].reverse(), 'next links give every job once, newest first')
  const typed = (await as('alice').get('/jobs?limit=1&type=noop')).json()
  t.match(typed.pagination.next, /type=noop/, 'filters carry over to the next link')

  for (const q of [
    'limit=0',
    'limit=101',
    'offset=-1',
    'status=DONE',
    'limit=abc',
    'color=red',
    'cursor=bm90LWEtY3Vyc29y',
    'cursor=a%2Fb',
    'offset=2&cursor=MjAyNi0xMS0yMlQxNToyNjoyNi41MTFaIHg',
  ]) {
    const res = await as('alice').get(`/jobs?${q}`)
    t.equal(res.statusCode, 400, q)
    t.equal(res.json().code, 'VALIDATION_FAILED', q)
  }
})

t.test('DELETE on a queued job cancels it at once; on a finished job it is 409', async (t) => {
  const { as } = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 0 } })
  const { jobId } = (await as('alice').post('/jobs', { type: 'noop' })).json()
  t.equal((await as('alice').delete(`/jobs/${jobId}`)).statusCode, 204)
  const job = (await as('alice').get(`/jobs/${jobId}`)).json()
  t.match(job, { status: 'CANCELLED', error: { code: 'CANCELLED' }, completedAt: String, cancelRequestedAt: String })
  const again = await as('alice').delete(`/jobs/${jobId}`)
  t.equal(again.statusCode, 409)
  t.match(again.json(), { code: 'JOB_FINISHED', message: /already CANCELLED/ })
  const alias = await as('alice').post(`/jobs/${jobId}/cancel`)
  t.equal(alias.statusCode, 409, 'POST /jobs/:id/cancel is the same operation')
})

t.test('unknown routes and path tricks get the standard error shape', async (t) => {
  const { as } = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 0 } })
  const missing = await as('alice').get('/nope')
  t.equal(missing.statusCode, 404)
  t.match(missing.json(), { statusCode: 404, code: 'ROUTE_NOT_FOUND' })
  for (const id of ['..%2F..%2Fetc%2Fpasswd', '%00', 'a'.repeat(65), "1'%20OR%20'1'='1"]) {
    const res = await as('alice').get(`/jobs/${id}`)
    t.equal(res.statusCode, 400, id)
    t.equal(res.json().code, 'VALIDATION_FAILED', id)
  }
})

t.test(
  'a listing deeper than 10,000 jobs answers with an estimated total, said to be one, and pages by cursor',
  async (t) => {
    const { as, faena } = await startTestFaena(t, {
      config: { WORKER_CONCURRENCY: 0, MAX_ACTIVE_JOBS_PER_USER: 100_000 },
    })
    await faena.db.pool.query(
      `INSERT INTO processing_job (id, type, user_id, created_at) SELECT 'deep' || g, 'noop', 'alice', now() - make_interval(secs => g) FROM generate_series(1, 12000) g`,
    )
    await faena.db.pool.query('ANALYZE processing_job')
    const first = (await as('alice').get('/jobs?limit=3')).json()
    t.equal(first.pagination.totalExact, false, 'labelled an estimate')
    t.ok(
      first.pagination.total > 10_000 && first.pagination.total < 14_000,
      `estimated ${first.pagination.total} for 12,000`,
    )
    t.same(
      first.data.map((j: { id: string }) => j.id),
      ['deep1', 'deep2', 'deep3'],
    )
    const second = (await as('alice').get(first.pagination.next)).json()
    t.same(
      second.data.map((j: { id: string }) => j.id),
      ['deep4', 'deep5', 'deep6'],
    )
    const bob = (await as('bob').get('/jobs')).json()
    t.same(
      bob.pagination,
      { total: 0, limit: 20, offset: 0, hasMore: false, totalExact: true, next: null },
      "another user's listing stays exact",
    )
    const created = await as('alice').post('/jobs', { type: 'noop' })
    t.equal(created.statusCode, 202, 'the active-job limit counts up to its value only')
  },
)
