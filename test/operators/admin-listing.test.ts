// GET /jobs for admins: every user's jobs, narrowed by user, creation dates, and `q` (a job id's
// start, or the error code jobs failed with); the `next` link keeps the filters. Others may
// name only themselves. POST /jobs/actions takes the same `q`.
import t, { type Test } from 'tap'
import { startTestFaena } from '../support/faena.js'

const ids = (res: { json(): { data: Array<{ id: string }> } }) => res.json().data.map((j) => j.id)

async function seeded(t: Test) {
  const f = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 0 } })
  const make = async (user: string) => (await f.as(user).post('/jobs', { type: 'noop' })).json().jobId as string
  const alice = [await make('alice'), await make('alice'), await make('alice')]
  const bob = [await make('bob'), await make('bob')]
  // Two of alice's jobs failed, with different codes; bob's first job is a day old.
  await f.faena.db.pool.query(
    `UPDATE processing_job SET status = 'FAILED', error = jsonb_build_object('code', 'TIMEOUT', 'message', 'ran too long') WHERE id = $1`,
    [alice[0]],
  )
  await f.faena.db.pool.query(
    `UPDATE processing_job SET status = 'FAILED', error = jsonb_build_object('code', 'INVALID_FILE', 'message', 'bad') WHERE id = $1`,
    [alice[1]],
  )
  await f.faena.db.pool.query(`UPDATE processing_job SET created_at = now() - interval '1 day' WHERE id = $1`, [bob[0]])
  return { f, alice, bob, admin: f.as('ops', { admin: true }) }
}

t.test("admins filter every user's jobs by user, dates, error code and id prefix", async (t) => {
  const { f, alice, bob, admin } = await seeded(t)
  t.same(new Set(ids(await admin.get('/jobs'))), new Set([...alice, ...bob]), "every user's jobs")
  t.same(ids(await admin.get('/jobs?userId=bob')), [bob[1], bob[0]], "one user's, newest first")
  const hourAgo = new Date(Date.now() - 3600_000).toISOString()
  t.same(ids(await admin.get(`/jobs?userId=bob&createdAfter=${hourAgo}`)), [bob[1]], 'created after')
  t.same(ids(await admin.get(`/jobs?createdBefore=${hourAgo}`)), [bob[0]], 'created before')
  t.same(ids(await admin.get('/jobs?q=TIMEOUT')), [alice[0]], 'an error code')
  const failed = (await admin.get('/jobs?q=TIMEOUT')).json().data[0]
  t.equal(failed.error.code, 'TIMEOUT')
  t.same(ids(await admin.get(`/jobs?q=${bob[0]}`)), [bob[0]], 'a whole id')
  const prefix = alice[2]!.slice(0, 15)
  const byPrefix = ids(await admin.get(`/jobs?q=${prefix}`))
  t.ok(
    byPrefix.includes(alice[2]!) && byPrefix.every((id) => id.startsWith(prefix)),
    'an id prefix finds the jobs that start with it',
  )
  t.same(ids(await admin.get('/jobs?q=NO_SUCH_CODE')), [], 'an unknown code finds nothing')
  t.same(ids(await admin.get('/jobs?q=FAILED&status=FAILED')), [], 'a status is not an error code')

  const first = (await admin.get('/jobs?userId=alice&limit=1')).json()
  t.equal(first.pagination.total, 3)
  t.match(first.pagination.next, /userId=alice/, 'the next link keeps the filters')
  const second = await admin.get(first.pagination.next)
  t.same(ids(second), [alice[1]])
  t.equal((await f.as('alice').get('/jobs?q=TIMEOUT')).json().data.length, 1, 'users may search their own jobs')
  t.equal((await f.as('bob').get('/jobs?q=TIMEOUT')).json().data.length, 0, "but never see another's")
})

t.test("others may not list other users' jobs; bad filters are 400s that name the field", async (t) => {
  const { f, bob } = await seeded(t)
  const other = await f.as('bob').get('/jobs?userId=alice')
  t.equal(other.statusCode, 403)
  t.match(other.json(), { code: 'FORBIDDEN', message: /userId/ })
  t.same(ids(await f.as('bob').get('/jobs?userId=bob')), [bob[1], bob[0]], 'naming oneself is allowed')
  const admin = f.as('ops', { admin: true })
  for (const [url, field] of [
    ['/jobs?createdAfter=yesterday', /createdAfter/],
    ['/jobs?createdBefore=2026-13-45T00:00:00Z', /createdBefore/],
    ['/jobs?q=a%20b', /q/],
    ['/jobs?q=', /q/],
    [`/jobs?q=${'a'.repeat(65)}`, /q/],
  ] as const) {
    const res = await admin.get(url)
    t.equal(res.statusCode, 400, url)
    t.match(res.json().message, field, `${url}: ${res.json().message}`)
  }
})

t.test('bulk actions take the same q: cancel the jobs that failed with a code, by id prefix', async (t) => {
  const { f, alice } = await seeded(t)
  const act = (body: unknown) =>
    f.faena.app.inject({
      method: 'POST',
      url: '/jobs/actions',
      headers: { authorization: `Bearer ${f.token('ops', { admin: true })}` },
      payload: body as object,
    })
  t.same((await act({ action: 'retry', filter: { q: 'INVALID_FILE' }, dryRun: true })).json(), {
    matched: 1,
    affected: 0,
  })
  t.same((await act({ action: 'cancel', filter: { q: alice[2] } })).json(), { matched: 1, affected: 1 })
  t.equal((await f.as('alice').get(`/jobs/${alice[2]}`)).json().status, 'CANCELLED')
})

t.test('GET /stats/history: jobs created in each recent hour, by the status they have now', async (t) => {
  const { f, admin } = await seeded(t)
  const res = await admin.get('/stats/history?hours=48')
  t.equal(res.statusCode, 200)
  const hours = res.json().data as Array<{ hour: string; counts: Record<string, number> }>
  t.equal(hours.length, 48)
  t.same(hours.at(-1)!.counts, { FAILED: 2, QUEUED: 2 }, 'this hour: the jobs created now, by status')
  t.same(
    hours.find(
      (h) => Date.parse(h.hour) <= Date.now() - 86_400_000 && Date.now() - 86_400_000 < Date.parse(h.hour) + 3_600_000,
    )!.counts,
    { QUEUED: 1 },
    'a day ago: the day-old job',
  )
  t.equal((await f.as('alice').get('/stats/history')).statusCode, 403)
  t.equal((await admin.get('/stats/history?hours=500')).statusCode, 400)
})
