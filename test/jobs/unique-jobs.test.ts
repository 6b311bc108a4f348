// Unique jobs, for any job type that declares uniqueKey(): while a job of the type with a key is
// QUEUED or PROCESSING, another with that key is a 409 JOB_DUPLICATE naming it, from any node at
// any instant (a unique index decides, not a read before the insert); once it has ended, the key
// is free again.
import t from 'tap'
import { startTestFaena } from '../support/faena.js'

t.test('two nodes adding the same key at once: one job; the key is free again once it ends', async (t) => {
  const a = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 0 } })
  const b = await startTestFaena(t, { databaseUrl: a.url, config: { WORKER_CONCURRENCY: 0 } })
  const job = (key: string) => ({ type: 'unique-gate', parameters: { key } })
  const both = await Promise.all([a.as('alice').post('/jobs', job('k1')), b.as('bob').post('/jobs', job('k1'))])
  t.same(both.map((r) => r.statusCode).sort(), [202, 409], 'one added, one refused')
  const added = both.find((r) => r.statusCode === 202)!.json()
  const refused = both.find((r) => r.statusCode === 409)!.json()
  t.match(refused, {
    code: 'JOB_DUPLICATE',
    message: `a unique-gate job with the same key is already queued or running: job ${added.jobId}`,
  })
  const { rows } = await a.faena.db.pool.query(
    `SELECT count(*)::int AS n FROM processing_job WHERE type = 'unique-gate'`,
  )
  t.equal(rows[0].n, 1, 'nothing stored for the refused one')

  t.equal((await a.as('alice').post('/jobs', job('k2'))).statusCode, 202, 'another key passes')
  t.equal(
    (await a.as('alice').post('/jobs', { type: 'gate', parameters: { key: 'k1' } })).statusCode,
    202,
    'another type too',
  )

  const owner = both[0]!.statusCode === 202 ? a.as('alice') : b.as('bob')
  t.equal((await owner.delete(`/jobs/${added.jobId}`)).statusCode, 204)
  const again = await a.as('alice').post('/jobs', job('k1'))
  t.equal(again.statusCode, 202, 'the key is free once its job ended')

  const rerun = await owner.post(`/jobs/${added.jobId}/retry`)
  t.equal(rerun.statusCode, 409, 'a re-run waits for the active job with its key')
  t.match(rerun.json(), { code: 'JOB_CONFLICT' })
})
