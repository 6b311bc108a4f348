// Scale-out: an API node (ROLE=api) takes the jobs, two worker processes (ROLE=worker) on the
// same database split them, each job run once; a worker node answers health checks only.
import t from 'tap'
import { loadConfig } from '../../src/config/load-config.js'
import { startTestFaena } from '../support/faena.js'
import { startServerProcess } from '../support/server-process.js'
import { waitFor } from '../support/wait.js'

t.test('two worker processes split the jobs an API node takes, each job run once', async (t) => {
  const api = await startTestFaena(t, { config: { ROLE: 'api' } })
  t.equal(api.faena.dispatcher, null, 'the API node runs no jobs')
  const env = {
    DATABASE_URL: api.url,
    ROLE: 'worker',
    WORKER_CONCURRENCY: '2',
    DATA_DIR: api.config.DATA_DIR,
    RETENTION_DAYS: '0',
  }
  const workers = [await startServerProcess(t, env), await startServerProcess(t, env)]

  const total = 60
  const ids: string[] = []
  for (let i = 0; i < total; i++) {
    const res = await api.as('alice').post('/jobs', { type: 'sleep', parameters: { ms: 30, steps: 1 } })
    t.equal(res.statusCode, 202)
    ids.push(res.json().jobId)
  }
  await waitFor(
    'every job to complete',
    async () => (await api.faena.db.prisma.processingJob.count({ where: { status: 'COMPLETED' } })) === total,
    60_000,
  )

  const completedBy = (w: (typeof workers)[number]) =>
    w.lines
      .map((l) => JSON.parse(l) as { event?: string; jobId?: string })
      .filter((l) => l.event === 'job.completed')
      .map((l) => l.jobId!)
  await waitFor(
    'both workers to have logged their completions',
    async () => completedBy(workers[0]!).length + completedBy(workers[1]!).length === total,
  )
  const [a, b] = [completedBy(workers[0]!), completedBy(workers[1]!)]
  t.ok(a.length > 0 && b.length > 0, `split between the two processes: ${a.length} and ${b.length}`)
  t.same([...a, ...b].sort(), [...ids].sort(), 'each job completed once, by one of them')
  const attempts = await api.faena.db.prisma.processingJob.groupBy({ by: ['attempts'], _count: true })
  t.same(
    attempts.map((g) => [g.attempts, g._count]),
    [[1, total]],
    'each claimed once',
  )

  const health = await fetch(`${workers[0]!.base}/health/ready`)
  t.equal(health.status, 200, 'a worker node answers health checks')
  const jobs = await fetch(`${workers[0]!.base}/jobs`)
  t.equal(jobs.status, 404, 'and serves no API')
})

t.test('a node of several needs DATABASE_URL; a worker node needs threads', async (t) => {
  t.throws(() => loadConfig({ ROLE: 'api' }), /ROLE=api .* set DATABASE_URL/)
  t.throws(
    () => loadConfig({ ROLE: 'worker', DATABASE_URL: 'postgres://x/y', WORKER_CONCURRENCY: '0' }),
    /WORKER_CONCURRENCY must be at least 1/,
  )
  t.throws(() => loadConfig({ ROLE: 'both' }), /ROLE/)
  t.equal(loadConfig({}).ROLE, 'all')
})
