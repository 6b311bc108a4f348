// Several processes on one database: each job runs exactly once.
import t from 'tap'
import { TALLY_CHANNEL } from '../processors/tally.js'
import { startTestFaena } from '../support/faena.js'
import { waitFor } from '../support/wait.js'

t.test('two dispatchers on one database never run a job twice', async (t) => {
  const runs = new Map<string, number>()
  const channel = new BroadcastChannel(TALLY_CHANNEL)
  channel.onmessage = (m: MessageEvent) => {
    const { jobId } = m.data as { jobId: string }
    runs.set(jobId, (runs.get(jobId) ?? 0) + 1)
  }
  t.teardown(() => channel.close())

  const a = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 2 } })
  const b = await startTestFaena(t, { databaseUrl: a.url, config: { WORKER_CONCURRENCY: 2 } })
  const total = 200
  const ids = await Promise.all(
    Array.from({ length: total }, (_, i) =>
      (i % 2 ? a : b)
        .as('alice')
        .post('/jobs', { type: 'tally', parameters: { n: i } })
        .then((r) => r.json().jobId as string),
    ),
  )
  await waitFor(
    'every job to complete',
    async () => (await a.faena.db.prisma.processingJob.count({ where: { status: 'COMPLETED' } })) === total,
    60_000,
  )
  await waitFor('every run to be announced', async () => runs.size === total)
  t.same([...new Set(runs.values())], [1], 'each job ran once')
  t.same(new Set(runs.keys()), new Set(ids))
  const attempts = await a.faena.db.prisma.processingJob.groupBy({ by: ['attempts'], _count: true })
  t.same(
    attempts.map((g) => [g.attempts, g._count]),
    [[1, total]],
    'and was claimed once',
  )
})
