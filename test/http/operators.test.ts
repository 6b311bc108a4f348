// GET /metrics (Prometheus text) and GET /stats (admin): who may read them, and that what they
// say follows what the jobs did.
import t from 'tap'
import { csvBytes, dktRow, HEADER } from '../support/dkt-files.js'
import { startTestFaena } from '../support/faena.js'
import { openGates } from '../support/gates.js'
import { waitForStatus } from '../support/jobs.js'
import { multipartBody } from '../support/multipart.js'

const METRICS_TOKEN = 'scraper-token-0123456789'

/** `name{labels} value` lines of a Prometheus exposition, as a map from `name{labels}`. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>()
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*(?:\{[^}]*\})?) (\S+)$/.exec(line)
    if (m) out.set(m[1]!, Number(m[2]))
  }
  return out
}

t.test('/metrics: METRICS_TOKEN or an admin; the job counters, durations, claims, queue and pool', async (t) => {
  const gates = openGates(t)
  const f = await startTestFaena(t, { config: { METRICS_TOKEN, WORKER_CONCURRENCY: 2 } })
  const get = (authorization?: string) =>
    f.faena.app.inject({ method: 'GET', url: '/metrics', headers: authorization ? { authorization } : {} })
  t.equal((await get()).statusCode, 401)
  t.equal((await get(`Bearer ${f.token('alice')}`)).statusCode, 403, 'a user token is not enough')
  t.equal((await get('Bearer wrong-token-0123456789')).statusCode, 401, 'a wrong token is refused')
  t.equal((await get(`Bearer ${f.token('root', { admin: true })}`)).statusCode, 200, 'an admin may read them')

  const alice = f.as('alice')
  const done = await Promise.all(
    [1, 2, 3].map(async () => (await alice.post('/jobs', { type: 'noop' })).json().jobId as string),
  )
  const failing = (await alice.post('/jobs', { type: 'sleep', parameters: { ms: 10, steps: 2, failAt: 1 } })).json()
    .jobId as string
  const running = (await alice.post('/jobs', { type: 'gate', parameters: { key: 'm1' } })).json().jobId as string
  await gates.next('m1', 'started')
  for (const id of done) await waitForStatus(f.faena, id, 'COMPLETED')
  await waitForStatus(f.faena, failing, 'FAILED')
  const later = (
    await alice.post('/jobs', { type: 'noop', runAt: new Date(Date.now() + 3_600_000).toISOString() })
  ).json().jobId as string
  t.equal((await alice.delete(`/jobs/${later}`)).statusCode, 204)

  const res = await get(`Bearer ${METRICS_TOKEN}`)
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/plain; version=0\.0\.4/)
  const m = samples(res.body)
  t.equal(m.get('faena_jobs_created_total{type="noop"}'), 4)
  t.equal(m.get('faena_jobs_created_total{type="gate"}'), 1)
  t.equal(m.get('faena_jobs_ended_total{type="noop",outcome="completed"}'), 3)
  t.equal(m.get('faena_jobs_ended_total{type="sleep",outcome="failed"}'), 1)
  t.equal(m.get('faena_jobs_ended_total{type="noop",outcome="cancelled"}'), 1, 'a cancel while queued counts too')
  t.equal(m.get('faena_job_duration_seconds_count{type="noop",outcome="completed"}'), 3)
  t.ok((m.get('faena_claim_duration_seconds_count') ?? 0) >= 1, 'claims are timed')
  t.equal(m.get('faena_queue_depth{type="gate",status="PROCESSING"}'), 1)
  t.equal(m.get('faena_pool_threads'), 2)
  t.equal(m.get('faena_pool_threads_busy'), 1)
  t.ok(m.has('process_cpu_user_seconds_total') && m.has('nodejs_heap_size_used_bytes'), "the process's default metrics")
  gates.finish('m1')
  await waitForStatus(f.faena, running, 'COMPLETED')
})

t.test('/metrics: the queue depth and the oldest queued age, seen from an API-only node', async (t) => {
  const f = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 0 } })
  for (let i = 0; i < 3; i++) await f.as('alice').post('/jobs', { type: 'noop' })
  await f.faena.db.pool.query(`UPDATE processing_job SET run_at = now() - interval '90 seconds' WHERE type = 'noop'`)
  const m = samples(
    (
      await f.faena.app.inject({
        method: 'GET',
        url: '/metrics',
        headers: { authorization: `Bearer ${f.token('root', { admin: true })}` },
      })
    ).body,
  )
  t.equal(m.get('faena_queue_depth{type="noop",status="QUEUED"}'), 3)
  t.ok(m.get('faena_queue_oldest_age_seconds{type="noop"}')! >= 90, 'the oldest has waited since its run_at')
  t.equal(m.get('faena_pool_threads'), 0)
})

t.test('/stats: admins only; jobs by status and type, what runs where, the pool, the files kept', async (t) => {
  const gates = openGates(t)
  const f = await startTestFaena(t)
  t.equal((await f.as('alice').get('/stats')).statusCode, 403)
  t.equal((await f.faena.app.inject({ method: 'GET', url: '/stats' })).statusCode, 401)

  const file = csvBytes([HEADER, ...Array.from({ length: 50 }, (_, i) => dktRow(i))])
  const { payload, headers } = multipartBody({}, { name: 'dkt.csv', content: file })
  const imported = await f.faena.app.inject({
    method: 'POST',
    url: '/jobs/dkt-import',
    payload,
    headers: { ...headers, authorization: `Bearer ${f.token('alice')}` },
  })
  await waitForStatus(f.faena, imported.json().jobId, 'COMPLETED')
  const running = (await f.as('bob').post('/jobs', { type: 'gate', parameters: { key: 's1' } })).json().jobId as string
  await gates.next('s1', 'started')

  const res = await f.as('root', { admin: true }).get('/stats')
  t.equal(res.statusCode, 200)
  const stats = res.json()
  t.same(stats.jobs, [
    { type: 'dkt-import', status: 'COMPLETED', count: 1 },
    { type: 'gate', status: 'PROCESSING', count: 1 },
  ])
  t.same(stats.queue, [{ type: 'gate', queued: 0, queuedExact: true, processing: 1, oldestQueuedSeconds: 0 }])
  t.equal(stats.jobsExact, true)
  t.match(stats.active, [{ id: running, type: 'gate', userId: 'bob', workerId: f.faena.workerId }])
  t.same(stats.pool, { workerId: f.faena.workerId, threads: f.config.WORKER_CONCURRENCY, busy: 1 })
  t.same(stats.storage.byKind, { upload: { files: 1, bytes: file.length } }, 'the upload kept with its import')
  t.equal(stats.storage.total, file.length)
  gates.finish('s1')
  await waitForStatus(f.faena, running, 'COMPLETED')
})

t.test('a worker node serves /metrics beside its health checks', async (t) => {
  const f = await startTestFaena(t, { config: { ROLE: 'worker', METRICS_TOKEN } })
  const res = await f.faena.app.inject({
    method: 'GET',
    url: '/metrics',
    headers: { authorization: `Bearer ${METRICS_TOKEN}` },
  })
  t.equal(res.statusCode, 200)
  t.equal(samples(res.body).get('faena_pool_threads'), f.config.WORKER_CONCURRENCY)
  t.equal((await f.faena.app.inject({ method: 'GET', url: '/stats' })).statusCode, 404, 'but no API')
})

t.test(
  'at depth: counts past the cap are estimates, said to be ones; the oldest due job and running ones stay exact',
  async (t) => {
    const f = await startTestFaena(t, { config: { METRICS_TOKEN, WORKER_CONCURRENCY: 0, RETENTION_DAYS: 0 } })
    const db = f.faena.db.pool
    await db.query(
      `INSERT INTO processing_job (id, type, user_id, run_at) SELECT 'q' || g, 'noop', 'flood', now() + interval '1 hour' FROM generate_series(1, 12000) g`,
    )
    await db.query(
      `INSERT INTO processing_job (id, type, user_id, run_at) VALUES ('due', 'noop', 'flood', now() - interval '100 seconds'), ('one', 'sleep', 'bob', now() + interval '1 hour')`,
    )
    await db.query(
      `INSERT INTO processing_job (id, type, user_id, status, locked_by) VALUES ('running', 'sleep', 'bob', 'PROCESSING', 'elsewhere')`,
    )
    await db.query(
      `INSERT INTO processing_job (id, type, user_id, status) SELECT 'c' || g, 'noop', 'flood', 'COMPLETED' FROM generate_series(1, 110000) g`,
    )
    await db.query('ANALYZE processing_job')

    const stats = (await f.as('root', { admin: true }).get('/stats')).json()
    const noop = stats.queue.find((q: { type: string }) => q.type === 'noop')
    t.equal(noop.queuedExact, false, '12,001 queued noops: an estimate')
    t.ok(Math.abs(noop.queued - 12_001) < 1_200, `estimated ${noop.queued} for 12,001`)
    t.ok(
      noop.oldestQueuedSeconds >= 100 && noop.oldestQueuedSeconds < 130,
      `oldest due ${noop.oldestQueuedSeconds} s (the not-yet-due ones do not count)`,
    )
    t.same(
      stats.queue.find((q: { type: string }) => q.type === 'sleep'),
      { type: 'sleep', queued: 1, queuedExact: true, processing: 1, oldestQueuedSeconds: 0 },
    )
    t.equal(stats.jobsExact, false, '124,003 kept jobs: counted from a sample')
    const completed = stats.jobs.find(
      (j: { type: string; status: string }) => j.type === 'noop' && j.status === 'COMPLETED',
    )
    t.ok(Math.abs(completed.count - 110_000) < 22_000, `estimated ${completed.count} completed for 110,000`)
    t.ok(
      stats.jobs.some(
        (j: { type: string; status: string; count: number }) =>
          j.type === 'sleep' && j.status === 'PROCESSING' && j.count === 1,
      ),
      'running jobs counted exactly',
    )

    const metrics = samples(
      (await f.faena.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).body,
    )
    t.ok(
      Math.abs(metrics.get('faena_queue_depth{type="noop",status="QUEUED"}')! - 12_001) < 1_200,
      'the gauge carries the estimate',
    )
    t.equal(metrics.get('faena_queue_depth{type="sleep",status="PROCESSING"}'), 1)
  },
)
