// Cancelling running jobs: cooperative abort with cleanup, on whichever process runs the job,
// and the hard kill for a processor that ignores its signal.
import t from 'tap'
import { startTestFaena } from '../support/faena.js'
import { openGates } from '../support/gates.js'
import { waitForStatus } from '../support/jobs.js'

t.test('DELETE on a running job aborts its processor, which cleans up; the job ends CANCELLED', async (t) => {
  const gates = openGates(t)
  // A long grace period: CANCELLED can then only come from the processor's own exit.
  const { as, faena } = await startTestFaena(t, { config: { CANCEL_GRACE_MS: 60_000 } })
  const { jobId } = (await as('alice').post('/jobs', { type: 'gate', parameters: { key: 'cx' } })).json()
  await gates.next('cx', 'started')
  t.equal((await as('alice').delete(`/jobs/${jobId}`)).statusCode, 204)
  const aborted = await gates.next('cx', 'aborted')
  t.match(aborted, { reason: 'job cancelled' }, 'the processor saw its AbortSignal')
  await gates.next('cx', 'cleaned-up')
  const row = await waitForStatus(faena, jobId, 'CANCELLED')
  t.match(row, { error: { code: 'CANCELLED' }, lockedBy: null, cancelRequestedAt: Date, completedAt: Date })
  t.equal((await as('alice').delete(`/jobs/${jobId}`)).statusCode, 409, 'a finished job cannot be cancelled again')
})

t.test('the cancel reaches the process that runs the job', async (t) => {
  const gates = openGates(t)
  const api = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 0, CANCEL_GRACE_MS: 60_000 } })
  const worker = await startTestFaena(t, { databaseUrl: api.url, config: { CANCEL_GRACE_MS: 60_000 } })
  const { jobId } = (await api.as('alice').post('/jobs', { type: 'gate', parameters: { key: 'remote' } })).json()
  await gates.next('remote', 'started')
  t.same(worker.faena.dispatcher?.runningJobIds(), [jobId], 'the worker node runs it')
  t.equal((await api.as('alice').delete(`/jobs/${jobId}`)).statusCode, 204, 'cancelled through the API node')
  await gates.next('remote', 'cleaned-up')
  await waitForStatus(api.faena, jobId, 'CANCELLED')
})

t.test('a processor that ignores the abort has its thread terminated after the grace period', async (t) => {
  const gates = openGates(t)
  const { as, faena } = await startTestFaena(t, { config: { CANCEL_GRACE_MS: 100, WORKER_CONCURRENCY: 1 } })
  const { jobId } = (
    await as('alice').post('/jobs', { type: 'gate', parameters: { key: 'stubborn', stubborn: true } })
  ).json()
  await gates.next('stubborn', 'started')
  t.equal((await as('alice').delete(`/jobs/${jobId}`)).statusCode, 204)
  const row = await waitForStatus(faena, jobId, 'CANCELLED')
  t.match(row.error, { code: 'CANCELLED' })
  t.notOk(
    gates.seen.some((e) => e.key === 'stubborn' && e.event === 'aborted'),
    'it never reacted',
  )
  const { jobId: next } = (await as('alice').post('/jobs', { type: 'noop' })).json()
  await waitForStatus(faena, next, 'COMPLETED')
  t.pass('the pool replaced the killed thread')
})

t.test('a cancel whose notification was missed is picked up by the heartbeat', async (t) => {
  const gates = openGates(t)
  const { as, faena } = await startTestFaena(t, { config: { LEASE_RENEW_MS: 100, CANCEL_GRACE_MS: 60_000 } })
  const { jobId } = (await as('alice').post('/jobs', { type: 'gate', parameters: { key: 'quiet' } })).json()
  await gates.next('quiet', 'started')
  // What DELETE does, minus the NOTIFY (as if the listener had been reconnecting).
  await faena.db.pool.query('UPDATE processing_job SET cancel_requested_at = now() WHERE id = $1', [jobId])
  await gates.next('quiet', 'cleaned-up')
  await waitForStatus(faena, jobId, 'CANCELLED')
})

t.test('a job past its timeout is asked to stop, cleans up, and is FAILED with TIMEOUT', async (t) => {
  const gates = openGates(t)
  const { as, faena } = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 1 } })
  // Threads start on demand: warm the one thread first, so that the gate starts well within
  // its timeout (the timeout counts from the claim, thread start-up included).
  await waitForStatus(faena, (await as('alice').post('/jobs', { type: 'noop' })).json().jobId, 'COMPLETED')
  const { jobId } = (
    await as('alice').post('/jobs', { type: 'gate', parameters: { key: 'slow' }, timeoutMs: 1500 })
  ).json()
  t.match((await as('alice').get(`/jobs/${jobId}`)).json(), { timeoutMs: 1500 })
  await gates.next('slow', 'started')
  await gates.next('slow', 'aborted')
  await gates.next('slow', 'cleaned-up')
  const row = await waitForStatus(faena, jobId, 'FAILED')
  t.match(row.error, { code: 'TIMEOUT', message: /ran longer than its 1500 ms timeout/ })
})

t.test('a processor that ignores its timeout loses its thread after the grace period: TIMEOUT too', async (t) => {
  openGates(t)
  const { as, faena } = await startTestFaena(t, { config: { CANCEL_GRACE_MS: 200 } })
  const { jobId } = (
    await as('alice').post('/jobs', { type: 'gate', parameters: { key: 'deaf', stubborn: true }, timeoutMs: 300 })
  ).json()
  const row = await waitForStatus(faena, jobId, 'FAILED')
  t.match(row.error, { code: 'TIMEOUT', message: /its thread was terminated/ })
  const { jobId: next } = (await as('alice').post('/jobs', { type: 'noop' })).json()
  await waitForStatus(faena, next, 'COMPLETED')
})

t.test('timeouts: the type default, and no more than its maximum', async (t) => {
  const { as } = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 0 } })
  t.match((await as('alice').post('/jobs', { type: 'noop' })).json(), { jobId: String })
  const { jobId } = (await as('alice').post('/jobs', { type: 'noop' })).json()
  t.equal((await as('alice').get(`/jobs/${jobId}`)).json().timeoutMs, 3_600_000)
  const tooLong = await as('alice').post('/jobs', { type: 'noop', timeoutMs: 7 * 3_600_000 })
  t.equal(tooLong.statusCode, 400)
  t.match(tooLong.json().message, /timeoutMs: must be at most 21600000/)
})
