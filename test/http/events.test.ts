// GET /jobs/:id/events: the job at once, then its changes, from whichever process runs it,
// ending after its final state; a client that goes away stops being followed.
import t, { type Test } from 'tap'
import { createFaenaClient, FaenaApiError } from '../../src/client/faena-client.js'
import type { JobView } from '../../src/jobs/job-view.js'
import { startTestFaena, type TestFaena } from '../support/faena.js'
import { openGates } from '../support/gates.js'
import { waitForStatus } from '../support/jobs.js'
import { waitFor } from '../support/wait.js'

async function listening(f: TestFaena, userId = 'alice') {
  const address = await f.faena.app.listen({ port: 0, host: '127.0.0.1' })
  return createFaenaClient(address, f.token(userId))
}

/** A server listening, with a gate job of alice's running (started) on it. */
async function runningGate(t: Test, key: string, stopOnTeardown = true) {
  const gates = openGates(t)
  const f = await startTestFaena(t, { config: { EVENTS_POLL_MS: 20 }, stopOnTeardown })
  const client = await listening(f)
  const { jobId } = (await f.as('alice').post('/jobs', { type: 'gate', parameters: { key } })).json() as {
    jobId: string
  }
  await gates.next(key, 'started')
  return { gates, f, client, jobId }
}

async function collect(events: AsyncIterable<JobView>, onEach: (job: JobView, all: JobView[]) => void = () => {}) {
  const all: JobView[] = []
  for await (const job of events) {
    all.push(job)
    onEach(job, all)
  }
  return all
}

t.test(
  'a job followed from start to end: its state at once, its progress, its end; then the stream closes',
  async (t) => {
    const gates = openGates(t)
    const f = await startTestFaena(t, { config: { EVENTS_POLL_MS: 20 } })
    const client = await listening(f)
    const { jobId } = (
      await f.as('alice').post('/jobs', { type: 'gate', parameters: { key: 'ev1', progressAt: 40 } })
    ).json()
    const seen = collect(client.follow(jobId), (job) => {
      if (job.progress === 40) gates.finish('ev1')
    })
    const events = await seen // resolves only because the server ended the stream
    t.ok(['QUEUED', 'PROCESSING'].includes(events[0]!.status), 'the first event is the state at the time')
    t.ok(
      events.some((e) => e.status === 'PROCESSING' && e.progress === 40 && e.message === 'at 40%'),
      'progress and message arrive',
    )
    t.equal(events.at(-1)!.status, 'COMPLETED', 'the last event is the final state')
    t.same(events.at(-1)!.result, { key: 'ev1' })
    t.equal(events.filter((e) => e.status === 'COMPLETED').length, 1)
    await waitFor('the follower to be gone', async () => f.faena.watch.followers === 0)
  },
)

t.test('a job run by another process is followed through the API process', async (t) => {
  const gates = openGates(t)
  const api = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 0, EVENTS_POLL_MS: 20 } })
  const worker = await startTestFaena(t, { databaseUrl: api.url, config: { WORKER_CONCURRENCY: 1 } })
  const client = await listening(api)
  const { jobId } = (
    await api.as('alice').post('/jobs', { type: 'gate', parameters: { key: 'ev2', progressAt: 70 } })
  ).json()
  const events = await collect(client.follow(jobId), (job) => {
    if (job.progress === 70) gates.finish('ev2')
  })
  t.same([...new Set(events.map((e) => e.status))].slice(-2), ['PROCESSING', 'COMPLETED'])
  t.equal(worker.faena.dispatcher!.runningJobIds().length, 0)
})

t.test('a cancelled job ends its stream with CANCELLED; a finished job gives one event', async (t) => {
  const { client, jobId } = await runningGate(t, 'ev3')
  const events = collect(client.follow(jobId), (job, all) => {
    if (all.length === 1) void client.cancel(job.id)
  })
  t.equal((await events).at(-1)!.status, 'CANCELLED')
  const again = await collect(client.follow(jobId))
  t.equal(again.length, 1, 'a finished job: its state, and the end')
  t.equal(again[0]!.status, 'CANCELLED')
})

t.test('a client that disconnects is no longer followed', async (t) => {
  const { gates, f, client, jobId } = await runningGate(t, 'ev4')
  const leave = new AbortController()
  const events = client.follow(jobId, leave.signal)
  t.equal((await events.next()).value?.status, 'PROCESSING')
  await waitFor('the follower to be registered', async () => f.faena.watch.followers === 1)
  leave.abort()
  await t.rejects(events.next(), { name: 'AbortError' })
  await waitFor('the server to notice', async () => f.faena.watch.followers === 0)
  gates.finish('ev4')
  await waitForStatus(f.faena, jobId, 'COMPLETED')
})

t.test("owner or admin only: another user's job is a 404, no token a 401, and nothing is streamed", async (t) => {
  const f = await startTestFaena(t)
  const { jobId } = (await f.as('alice').post('/jobs', { type: 'noop' })).json()
  const bob = await listening(f, 'bob')
  await t.rejects(collect(bob.follow(jobId)), new FaenaApiError(404, 'NOT_FOUND', ''))
  const admin = createFaenaClient(f.faena.app.listeningOrigin, f.token('root', { admin: true }))
  t.ok((await collect(admin.follow(jobId))).length >= 1, 'an admin follows anyone')
  const res = await f.faena.app.inject({ method: 'GET', url: `/jobs/${jobId}/events` })
  t.equal(res.statusCode, 401)
  t.equal(res.headers['content-type'], 'application/json; charset=utf-8')
})

t.test('stopping the server ends the open streams instead of waiting for them', async (t) => {
  const { f, client, jobId } = await runningGate(t, 'ev5', false)
  const events = client.follow(jobId)
  t.equal((await events.next()).value?.status, 'PROCESSING')
  await f.faena.stop()
  t.same(await collect(events), [], 'the stream has ended cleanly')
  t.equal(f.faena.watch.followers, 0)
})

t.test('a reconnection after the final event gets 204 (an EventSource then stops reconnecting)', async (t) => {
  const f = await startTestFaena(t)
  const client = await listening(f)
  const { jobId } = (await f.as('alice').post('/jobs', { type: 'noop' })).json()
  await waitForStatus(f.faena, jobId, 'COMPLETED')
  const [final] = await collect(client.follow(jobId))
  const again = (lastEventId: string) =>
    f.faena.app.inject({
      method: 'GET',
      url: `/jobs/${jobId}/events`,
      headers: { authorization: `Bearer ${f.token('alice')}`, 'last-event-id': lastEventId },
    })
  const done = await again(final!.updatedAt)
  t.equal(done.statusCode, 204, 'the client had the end already')
  t.equal(done.body, '')
  const behind = await again('2020-01-01T00:00:00.000Z')
  t.equal(behind.statusCode, 200, 'a client that missed the end gets it')
  t.match(behind.body, /event: job\n/)
  t.match(behind.body, /"status":"COMPLETED"/)
})
