// Jobs running in real worker threads: completion with progress, failure, priority, runAt.
import t from 'tap'
import { startTestFaena } from '../support/faena.js'
import { openGates } from '../support/gates.js'
import { waitForStatus } from '../support/jobs.js'
import { waitFor } from '../support/wait.js'

t.test('a job runs to COMPLETED, its progress visible while it runs', async (t) => {
  const gates = openGates(t)
  const { as, faena } = await startTestFaena(t)
  const { jobId } = (
    await as('alice').post('/jobs', { type: 'gate', parameters: { key: 'life', progressAt: 40 } })
  ).json()
  const started = await gates.next('life', 'started')
  t.match(started, { jobId, attempt: 1 }, 'the processor got the job id and attempt')

  const midway = await waitFor('progress 40 to be stored', async () => {
    const job = (await as('alice').get(`/jobs/${jobId}`)).json()
    return job.progress === 40 ? job : null
  })
  t.match(midway, {
    status: 'PROCESSING',
    message: 'at 40%',
    processedItems: 40,
    totalItems: 100,
    startedAt: String,
    completedAt: null,
  })
  t.type(midway.etaSeconds, 'number', 'an ETA once progress allows one')
  t.type(midway.estimatedCompletionAt, 'string')

  gates.finish('life')
  await waitForStatus(faena, jobId, 'COMPLETED')
  const done = (await as('alice').get(`/jobs/${jobId}`)).json()
  t.match(done, {
    status: 'COMPLETED',
    progress: 100,
    result: { key: 'life' },
    error: null,
    attempts: 1,
    etaSeconds: null,
  })
  t.ok(Date.parse(done.completedAt) >= Date.parse(done.startedAt))
})

t.test('a failing processor leaves the job FAILED with its error code and message', async (t) => {
  const gates = openGates(t)
  const { as, faena } = await startTestFaena(t)
  const { jobId } = (await as('alice').post('/jobs', { type: 'gate', parameters: { key: 'doomed' } })).json()
  await gates.next('doomed', 'started')
  gates.fail('doomed')
  await waitForStatus(faena, jobId, 'FAILED')
  const job = (await as('alice').get(`/jobs/${jobId}`)).json()
  t.match(job, {
    status: 'FAILED',
    error: { code: 'GATE_FAILED', message: 'gate doomed failed on request' },
    result: null,
    completedAt: String,
  })

  const { jobId: demo } = (
    await as('alice').post('/jobs', { type: 'sleep', parameters: { ms: 1, steps: 1, failAt: 1 } })
  ).json()
  const row = await waitForStatus(faena, demo, 'FAILED')
  t.match(row.error, { code: 'DEMO_FAILURE' }, 'the built-in demo processor fails the same way')
})

t.test('higher priority first, then oldest first', async (t) => {
  const gates = openGates(t)
  const { as } = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 1 } })
  await as('alice').post('/jobs', { type: 'gate', parameters: { key: 'blocker' } })
  await gates.next('blocker', 'started')
  t.equal((await gates.nextOf('started')).key, 'blocker')
  for (const [key, priority] of [
    ['low', 'LOW'],
    ['normal-1', 'NORMAL'],
    ['high', 'HIGH'],
    ['normal-2', 'NORMAL'],
  ] as const) {
    t.equal((await as('alice').post('/jobs', { type: 'gate', parameters: { key }, priority })).statusCode, 202)
  }
  gates.finish('blocker')
  const order: string[] = []
  for (let i = 0; i < 4; i++) {
    const { key } = await gates.nextOf('started')
    order.push(key)
    gates.finish(key)
  }
  t.same(order, ['high', 'normal-1', 'normal-2', 'low'])
})

t.test('a job whose runAt is in the future waits; due jobs run', async (t) => {
  const { as, faena } = await startTestFaena(t)
  const later = new Date(Date.now() + 3600_000).toISOString()
  const { jobId: future } = (await as('alice').post('/jobs', { type: 'noop', runAt: later })).json()
  const { jobId: now } = (await as('alice').post('/jobs', { type: 'noop' })).json()
  await waitForStatus(faena, now, 'COMPLETED')
  const job = (await as('alice').get(`/jobs/${future}`)).json()
  t.match(job, { status: 'QUEUED', runAt: later, attempts: 0 })
})

t.test(
  'retryable failures are retried with backoff up to maxAttempts; the job shows attempts and the last error',
  async (t) => {
    const { as, faena } = await startTestFaena(t)
    const { jobId: recovers } = (
      await as('alice').post('/jobs', { type: 'flaky', parameters: { succeedOn: 3 } })
    ).json()
    const done = await waitForStatus(faena, recovers, 'COMPLETED')
    t.match(done, { attempts: 3, maxAttempts: 3, result: { attempt: 3 } })

    const { jobId: hopeless } = (
      await as('alice').post('/jobs', { type: 'flaky', parameters: { succeedOn: 9 } })
    ).json()
    const failed = await waitForStatus(faena, hopeless, 'FAILED')
    t.match(failed, { attempts: 3, error: { code: 'FLAKY', message: 'attempt 3 failed' } }, 'the last attempt speaks')

    const { jobId: unexpected } = (
      await as('alice').post('/jobs', { type: 'flaky', parameters: { succeedOn: 2, unexpected: true } })
    ).json()
    t.match(
      await waitForStatus(faena, unexpected, 'COMPLETED'),
      { attempts: 2 },
      'an unexpected error is worth another attempt',
    )

    const { jobId: final } = (
      await as('alice').post('/jobs', { type: 'flaky', parameters: { succeedOn: 2, retryable: false } })
    ).json()
    t.match(
      await waitForStatus(faena, final, 'FAILED'),
      { attempts: 1, error: { code: 'FLAKY' } },
      'a non-retryable error is final',
    )
  },
)

t.test('a retry waits its backoff: QUEUED, due later, with the error of the attempt that failed', async (t) => {
  const { as, faena } = await startTestFaena(t, { config: { RETRY_BASE_MS: 600_000, RETRY_MAX_MS: 600_000 } })
  const { jobId } = (await as('alice').post('/jobs', { type: 'flaky', parameters: { succeedOn: 2 } })).json()
  const row = await waitFor('the first attempt to fail', async () => {
    const r = await faena.db.prisma.processingJob.findUniqueOrThrow({ where: { id: jobId } })
    return r.attempts === 1 && r.status === 'QUEUED' && r.error ? r : null
  })
  t.match(row, { error: { code: 'FLAKY', message: 'attempt 1 failed' }, message: /retrying in \d+ s/, lockedBy: null })
  t.ok(row.runAt.getTime() > Date.now() + 50_000, 'due after its backoff (at least a tenth of 10 minutes)')
})

t.test('backoff: exponential, capped, jittered', async (t) => {
  const { backoffMs } = await import('../../src/queue/retry-job.js')
  t.equal(
    backoffMs(1, 1000, 60_000, () => 1),
    1000,
  )
  t.equal(
    backoffMs(3, 1000, 60_000, () => 1),
    4000,
  )
  t.equal(
    backoffMs(20, 1000, 60_000, () => 1),
    60_000,
    'capped',
  )
  t.equal(
    backoffMs(3, 1000, 60_000, () => 0),
    400,
    'at least a tenth of its step',
  )
})

t.test('a job due later starts when it falls due, not at the next poll (60 s in tests)', async (t) => {
  const { as, faena } = await startTestFaena(t)
  const runAt = new Date(Date.now() + 1000).toISOString()
  const { jobId } = (await as('alice').post('/jobs', { type: 'noop', runAt })).json()
  const row = await waitForStatus(faena, jobId, 'COMPLETED')
  t.ok(row.startedAt!.getTime() >= Date.parse(runAt), 'not before runAt')
})
