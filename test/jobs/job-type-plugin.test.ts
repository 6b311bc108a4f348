// A job type is a plugin: `result-file` (test/job-types/result-file/) exists only in tests and
// stores a result file, and it is wired in by its folder and one registry entry. Its file is
// served by GET /jobs/:id/download, counted in /stats and removed by retention, with nothing
// in the core that knows it.
import t from 'tap'
import { resultContent, resultKey } from '../job-types/result-file/result.js'
import { download, startTestFaena } from '../support/faena.js'
import { waitForStatus } from '../support/jobs.js'

t.test('a test-only job type that stores a result file: downloadable, counted, swept', async (t) => {
  const f = await startTestFaena(t, { config: { RETENTION_DAYS: 7 } })
  await f.faena.retention.settled() // the sweep made at start: this test makes its own
  const alice = f.as('alice')

  const later = await alice.post('/jobs', {
    type: 'result-file',
    parameters: { bytes: 10 },
    runAt: new Date(Date.now() + 3_600_000).toISOString(),
  })
  const waiting = await f.faena.app.inject({
    url: `/jobs/${later.json().jobId}/download`,
    headers: { authorization: `Bearer ${f.token('alice')}` },
  })
  t.equal(waiting.statusCode, 409, 'no file before the job completes')
  t.equal(waiting.json().code, 'REPORT_NOT_READY')

  const created = await alice.post('/jobs', { type: 'result-file', parameters: { bytes: 5000 } })
  t.equal(created.statusCode, 202)
  const id = created.json().jobId as string
  await waitForStatus(f.faena, id, 'COMPLETED')

  const link = await f.faena.app.inject({
    url: `/jobs/${id}/download`,
    headers: { authorization: `Bearer ${f.token('alice')}`, accept: 'application/json' },
  })
  t.equal(link.statusCode, 200)
  t.same(await download(f, link.json().url), resultContent(5000), 'the download is the file the processor stored')
  const redirect = await f.faena.app.inject({
    url: `/jobs/${id}/download`,
    headers: { authorization: `Bearer ${f.token('alice')}` },
  })
  t.equal(redirect.statusCode, 302)
  t.match(redirect.headers.location, /result\.txt/)
  const bob = await f.faena.app.inject({
    url: `/jobs/${id}/download`,
    headers: { authorization: `Bearer ${f.token('bob')}` },
  })
  t.equal(bob.statusCode, 404, "another user's job's file is not found")

  const stats = (await f.as('root', { admin: true }).get('/stats')).json()
  t.same(
    stats.storage.byKind['result-file'],
    { files: 1, bytes: 5000 },
    'counted in /stats by the kind its type gives it',
  )
  t.equal(stats.storage.total, 5000)

  await f.faena.db.pool.query(
    `UPDATE processing_job SET created_at = now() - interval '8 days 1 minute', completed_at = now() - interval '8 days' WHERE id = $1`,
    [id],
  )
  t.match(await f.faena.retention.sweepOnce(), { jobs: 1, files: 1 })
  t.equal(await f.faena.storage.size(resultKey(id)), null, 'the file went with its job')
  t.equal((await alice.get(`/jobs/${id}`)).statusCode, 404)
  t.same(
    (await f.faena.db.pool.query('SELECT job_id FROM job_file')).rows,
    [{ job_id: later.json().jobId }],
    'only the waiting job still owns a file row',
  )
})

t.test('a job type without a file: GET /jobs/:id/download is a 404 that says so', async (t) => {
  const f = await startTestFaena(t)
  const created = await f.as('alice').post('/jobs', { type: 'noop' })
  const res = await f.as('alice').get(`/jobs/${created.json().jobId}/download`)
  t.equal(res.statusCode, 404)
  t.match(res.json().message, /file of job/)
})
