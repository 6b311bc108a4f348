// Graceful shutdown: running jobs finish in time, or go back to the queue (never FAILED).
import t from 'tap'
import { startTestFaena } from '../support/faena.js'
import { openGates } from '../support/gates.js'
import { jobRow, waitForStatus } from '../support/jobs.js'

t.test('a job still running at the shutdown timeout is handed back and runs again elsewhere', async (t) => {
  const gates = openGates(t)
  const first = await startTestFaena(t, {
    config: { SHUTDOWN_TIMEOUT_MS: 50, CANCEL_GRACE_MS: 60_000 },
    stopOnTeardown: false,
  })
  const { jobId } = (await first.as('alice').post('/jobs', { type: 'gate', parameters: { key: 'sd' } })).json()
  t.match(await gates.nextOf('started'), { key: 'sd', attempt: 1 })
  await first.faena.stop()
  const aborted = await gates.next('sd', 'aborted')
  t.match(aborted, { reason: /shutdown/ }, 'the processor was asked to stop')
  const row = await jobRow(first.faena, jobId).catch(() => null)
  t.equal(row, null, 'the stopped node no longer answers')

  const second = await startTestFaena(t, { databaseUrl: first.url, config: { WORKER_CONCURRENCY: 0 } })
  const back = await jobRow(second.faena, jobId)
  t.match(
    back,
    { status: 'QUEUED', attempts: 0, lockedBy: null, startedAt: null, error: null, progress: 0 },
    'QUEUED with the attempt refunded',
  )
  t.match(back.message, /handed back/)

  const third = await startTestFaena(t, { databaseUrl: first.url })
  t.match(await gates.nextOf('started'), { key: 'sd', attempt: 1 }, 'it runs again, as attempt 1')
  gates.finish('sd')
  const done = await waitForStatus(third.faena, jobId, 'COMPLETED')
  t.equal(done.attempts, 1)
})

t.test('a stubborn job is killed at shutdown and still handed back', async (t) => {
  const gates = openGates(t)
  const node = await startTestFaena(t, {
    config: { SHUTDOWN_TIMEOUT_MS: 20, CANCEL_GRACE_MS: 50 },
    stopOnTeardown: false,
  })
  const { jobId } = (
    await node.as('alice').post('/jobs', { type: 'gate', parameters: { key: 'mule', stubborn: true } })
  ).json()
  await gates.next('mule', 'started')
  await node.faena.stop()
  const other = await startTestFaena(t, { databaseUrl: node.url, config: { WORKER_CONCURRENCY: 0 } })
  t.match(await jobRow(other.faena, jobId), { status: 'QUEUED', attempts: 0, lockedBy: null })
})

t.test('a job that finishes within the shutdown timeout completes normally', async (t) => {
  const gates = openGates(t)
  const node = await startTestFaena(t, { config: { SHUTDOWN_TIMEOUT_MS: 60_000 }, stopOnTeardown: false })
  const { jobId } = (await node.as('alice').post('/jobs', { type: 'gate', parameters: { key: 'tidy' } })).json()
  await gates.next('tidy', 'started')
  const stopped = node.faena.stop()
  gates.finish('tidy')
  await stopped
  const other = await startTestFaena(t, { databaseUrl: node.url, config: { WORKER_CONCURRENCY: 0 } })
  t.match(await jobRow(other.faena, jobId), { status: 'COMPLETED', result: { key: 'tidy' } })
  t.notOk(
    gates.seen.some((e) => e.key === 'tidy' && e.event === 'aborted'),
    'it was not interrupted',
  )
})
