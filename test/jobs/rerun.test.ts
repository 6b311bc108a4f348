// POST /jobs/:id/retry: a FAILED or CANCELLED job runs again as the same job, with a fresh set
// of attempts and its earlier run kept; every other state, a lost input, a full quota refused.
import t from 'tap'
import { csvBytes } from '../support/dkt-files.js'
import { SAMPLE_ROWS, upload } from '../support/dkt-upload.js'
import { startTestFaena } from '../support/faena.js'
import { jobRow, waitForStatus } from '../support/jobs.js'
import { waitFor } from '../support/wait.js'

t.test('a cancelled job runs again: QUEUED, its earlier run kept; owner or admin only', async (t) => {
  const f = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 0 } })
  const { jobId } = (await f.as('alice').post('/jobs', { type: 'sleep', parameters: { ms: 10, steps: 1 } })).json()
  t.equal((await f.as('alice').delete(`/jobs/${jobId}`)).statusCode, 204)

  t.equal((await f.as('bob').post(`/jobs/${jobId}/retry`)).statusCode, 404, "another user's job is not found")
  const res = await f.as('alice').post(`/jobs/${jobId}/retry`)
  t.equal(res.statusCode, 202)
  t.match(res.json(), { jobId, status: 'QUEUED', type: 'sleep' })
  t.equal(res.headers.location, `/jobs/${jobId}`)
  const job = (await f.as('alice').get(`/jobs/${jobId}`)).json()
  t.match(job, { status: 'QUEUED', attempts: 0, error: null, completedAt: null, cancelRequestedAt: null })
  t.equal(job.previousRuns.length, 1)
  t.match(job.previousRuns[0], {
    status: 'CANCELLED',
    attempts: 0,
    error: { code: 'CANCELLED' },
    startedAt: null,
    rerunBy: 'alice',
  })
  t.ok(Date.parse(job.previousRuns[0].completedAt) <= Date.parse(job.previousRuns[0].rerunAt))

  const again = await f.as('alice').post(`/jobs/${jobId}/retry`)
  t.equal(again.statusCode, 409, 'a QUEUED job cannot run again')
  t.match(again.json(), { code: 'JOB_NOT_RERUNNABLE', message: /is QUEUED/, details: { status: 'QUEUED' } })

  await f.as('alice').delete(`/jobs/${jobId}`)
  t.equal(
    (await f.as('root', { admin: true }).post(`/jobs/${jobId}/retry`)).statusCode,
    202,
    "an admin may run anyone's job again",
  )
  const twice = (await f.as('alice').get(`/jobs/${jobId}`)).json()
  t.same(
    twice.previousRuns.map((r: { rerunBy: string }) => r.rerunBy),
    ['alice', 'root'],
    'every earlier run kept, oldest first',
  )
  t.equal((await f.as('alice').post('/jobs/no-such-job/retry')).statusCode, 404)
})

t.test('a failed job runs again with a fresh set of attempts; a completed one does not', async (t) => {
  const f = await startTestFaena(t)
  // Fails for good on attempt 1; it would succeed on a second attempt, so a re-run that kept
  // counting attempts would complete.
  const { jobId } = (
    await f.as('alice').post('/jobs', { type: 'flaky', parameters: { succeedOn: 2, retryable: false } })
  ).json()
  await waitForStatus(f.faena, jobId, 'FAILED')
  t.equal((await f.as('alice').post(`/jobs/${jobId}/retry`)).statusCode, 202)
  // The re-run's own end: FAILED again, after it ran once more.
  await waitFor(`job ${jobId} to fail again`, async () =>
    (await jobRow(f.faena, jobId)).status === 'FAILED' ? true : null,
  )
  const job = (await f.as('alice').get(`/jobs/${jobId}`)).json()
  t.match(job, { status: 'FAILED', attempts: 1, error: { code: 'FLAKY', details: { attempt: 1 } } })
  t.match(job.previousRuns, [
    { status: 'FAILED', attempts: 1, error: { code: 'FLAKY' }, startedAt: String, completedAt: String },
  ])

  const { jobId: done } = (await f.as('alice').post('/jobs', { type: 'noop' })).json()
  await waitForStatus(f.faena, done, 'COMPLETED')
  const res = await f.as('alice').post(`/jobs/${done}/retry`)
  t.equal(res.statusCode, 409)
  t.match(res.json(), { code: 'JOB_NOT_RERUNNABLE', message: /is COMPLETED/ })
  t.match(await jobRow(f.faena, done), { status: 'COMPLETED', previousRuns: [] }, 'left as it was')
})

t.test('a re-run counts against the active-job limit like a new job', async (t) => {
  const f = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 0, MAX_ACTIVE_JOBS_PER_USER: 1 } })
  const { jobId } = (await f.as('alice').post('/jobs', { type: 'noop' })).json()
  await f.as('alice').delete(`/jobs/${jobId}`)
  t.equal((await f.as('alice').post('/jobs', { type: 'noop' })).statusCode, 202)
  const res = await f.as('alice').post(`/jobs/${jobId}/retry`)
  t.equal(res.statusCode, 429)
  t.match(res.json(), { code: 'TOO_MANY_ACTIVE_JOBS' })
  t.match(await jobRow(f.faena, jobId), { status: 'CANCELLED', previousRuns: [] }, 'nothing changed')
})

t.test(
  'an import runs again from its kept upload; 410 once the upload is gone, 409 while another imports it',
  async (t) => {
    const f = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 0 } })
    const content = csvBytes(SAMPLE_ROWS)
    const first = (await upload(f, 'alice', { name: 'a.csv', content })).json()
    await f.as('alice').delete(`/jobs/${first.jobId}`)
    const second = (await upload(f, 'alice', { name: 'a.csv', content })).json()
    const busy = await f.as('alice').post(`/jobs/${first.jobId}/retry`)
    t.equal(busy.statusCode, 409, 'the same file is being imported by another job')
    t.match(busy.json(), { code: 'JOB_CONFLICT' })
    t.match(await jobRow(f.faena, first.jobId), { status: 'CANCELLED' })

    await f.as('alice').delete(`/jobs/${second.jobId}`)
    t.equal((await f.as('alice').post(`/jobs/${first.jobId}/retry`)).statusCode, 202, 'free again')
    await f.as('alice').delete(`/jobs/${first.jobId}`)

    const { parameters } = await jobRow(f.faena, second.jobId)
    await f.faena.storage.delete((parameters as { fileKey: string }).fileKey)
    const gone = await f.as('alice').post(`/jobs/${second.jobId}/retry`)
    t.equal(gone.statusCode, 410)
    t.match(gone.json(), { code: 'INPUT_GONE', message: /the upload it was created with is no longer kept/ })
    t.match(await jobRow(f.faena, second.jobId), { status: 'CANCELLED', previousRuns: [] })
  },
)

t.test("a re-run takes the job's report back to pending", async (t) => {
  const f = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 0 } })
  const { jobId, idExport } = (
    await f.as('alice').post('/jobs/kpi-export', { filters: { from: '2020-01-01', to: '2020-01-31' }, format: 'csv' })
  ).json()
  await f.as('alice').delete(`/jobs/${jobId}`)
  const state = async () => {
    const [report] = await f.faena.db.prisma.$queryRaw<
      { status: string }[]
    >`SELECT status::text FROM report WHERE job_id = ${jobId}`
    const [audit] = await f.faena.db.prisma.$queryRaw<
      { codigo_estado: number }[]
    >`SELECT codigo_estado FROM kpi_auditoria_export WHERE id_export = ${BigInt(idExport)}`
    return { report: report!.status, audit: audit!.codigo_estado }
  }
  t.same(await state(), { report: 'CANCELLED', audit: 3 })
  t.equal((await f.as('alice').post(`/jobs/${jobId}/retry`)).statusCode, 202)
  t.same(await state(), { report: 'PENDING', audit: 0 })
})
