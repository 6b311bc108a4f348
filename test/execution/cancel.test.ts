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
  const { jobId } = (await as('alice').post('/jobs', { type: 'gate', parameters: { key: 'stubborn', stubborn: true } })).json()
  await gates.next('stubborn', 'started')
  t.equal((await as('alice').delete(`/jobs/${jobId}`)).statusCode, 204)
  const row = await waitForStatus(faena, jobId, 'CANCELLED')
  t.match(row.error, { code: 'CANCELLED' })
  t.notOk(gates.seen.some((e) => e.key === 'stubborn' && e.event === 'aborted'), 'it never reacted')
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
