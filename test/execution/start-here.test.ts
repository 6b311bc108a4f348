// Started here: a job added on a node with a free thread is claimed for that thread by the
// statement that adds it, when a claim made just after would pick it first, and starts without
// the NOTIFY and the claim's round trip (src/queue/enqueue-job.ts). Otherwise it is QUEUED as
// before: the queue's order, pauses, runAt and the active-job limit are kept.
import pg from 'pg'
import t, { type Test } from 'tap'
import { enqueueJob, type NewJob } from '../../src/queue/enqueue-job.js'
import { createTestDatabase } from '../support/database.js'
import { startTestFaena } from '../support/faena.js'
import { openGates } from '../support/gates.js'
import { jobRow, waitForStatus } from '../support/jobs.js'

const HERE = { workerId: 'here', leaseMs: 30_000 }

async function queueDatabase(t: Test) {
  const url = await createTestDatabase(t)
  const pool = new pg.Pool({ connectionString: url, max: 2 })
  t.teardown(() => pool.end())
  const add = async (job: Partial<NewJob> = {}, max: number | null = null) => {
    const added = await enqueueJob(
      pool,
      {
        type: 'noop',
        userId: 'u1',
        parameters: {},
        priority: 'NORMAL',
        maxAttempts: 1,
        timeoutMs: 60_000,
        runAt: null,
        ...job,
      },
      max,
      HERE,
    )
    if (!('job' in added)) throw new Error(`refused: ${added.activeJobs} active`)
    return added.job
  }
  return { pool, add }
}

t.test('the enqueue claims a job for the free thread only when a claim would pick it first', async (t) => {
  const { pool, add } = await queueDatabase(t)
  t.match(
    await add(),
    { status: 'PROCESSING', lockedBy: 'here', attempts: 1, startedAt: Date, leaseExpiresAt: Date },
    'an empty queue: claimed as it is added',
  )

  const waiting = await enqueueJob(
    pool,
    { type: 'noop', userId: 'u2', parameters: {}, priority: 'NORMAL', maxAttempts: 1, timeoutMs: 60_000, runAt: null },
    null,
    null,
  )
  t.match(waiting, { job: { status: 'QUEUED', lockedBy: null, attempts: 0 } }, 'no thread offered: queued')
  t.match(
    await add(),
    { status: 'QUEUED', lockedBy: null, attempts: 0, startedAt: null },
    'a due job of its priority waits: queued behind it',
  )
  t.match(await add({ priority: 'LOW' }), { status: 'QUEUED' }, 'a more urgent job waits: queued')
  t.match(
    await add({ priority: 'HIGH' }),
    { status: 'PROCESSING', lockedBy: 'here' },
    'only less urgent jobs wait: claimed, as a claim would',
  )

  await pool.query(`UPDATE processing_job SET status = 'COMPLETED' WHERE status = 'QUEUED'`)
  t.match(await add({ runAt: new Date(Date.now() + 60_000) }), { status: 'QUEUED' }, 'not due yet: queued')
  t.match(await add(), { status: 'PROCESSING' }, 'a job due later does not hold it back')

  await pool.query(
    `INSERT INTO processing_job (id, type, user_id, run_at) SELECT 'later' || g, 'noop', 'u3', now() + interval '1 hour' FROM generate_series(1, 40) g`,
  )
  t.match(await add(), { status: 'QUEUED' }, 'past 32 jobs due later at the front the queue is not walked: queued')
  await pool.query(`UPDATE processing_job SET status = 'COMPLETED' WHERE status = 'QUEUED'`)

  await pool.query(`INSERT INTO job_type_pause (type, paused_by) VALUES ('paused', 'ops')`)
  t.match(await add({ type: 'paused' }), { status: 'QUEUED' }, 'its type is paused: queued')
  t.match(await add(), { status: 'PROCESSING' }, 'a queued job of a paused type does not hold it back')

  const { rows } = await pool.query(
    `SELECT count(*)::int AS n FROM processing_job WHERE user_id = 'u1' AND status IN ('QUEUED', 'PROCESSING')`,
  )
  const refused = await enqueueJob(
    pool,
    { type: 'noop', userId: 'u1', parameters: {}, priority: 'HIGH', maxAttempts: 1, timeoutMs: 60_000, runAt: null },
    rows[0].n,
    HERE,
  )
  t.same(refused, { activeJobs: rows[0].n }, 'at the active-job limit: nothing added, nothing claimed')
})

t.test('a job posted to a node with a free thread starts there at once and completes', async (t) => {
  const gates = openGates(t)
  const node = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 1 } })
  const posted = await node.as('alice').post('/jobs', { type: 'gate', parameters: { key: 'here' } })
  t.equal(posted.statusCode, 202)
  t.match(posted.json(), { status: 'PROCESSING' }, 'the answer says it runs')
  t.match(await jobRow(node.faena, posted.json().jobId), {
    status: 'PROCESSING',
    lockedBy: node.faena.workerId,
    attempts: 1,
  })
  await gates.next('here', 'started')

  // The thread is busy: the next one is queued, and runs after.
  const next = await node.as('alice').post('/jobs', { type: 'gate', parameters: { key: 'next' } })
  t.match(next.json(), { status: 'QUEUED' })
  gates.finish('here')
  await gates.next('next', 'started')
  gates.finish('next')
  t.match(await waitForStatus(node.faena, next.json().jobId, 'COMPLETED'), { attempts: 1 })
})

t.test('a thread kept for a job that was queued is free again', async (t) => {
  const node = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 1 } })
  const ops = { authorization: `Bearer ${node.token('ops', { admin: true })}` }
  t.equal((await node.faena.app.inject({ method: 'PUT', url: '/job-types/gate/pause', headers: ops })).statusCode, 200)
  const paused = await node.as('alice').post('/jobs', { type: 'gate', parameters: { key: 'paused' } })
  t.match(paused.json(), { status: 'QUEUED' }, 'its type is paused')
  const now = await node.as('alice').post('/jobs', { type: 'noop' })
  t.match(now.json(), { status: 'PROCESSING' }, 'the one thread was offered again')
  await waitForStatus(node.faena, now.json().jobId, 'COMPLETED')
  t.equal((await jobRow(node.faena, paused.json().jobId)).status, 'QUEUED')

  const dispatcher = node.faena.dispatcher!
  const offer = dispatcher.offer('noop')
  t.ok(offer, 'offered')
  t.equal(dispatcher.offer('noop'), null, 'kept: not offered twice')
  offer!.release()
  offer!.release()
  const again = dispatcher.offer('noop')
  t.ok(again, 'released once, whatever the calls: offered again')
  again!.release()
  t.equal(dispatcher.offer('no-such-type'), null, 'no processor here for the type: not offered')
})

t.test('a job claimed as it was added while the node stops is handed back, its attempt refunded', async (t) => {
  const node = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 1 }, stopOnTeardown: false })
  const offer = node.faena.dispatcher!.offer('noop')
  t.ok(offer, 'a free thread is offered')
  t.equal(node.faena.dispatcher!.offer('noop'), null, 'the only one: kept for the first')
  // The dispatcher stops first (faena.stop() closes HTTP before it); stop() is idempotent.
  const stopped = node.faena.dispatcher!.stop()
  const added = await enqueueJob(
    node.faena.db.pool,
    {
      type: 'noop',
      userId: 'alice',
      parameters: {},
      priority: 'NORMAL',
      maxAttempts: 1,
      timeoutMs: 60_000,
      runAt: null,
    },
    null,
    offer,
  )
  if (!('job' in added)) throw new Error('refused')
  t.equal(added.job.status, 'PROCESSING')
  // stop() waits for the thread it kept: it is taken now, while stopping.
  offer!.take(added.claimed!)
  await stopped
  await node.faena.stop()
  const other = await startTestFaena(t, { databaseUrl: node.url, config: { WORKER_CONCURRENCY: 0 } })
  t.match(await jobRow(other.faena, added.job.id), { status: 'QUEUED', attempts: 0, lockedBy: null, startedAt: null })
})
