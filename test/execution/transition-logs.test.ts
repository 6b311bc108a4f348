// Logs: one JSON line per job transition (jobId, type, userId, attempt, duration where it ran),
// and a request id on every request line.
import t from 'tap'
import { startTestFaena } from '../support/faena.js'
import { waitForStatus } from '../support/jobs.js'
import { waitFor } from '../support/wait.js'

t.test('every transition of a job is one log line with its ids; requests carry their request id', async (t) => {
  const lines: Record<string, unknown>[] = []
  const f = await startTestFaena(t, { logLines: (l) => lines.push(l) })
  const alice = f.as('alice')
  const done = (await alice.post('/jobs', { type: 'noop' })).json().jobId as string
  const failing = (await alice.post('/jobs', { type: 'sleep', parameters: { ms: 10, steps: 2, failAt: 1 } })).json()
    .jobId as string
  const later = (
    await alice.post('/jobs', { type: 'noop', runAt: new Date(Date.now() + 3_600_000).toISOString() })
  ).json().jobId as string
  await alice.delete(`/jobs/${later}`)
  await waitForStatus(f.faena, done, 'COMPLETED')
  await waitForStatus(f.faena, failing, 'FAILED')
  const events = (id: string) => lines.filter((l) => l.jobId === id).map((l) => l.event)
  await waitFor(
    'the last lines',
    async () => events(failing).includes('job.failed') && events(done).includes('job.completed'),
  )

  t.same(events(done), ['job.created', 'job.started', 'job.completed'])
  t.same(events(failing), ['job.created', 'job.started', 'job.failed'])
  t.same(events(later), ['job.created', 'job.cancelled'])
  for (const l of lines.filter((x) => typeof x.event === 'string' && String(x.event).startsWith('job.'))) {
    t.match(l, { jobId: String, type: String, userId: 'alice' }, `${l.event} names the job and its user`)
  }
  t.match(
    lines.find((l) => l.jobId === done && l.event === 'job.completed'),
    { attempt: 1, durationMs: Number, workerId: f.faena.workerId },
  )
  t.match(
    lines.find((l) => l.jobId === failing && l.event === 'job.failed'),
    { attempt: 1, durationMs: Number, error: { code: 'DEMO_FAILURE' } },
  )
  const requests = lines.filter((l) => l.req !== undefined || l.res !== undefined)
  t.ok(requests.length >= 8, 'request lines are logged')
  t.ok(
    requests.every((l) => typeof l.reqId === 'string' && (l.reqId as string).length > 0),
    'each with its request id',
  )
})
