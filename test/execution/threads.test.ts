// The worker threads jobs run on: one that dies or runs out of heap fails its job and is
// replaced; a job type may ask for threads with a larger young generation. (Apart from
// lifecycle.test.ts so that each file stays well within tap's per-file timeout under load.)
import t from 'tap'
import { startTestFaena } from '../support/faena.js'
import { openGates } from '../support/gates.js'
import { waitForStatus } from '../support/jobs.js'

t.test('a worker thread that dies fails its job with WORKER_CRASHED, and the pool goes on', async (t) => {
  const gates = openGates(t)
  const { as, faena } = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 1 } })
  const { jobId } = (await as('alice').post('/jobs', { type: 'gate', parameters: { key: 'boom', crash: true } })).json()
  await gates.next('boom', 'started')
  gates.finish('boom')
  const row = await waitForStatus(faena, jobId, 'FAILED')
  t.match(row.error, { code: 'WORKER_CRASHED' })
  const { jobId: next } = (await as('alice').post('/jobs', { type: 'noop' })).json()
  await waitForStatus(faena, next, 'COMPLETED')
})

t.test(
  'a job that needs more heap than WORKER_MAX_HEAP_MB fails with WORKER_OUT_OF_MEMORY; the process goes on',
  async (t) => {
    const { as, faena } = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 1, WORKER_MAX_HEAP_MB: 64 } })
    const { jobId } = (await as('alice').post('/jobs', { type: 'hog' })).json()
    const row = await waitForStatus(faena, jobId, 'FAILED')
    t.match(row.error, { code: 'WORKER_OUT_OF_MEMORY', message: /WORKER_MAX_HEAP_MB/ })
    const { jobId: next } = (await as('alice').post('/jobs', { type: 'noop' })).json()
    await waitForStatus(faena, next, 'COMPLETED')
    t.equal((await as('alice').get('/health/ready')).statusCode, 200)
  },
)

t.test('a job type that asks for a larger young generation runs on threads of that size', async (t) => {
  const { as, faena } = await startTestFaena(t)
  const newSpace = async (type: string) => {
    const { jobId } = (await as('alice').post('/jobs', { type, parameters: {} })).json()
    return (await waitForStatus(faena, jobId, 'COMPLETED')).result as number
  }
  const standard = await newSpace('young-generation')
  const larger = await newSpace('young-generation-96')
  t.ok(
    larger >= 2 * standard,
    `96 MB asked: ${larger / 2 ** 20} MB of new space, against ${standard / 2 ** 20} MB by default`,
  )
  t.ok((await newSpace('young-generation')) <= standard, 'the default type stays on threads of the default size')
})
