// Roles: every route has a rule, and every role meets it. A plain user reaches their own jobs;
// a viewer reads everyone's; an operator also acts on them; an admin is above both. A route
// added without a rule in RULES fails the first test.
import t from 'tap'
import type { Role } from '../../src/jobs/caller.js'
import { startTestFaena } from '../support/faena.js'

type Rule = 'public' | 'user' | Role
/** Every operation of /openapi.json: who may call it (`user`: any signed-in caller, within their own). */
const RULES: Record<string, Rule> = {
  'GET /health/live': 'public',
  'GET /health/ready': 'public',
  'GET /files/{*}': 'public', // a signed link is its own credential
  'GET /dev-token': 'public', // development only, from the same machine
  'GET /metrics': 'viewer', // or METRICS_TOKEN
  'POST /jobs': 'user',
  'GET /jobs': 'user',
  'GET /jobs/{id}': 'user',
  'DELETE /jobs/{id}': 'user',
  'GET /jobs/{id}/events': 'user',
  'GET /jobs/{id}/download': 'user',
  'POST /jobs/{id}/retry': 'user',
  'POST /jobs/{id}/cancel': 'user',
  'POST /schedules': 'user',
  'GET /schedules': 'user',
  'GET /schedules/{id}': 'user',
  'PATCH /schedules/{id}': 'user',
  'DELETE /schedules/{id}': 'user',
  'POST /jobs/report': 'user',
  'POST /jobs/dkt-import': 'user',
  'GET /jobs/{id}/problems.csv': 'user',
  'GET /dkt/lotes': 'user',
  'GET /dkt/lotes/{id}': 'user',
  'DELETE /dkt/lotes/{id}': 'user',
  'POST /jobs/kpi-export': 'user',
  'GET /stats': 'viewer',
  'GET /stats/history': 'viewer',
  'GET /job-types': 'viewer',
  'PUT /job-types/{type}/pause': 'operator',
  'DELETE /job-types/{type}/pause': 'operator',
  'POST /jobs/actions': 'operator',
  'POST /api-keys': 'user',
  'GET /api-keys': 'user',
  'DELETE /api-keys/{id}': 'user',
}

const CALLERS: { who: string; role?: Role }[] = [
  { who: 'a plain user' },
  { who: 'a viewer', role: 'viewer' },
  { who: 'an operator', role: 'operator' },
  { who: 'an admin', role: 'admin' },
]
const RANK = { user: 0, viewer: 1, operator: 2, admin: 3 }

t.test('every route of the API has a rule', async (t) => {
  const f = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 0 } })
  const spec = (await f.faena.app.inject('/openapi.json')).json() as { paths: Record<string, object> }
  const routes = Object.entries(spec.paths).flatMap(([path, ops]) =>
    Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
  )
  t.same(
    routes.filter((r) => !(r in RULES)),
    [],
    'routes without a rule',
  )
  t.same(
    Object.keys(RULES).filter((r) => !routes.includes(r)),
    [],
    'rules for routes that are gone',
  )
})

t.test('each role-gated route: 403 naming the role below it, allowed from it up', async (t) => {
  const f = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 0 } })
  const calls: Record<string, { method: 'GET' | 'PUT' | 'DELETE' | 'POST'; url: string; payload?: object }> = {
    'GET /metrics': { method: 'GET', url: '/metrics' },
    'GET /stats': { method: 'GET', url: '/stats' },
    'GET /stats/history': { method: 'GET', url: '/stats/history' },
    'GET /job-types': { method: 'GET', url: '/job-types' },
    'PUT /job-types/{type}/pause': { method: 'PUT', url: '/job-types/noop/pause' },
    'DELETE /job-types/{type}/pause': { method: 'DELETE', url: '/job-types/noop/pause' },
    'POST /jobs/actions': {
      method: 'POST',
      url: '/jobs/actions',
      payload: { action: 'cancel', filter: { status: 'QUEUED' }, dryRun: true },
    },
  }
  const gated = Object.entries(RULES).filter(([, rule]) => rule !== 'public' && rule !== 'user')
  t.same(Object.keys(calls).sort(), gated.map(([r]) => r).sort(), 'a call for every gated route')
  for (const [route, rule] of gated) {
    const call = calls[route]!
    for (const c of CALLERS) {
      const res = await f.faena.app.inject({
        ...call,
        headers: { authorization: `Bearer ${f.token(`${c.role ?? 'user'}-1`, c.role ? { role: c.role } : {})}` },
      })
      if (RANK[c.role ?? 'user'] < RANK[rule as Role])
        t.match(
          { status: res.statusCode, body: res.json() },
          { status: 403, body: { code: 'FORBIDDEN', message: new RegExp(`needs the ${rule} role`) } },
          `${route}, ${c.who}`,
        )
      else t.ok(res.statusCode < 400, `${route}, ${c.who}: ${res.statusCode}`)
    }
  }
})

t.test("another user's job: a viewer reads it, an operator acts on it, a plain user sees nothing", async (t) => {
  const f = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 0 } })
  const posted = async () => (await f.as('alice').post('/jobs', { type: 'noop' })).json().jobId as string
  const id = await posted()
  const bob = f.as('bob')
  const viewer = f.as('vera', { role: 'viewer' })
  const operator = f.as('otto', { role: 'operator' })

  t.equal((await bob.get(`/jobs/${id}`)).statusCode, 404, 'a plain user: as if it did not exist')
  t.equal((await bob.delete(`/jobs/${id}`)).statusCode, 404)
  t.match((await bob.get('/jobs?userId=alice')).json(), { code: 'FORBIDDEN', message: /needs the viewer role/ })

  t.equal((await viewer.get(`/jobs/${id}`)).statusCode, 200, 'a viewer reads it')
  t.equal((await viewer.get('/jobs?userId=alice')).json().data.length, 1, 'and lists it')
  for (const res of [await viewer.delete(`/jobs/${id}`), await viewer.post(`/jobs/${id}/cancel`)])
    t.match(
      { status: res.statusCode, body: res.json() },
      { status: 403, body: { message: "cancelling another user's job needs the operator role" } },
    )
  t.equal((await f.as('alice').get(`/jobs/${id}`)).json().status, 'QUEUED', 'still queued')

  t.equal((await operator.post(`/jobs/${id}/cancel`)).statusCode, 204, 'an operator cancels it')
  t.equal((await viewer.get(`/jobs/${id}`)).json().status, 'CANCELLED')
  t.match((await viewer.post(`/jobs/${id}/retry`)).json(), {
    message: "re-running another user's job needs the operator role",
  })
  t.equal((await operator.post(`/jobs/${id}/retry`)).statusCode, 202, 'and re-runs it')

  const own = (await viewer.post('/jobs', { type: 'noop' })).json().jobId as string
  t.equal((await viewer.post(`/jobs/${own}/cancel`)).statusCode, 204, 'a viewer still acts on their own jobs')
})

t.test("another user's schedule: a viewer reads it, changing it needs an operator", async (t) => {
  const f = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 0 } })
  const created = await f.as('alice').post('/schedules', { cron: '0 3 * * *', job: { type: 'noop' } })
  const id = created.json().id as string
  const patch = (as: string, role?: Role) =>
    f.faena.app.inject({
      method: 'PATCH',
      url: `/schedules/${id}`,
      headers: { authorization: `Bearer ${f.token(as, role ? { role } : {})}` },
      payload: { paused: true },
    })
  t.equal((await f.as('bob').get(`/schedules/${id}`)).statusCode, 404)
  t.equal((await f.as('vera', { role: 'viewer' }).get(`/schedules/${id}`)).statusCode, 200)
  t.match((await patch('vera', 'viewer')).json(), {
    code: 'FORBIDDEN',
    message: "changing another user's schedule needs the operator role",
  })
  t.match((await patch('otto', 'operator')).json(), { paused: true })
  t.match((await f.as('vera', { role: 'viewer' }).delete(`/schedules/${id}`)).json(), {
    message: "deleting another user's schedule needs the operator role",
  })
})

t.test('roles come from the token: the highest of `role` and the roles claim', async (t) => {
  const f = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 0 } })
  t.same(await f.faena.tokens.verify(f.token('a', { role: 'viewer' })), { userId: 'a', admin: false, role: 'viewer' })
  t.same(await f.faena.tokens.verify(f.token('b', { admin: true })), { userId: 'b', admin: true, role: 'admin' })
  t.same(await f.faena.tokens.verify(f.token('c')), { userId: 'c', admin: false })
})
