// POST /jobs/actions: every job a filter matches, each under its single-job rules; a dry run
// only counts; batches past 500; deleting takes the stored files too. Admins only.
import t from 'tap'
import { csvBytes } from '../support/dkt-files.js'
import { SAMPLE_ROWS, storedFiles, upload } from '../support/dkt-upload.js'
import { startTestFaena, type TestFaena } from '../support/faena.js'

const act = (f: TestFaena, body: unknown, user = 'ops', admin = true) =>
  f.faena.app.inject({
    method: 'POST',
    url: '/jobs/actions',
    headers: { authorization: `Bearer ${f.token(user, { admin })}` },
    payload: body as object,
  })
const statuses = async (f: TestFaena, userId: string) =>
  (
    await f.faena.db.pool.query<{ status: string; n: number }>(
      'SELECT status::text, count(*)::int AS n FROM processing_job WHERE user_id = $1 GROUP BY status ORDER BY status',
      [userId],
    )
  ).rows

t.test('dry run, cancel, retry, delete: each under its single-job rules', async (t) => {
  const f = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 0 } })
  for (let i = 0; i < 5; i++) await f.as('alice').post('/jobs', { type: 'noop' })
  const bobs = [
    (await f.as('bob').post('/jobs', { type: 'noop' })).json().jobId,
    (await f.as('bob').post('/jobs', { type: 'noop' })).json().jobId,
  ]

  const dry = await act(f, { action: 'cancel', filter: { status: 'QUEUED', userId: 'alice' }, dryRun: true })
  t.equal(dry.statusCode, 200)
  t.same(dry.json(), { matched: 5, affected: 0 })
  t.same(await statuses(f, 'alice'), [{ status: 'QUEUED', n: 5 }], 'a dry run changes nothing')

  t.same((await act(f, { action: 'cancel', filter: { userId: 'alice' } })).json(), { matched: 5, affected: 5 })
  t.same(await statuses(f, 'alice'), [{ status: 'CANCELLED', n: 5 }])
  t.same(await statuses(f, 'bob'), [{ status: 'QUEUED', n: 2 }], "another user's jobs untouched")
  t.same(
    (await act(f, { action: 'cancel', filter: { userId: 'alice' } })).json(),
    { matched: 5, affected: 0 },
    'finished jobs cannot be cancelled',
  )

  t.same((await act(f, { action: 'retry', filter: { userId: 'alice', status: 'CANCELLED' } })).json(), {
    matched: 5,
    affected: 5,
  })
  t.same(await statuses(f, 'alice'), [{ status: 'QUEUED', n: 5 }])
  const { rows } = await f.faena.db.pool.query(
    "SELECT jsonb_array_length(previous_runs) AS runs FROM processing_job WHERE user_id = 'alice'",
  )
  t.ok(
    rows.every((r) => r.runs === 1),
    'each run again, its earlier run kept',
  )
  t.same(
    (await act(f, { action: 'retry', filter: { userId: 'bob' } })).json(),
    { matched: 2, affected: 0 },
    'queued jobs are not run again',
  )

  await act(f, { action: 'cancel', filter: { userId: 'alice' } })
  const aliceOne = (await f.faena.db.pool.query("SELECT id FROM processing_job WHERE user_id = 'alice' LIMIT 1"))
    .rows[0].id
  t.same(
    (await act(f, { action: 'delete', filter: { ids: [aliceOne, bobs[0]] } })).json(),
    { matched: 2, affected: 1 },
    'only finished jobs are deleted',
  )
  t.same(await statuses(f, 'bob'), [{ status: 'QUEUED', n: 2 }])
  t.same(await statuses(f, 'alice'), [{ status: 'CANCELLED', n: 4 }])
  const created = await f.faena.db.pool.query(
    "SELECT min(created_at) AS at FROM processing_job WHERE user_id = 'alice'",
  )
  t.same(
    (
      await act(f, {
        action: 'delete',
        filter: {
          userId: 'alice',
          createdAfter: created.rows[0].at.toISOString(),
          createdBefore: new Date(Date.now() + 60_000).toISOString(),
        },
      })
    ).json(),
    { matched: 4, affected: 4 },
  )
  t.same(await statuses(f, 'alice'), [])
})

t.test('a delete takes the stored files; batches past 500', async (t) => {
  const f = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 0, MAX_ACTIVE_JOBS_PER_USER: 5000 } })
  await upload(f, 'alice', { name: 'a.csv', content: csvBytes(SAMPLE_ROWS) })
  t.equal(storedFiles(f).length, 1)
  await f.faena.db.pool.query(
    "INSERT INTO processing_job (id, type, user_id) SELECT gen_random_uuid()::text, 'noop', 'carol' FROM generate_series(1, 1200)",
  )
  t.same((await act(f, { action: 'cancel', filter: { status: 'QUEUED' } })).json(), { matched: 1201, affected: 1201 })
  t.same((await act(f, { action: 'delete', filter: { status: 'CANCELLED' } })).json(), {
    matched: 1201,
    affected: 1201,
  })
  t.same(storedFiles(f), [], 'the upload went with its job')
  t.equal((await f.faena.db.pool.query('SELECT count(*)::int AS n FROM processing_job')).rows[0].n, 0)
})

t.test('admins only; a filter is required and checked', async (t) => {
  const f = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 0 } })
  await f.as('alice').post('/jobs', { type: 'noop' })
  t.equal((await act(f, { action: 'cancel', filter: { userId: 'alice' } }, 'alice', false)).statusCode, 403)
  const cases: [unknown, RegExp][] = [
    [{ action: 'cancel', filter: {} }, /^filter: /],
    [{ action: 'purge', filter: { userId: 'alice' } }, /^action: /],
    [{ action: 'cancel', filter: { status: 'DONE' } }, /^filter\.status: /],
    [{ action: 'cancel', filter: { createdAfter: 'yesterday' } }, /^filter\.createdAfter: /],
    [{ action: 'cancel', filter: { ids: [] } }, /^filter\.ids: /],
    [{ action: 'cancel', filter: { userId: 'alice' }, force: true }, /^force: is not a known field/],
  ]
  for (const [body, message] of cases) {
    const res = await act(f, body)
    t.equal(res.statusCode, 400, JSON.stringify(body))
    t.match(res.json(), { code: 'VALIDATION_FAILED', message }, JSON.stringify(body))
  }
  t.same(await statuses(f, 'alice'), [{ status: 'QUEUED', n: 1 }])
})
