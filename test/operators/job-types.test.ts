// Pausing a job type: no node claims its queued jobs (submitting still works, the job's view
// says why), running ones go on, and a resume starts the waiting jobs at once. Admins only.
import t from 'tap'
import { createTestDatabase } from '../support/database.js'
import { startTestFaena } from '../support/faena.js'
import { openGates } from '../support/gates.js'
import { jobRow, waitForStatus } from '../support/jobs.js'

t.test('a paused type waits on every node, its running job goes on; resumed, it runs', async (t) => {
  const gates = openGates(t)
  const databaseUrl = await createTestDatabase(t)
  const api = await startTestFaena(t, { databaseUrl, config: { ROLE: 'api', WORKER_CONCURRENCY: 0 } })
  const worker = await startTestFaena(t, { databaseUrl, config: { WORKER_CONCURRENCY: 1, WORKER_PREFETCH: 0 } })
  const admin = api.as('ops', { admin: true })
  const put = (url: string) =>
    api.faena.app.inject({
      method: 'PUT',
      url,
      headers: { authorization: `Bearer ${api.token('ops', { admin: true })}` },
    })

  const running = (await api.as('alice').post('/jobs', { type: 'gate', parameters: { key: 'paused-running' } })).json()
    .jobId
  await gates.next('paused-running', 'started')
  const paused = await put('/job-types/gate/pause')
  t.equal(paused.statusCode, 200)
  t.match(paused.json(), { type: 'gate', paused: true, pausedBy: 'ops', running: 1 })

  const waiting = await api.as('alice').post('/jobs', { type: 'gate', parameters: { key: 'paused-waiting' } })
  t.equal(waiting.statusCode, 202, 'submitting still works')
  const waitingId = waiting.json().jobId
  t.match((await api.as('alice').get(`/jobs/${waitingId}`)).json(), {
    status: 'QUEUED',
    message: 'waiting: jobs of type "gate" are paused by an operator',
  })

  gates.finish('paused-running')
  await waitForStatus(worker.faena, running, 'COMPLETED')
  // Queued after the paused job, run before it: the claim went past it.
  const after = (await api.as('alice').post('/jobs', { type: 'noop' })).json().jobId
  await waitForStatus(worker.faena, after, 'COMPLETED')
  t.equal((await jobRow(worker.faena, waitingId)).status, 'QUEUED', 'the paused job was not claimed')
  const listed = (await admin.get('/job-types')).json().data
  t.match(
    listed.find((x: { type: string }) => x.type === 'gate'),
    { paused: true, queued: 1, running: 0 },
  )
  t.match(
    listed.find((x: { type: string }) => x.type === 'noop'),
    { paused: false, description: String },
  )

  const resumed = await api.faena.app.inject({
    method: 'DELETE',
    url: '/job-types/gate/pause',
    headers: { authorization: `Bearer ${api.token('ops', { admin: true })}` },
  })
  t.match(resumed.json(), { paused: false, pausedBy: null })
  await gates.next('paused-waiting', 'started')
  gates.finish('paused-waiting')
  await waitForStatus(worker.faena, waitingId, 'COMPLETED')
})

t.test('admins only; an unknown type is a 404', async (t) => {
  const f = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 0 } })
  t.equal((await f.as('alice').get('/job-types')).statusCode, 403)
  const asAlice = await f.faena.app.inject({
    method: 'PUT',
    url: '/job-types/noop/pause',
    headers: { authorization: `Bearer ${f.token('alice')}` },
  })
  t.equal(asAlice.statusCode, 403)
  const unknown = await f.faena.app.inject({
    method: 'PUT',
    url: '/job-types/nope/pause',
    headers: { authorization: `Bearer ${f.token('ops', { admin: true })}` },
  })
  t.equal(unknown.statusCode, 404)
  t.equal((await f.faena.db.pool.query('SELECT count(*)::int AS n FROM job_type_pause')).rows[0].n, 0)
})
