// The queue's SQL on its own: claims are disjoint under contention, and every transition out
// of PROCESSING is guarded by the lock owner.
import pg from 'pg'
import t, { type Test } from 'tap'
import { cancelJob } from '../../src/queue/cancel-job.js'
import { createWorkerQueue } from '../../src/queue/index.js'
import { recordFiles } from '../../src/queue/job-files.js'
import { createTestDatabase } from '../support/database.js'

async function setup(t: Test) {
  const url = await createTestDatabase(t)
  const pool = new pg.Pool({ connectionString: url, max: 12 })
  t.teardown(() => pool.end())
  const insert = async (n: number, extra: { priority?: string; userId?: string } = {}) => {
    const { rows } = await pool.query(
      `INSERT INTO processing_job (id, type, user_id, priority)
       SELECT 'j' || lpad(g::text, 5, '0'), 'noop', $2, $3::"JobPriority" FROM generate_series(1, $1) g RETURNING id`,
      [n, extra.userId ?? 'u1', extra.priority ?? 'NORMAL'],
    )
    return rows.map((r) => r.id as string)
  }
  const row = async (id: string) => (await pool.query('SELECT * FROM processing_job WHERE id = $1', [id])).rows[0]
  return { pool, insert, row }
}

t.test('concurrent claimers never get the same job', async (t) => {
  const { pool, insert } = await setup(t)
  await insert(500)
  const claimers = Array.from({ length: 8 }, (_, i) => createWorkerQueue(pool, `w${i}`, 30_000))
  const got = await Promise.all(
    claimers.map(async (q) => {
      const mine: string[] = []
      for (;;) {
        const jobs = await q.claim(7)
        if (jobs.length === 0) return mine
        mine.push(...jobs.map((j) => j.id))
      }
    }),
  )
  const all = got.flat()
  t.equal(all.length, 500, 'every job claimed')
  t.equal(new Set(all).size, 500, 'none twice')
  const { rows } = await pool.query(
    `SELECT count(*)::int AS n FROM processing_job WHERE status = 'PROCESSING' AND attempts = 1`,
  )
  t.equal(rows[0].n, 500)
})

t.test('only the lock owner can complete, fail, return or update a job', async (t) => {
  const { pool, insert, row } = await setup(t)
  const [id] = await insert(1)
  const owner = createWorkerQueue(pool, 'owner', 30_000)
  const other = createWorkerQueue(pool, 'other', 30_000)
  const [claimed] = await owner.claim(1)
  t.equal(claimed?.id, id)
  t.match(await row(id!), { status: 'PROCESSING', locked_by: 'owner', attempts: 1 })

  t.equal(await other.complete(id!, { result: { x: 1 }, processedItems: null, totalItems: null, message: null }), false)
  t.equal(await other.fail(id!, { code: 'X', message: 'x' }), false)
  t.equal(await other.giveBack([id!]), 0)
  await other.saveProgress([{ jobId: id!, progress: 50, message: 'nope', processedItems: null, totalItems: null }])
  t.match(await row(id!), { status: 'PROCESSING', locked_by: 'owner', progress: 0, result: null }, 'untouched')

  await owner.saveProgress([{ jobId: id!, progress: 50, message: 'half', processedItems: 5, totalItems: 10 }])
  t.match(await row(id!), { progress: 50, message: 'half', processed_items: 5, total_items: 10 })
  t.equal(await owner.complete(id!, { result: { x: 1 }, processedItems: 10, totalItems: 10, message: null }), true)
  t.match(await row(id!), {
    status: 'COMPLETED',
    locked_by: null,
    progress: 100,
    result: { x: 1 },
    processed_items: 10,
    message: 'half',
  })
  t.equal(await owner.fail(id!, { code: 'X', message: 'x' }), false, 'a finished job stays finished')
})

t.test("completions in one statement: only the owner's PROCESSING jobs, each with its own result", async (t) => {
  const { pool, insert, row } = await setup(t)
  const ids = await insert(4)
  const owner = createWorkerQueue(pool, 'owner', 30_000)
  const other = createWorkerQueue(pool, 'other', 30_000)
  await owner.claim(3)
  const [a, b, c, d] = ids as [string, string, string, string]
  await pool.query(`UPDATE processing_job SET locked_by = 'other' WHERE id = $1`, [c])
  const done = (id: string, n: number | null) => ({
    jobId: id,
    completion: { result: { id }, processedItems: n, totalItems: n, message: n ? `${n} done` : null },
  })
  const ours = await owner.completeMany([done(a, 1), done(b, null), done(c, 3), done(d, 4)])
  t.same([...ours].sort(), [a, b], 'the two still ours; not the taken one, not the QUEUED one')
  t.match(await row(a), {
    status: 'COMPLETED',
    result: { id: a },
    processed_items: 1,
    message: '1 done',
    locked_by: null,
    progress: 100,
  })
  t.match(await row(b), { status: 'COMPLETED', result: { id: b }, processed_items: null, message: null })
  t.match(await row(c), { status: 'PROCESSING', locked_by: 'other', result: null })
  t.match(await row(d), { status: 'QUEUED', result: null })
  t.same([...(await other.completeMany([done(a, 1)]))], [], 'a finished job stays finished')
})

t.test('handing back refunds the attempt and requeues', async (t) => {
  const { pool, insert, row } = await setup(t)
  const [id] = await insert(1)
  const q = createWorkerQueue(pool, 'w', 30_000)
  await q.claim(1)
  t.equal(await q.giveBack([id!]), 1)
  t.match(await row(id!), { status: 'QUEUED', attempts: 0, locked_by: null, started_at: null })
})

t.test('claim order: priority, then age', async (t) => {
  const { pool } = await setup(t)
  await pool.query(`INSERT INTO processing_job (id, type, user_id, priority, created_at) VALUES
    ('old-low', 'noop', 'u', 'LOW', now() - interval '3 min'),
    ('new-high', 'noop', 'u', 'HIGH', now()),
    ('old-normal', 'noop', 'u', 'NORMAL', now() - interval '2 min'),
    ('new-normal', 'noop', 'u', 'NORMAL', now() - interval '1 min'),
    ('future-high', 'noop', 'u', 'HIGH', now() - interval '5 min')`)
  await pool.query(`UPDATE processing_job SET run_at = now() + interval '1 hour' WHERE id = 'future-high'`)
  const q = createWorkerQueue(pool, 'w', 30_000)
  t.same(
    (await q.claim(10)).map((j) => j.id),
    ['new-high', 'old-normal', 'new-normal', 'old-low'],
  )
})

t.test('cancel: queued at once, running by request, finished refused, others invisible', async (t) => {
  const { pool, insert, row } = await setup(t)
  const [queued, running, done] = await insert(3)
  const q = createWorkerQueue(pool, 'w', 30_000)
  await pool.query(`UPDATE processing_job SET run_at = now() + interval '1 hour' WHERE id = $1`, [queued])
  const claimed = await q.claim(2)
  t.same(claimed.map((j) => j.id).sort(), [running, done].sort())
  await q.complete(done!, { result: null, processedItems: null, totalItems: null, message: null })

  const listener = new pg.Client({
    connectionString: (pool as unknown as { options: { connectionString: string } }).options.connectionString,
  })
  await listener.connect()
  t.teardown(() => listener.end())
  const notified = new Promise<string | undefined>((ok) => listener.once('notification', (n) => ok(n.payload)))
  await listener.query('LISTEN faena_cancel')

  t.same(await cancelJob(pool, queued!, 'someone-else'), { kind: 'not-found' })
  t.same(await cancelJob(pool, queued!, 'u1'), {
    kind: 'cancelled',
    type: 'noop',
    attempts: 0,
    error: { code: 'CANCELLED', message: 'cancelled by the user' },
    trace: null,
  })
  t.match(await row(queued!), { status: 'CANCELLED', cancel_requested_at: Date })
  t.same(await cancelJob(pool, running!, null), { kind: 'requested' }, 'an admin (owner null) may cancel')
  t.equal(await notified, running, 'the owning process is told on faena_cancel')
  t.match(await row(running!), { status: 'PROCESSING', cancel_requested_at: Date })
  t.same(await cancelJob(pool, done!, 'u1'), { kind: 'finished', status: 'COMPLETED' })
  const beat = await q.heartbeat([running!])
  t.same(beat, { renewed: [running], cancelRequested: [running] }, 'the heartbeat reports the cancel too')
})

t.test(
  'the rescuer takes back jobs whose lease expired: requeued with the attempt counted, ABANDONED when none is left, CANCELLED when asked',
  async (t) => {
    const { pool, insert, row } = await setup(t)
    const [retry, last, cancelled, alive] = (await insert(4)) as [string, string, string, string]
    await pool.query(`UPDATE processing_job SET max_attempts = 3 WHERE id = $1`, [retry])
    const dead = createWorkerQueue(pool, 'dead-node', 30_000)
    const other = createWorkerQueue(pool, 'live-node', 30_000)
    t.equal((await dead.claim(3)).length, 3)
    t.equal((await other.claim(1)).length, 1)
    await pool.query(`UPDATE processing_job SET cancel_requested_at = now() WHERE id = $1`, [cancelled])
    // dead-node stops renewing: its leases run out; live-node's lease is still running.
    await pool.query(
      `UPDATE processing_job SET lease_expires_at = now() - interval '1 second' WHERE locked_by = 'dead-node'`,
    )

    const rescued = await other.rescueExpired()
    t.same(
      rescued.map((j) => [j.id, j.status]).sort(),
      [
        [retry, 'QUEUED'],
        [last, 'FAILED'],
        [cancelled, 'CANCELLED'],
      ].sort(),
    )
    t.match(await row(retry), { status: 'QUEUED', attempts: 1, locked_by: null, progress: 0 })
    t.match(await row(last), {
      status: 'FAILED',
      error: { code: 'ABANDONED', message: /attempt 1 of 1 .*dead-node/ },
      completed_at: Date,
    })
    t.match(await row(cancelled), { status: 'CANCELLED', error: { code: 'CANCELLED' } })
    t.match(await row(alive), { status: 'PROCESSING', locked_by: 'live-node' }, 'a live lease is left alone')
    t.same(await other.rescueExpired(), [], 'nothing twice')

    t.notOk(
      await dead.complete(retry, { result: {}, processedItems: null, totalItems: null, message: null }),
      'the dead owner can no longer finish it',
    )
    const again = await other.claim(5)
    t.same(
      again.map((j) => [j.id, j.attempts]),
      [[retry, 2]],
      'claimed again as attempt 2',
    )
  },
)

t.test(
  "a job's files are written with its final transition, by its owner only, and become exactly what its type declares",
  async (t) => {
    const { pool, insert } = await setup(t)
    const [done, failed] = await insert(2)
    const files = async (id: string) =>
      (
        await pool.query(
          'SELECT key, kind, file_name, bytes::int, download FROM job_file WHERE job_id = $1 ORDER BY key',
          [id],
        )
      ).rows
    // As at creation: an input and the result file to come.
    await recordFiles(pool, done!, [
      { key: 'in/1', kind: 'input', bytes: 7 },
      { key: 'out/1', kind: 'result', fileName: 'r.csv', download: true },
    ])
    const owner = createWorkerQueue(pool, 'owner', 30_000)
    const other = createWorkerQueue(pool, 'other', 30_000)
    await owner.claim(2)

    const atEnd = [{ key: 'out/1', kind: 'result', fileName: 'r.csv', bytes: 42, download: true }]
    t.equal(
      await other.complete(done!, { result: null, processedItems: null, totalItems: null, message: null }, atEnd),
      false,
    )
    t.same(
      await files(done!),
      [
        { key: 'in/1', kind: 'input', file_name: null, bytes: 7, download: false },
        { key: 'out/1', kind: 'result', file_name: 'r.csv', bytes: null, download: true },
      ],
      'not the owner: nothing written',
    )
    t.equal(
      await owner.complete(done!, { result: null, processedItems: null, totalItems: null, message: null }, atEnd),
      true,
    )
    t.same(
      await files(done!),
      [{ key: 'out/1', kind: 'result', file_name: 'r.csv', bytes: 42, download: true }],
      'the input the type no longer declares is gone; the result has its size',
    )

    t.equal(
      await owner.fail(failed!, { code: 'X', message: 'x' }, null, [{ key: 'problems/2', kind: 'problems', bytes: 3 }]),
      true,
    )
    t.same(
      await files(failed!),
      [{ key: 'problems/2', kind: 'problems', file_name: null, bytes: 3, download: false }],
      'a failure records its files too',
    )
  },
)
