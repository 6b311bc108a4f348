// The micro-cache behind GET /jobs/:id: one read shared while fresh, dropped on demand.
import t from 'tap'
import { recentReads } from '../../src/jobs/recent-reads.js'
import { startTestFaena } from '../support/faena.js'

t.test(
  'reads of one id share one read while it is fresh; forget() and failures drop it; ttl 0 always reads',
  async (t) => {
    let calls = 0
    const read = (v: string) => async () => {
      calls++
      return v
    }
    const reads = recentReads<string>(60_000)
    const [a, b] = await Promise.all([reads.get('j1', read('one')), reads.get('j1', read('two'))])
    t.same([a, b, calls], ['one', 'one', 1], 'concurrent reads share the first')
    t.equal(await reads.get('j1', read('three')), 'one', 'and later ones within the ttl')
    t.equal(await reads.get('j2', read('other')), 'other', 'another id is read')
    reads.forget('j1')
    t.equal(await reads.get('j1', read('fresh')), 'fresh', 'forget() makes the next read real')
    await t.rejects(reads.get('j3', async () => Promise.reject(new Error('db down'))))
    t.equal(await reads.get('j3', read('recovered')), 'recovered', 'a failed read is not kept')
    let release = () => {}
    const slow = reads.get('j4', () => new Promise<string>((resolve) => (release = () => resolve('before'))))
    reads.forget('j4')
    release()
    t.equal(await slow, 'before', 'a read in flight when forget() comes still answers')
    t.equal(await reads.get('j4', read('after')), 'after', 'but is not kept')
    const never = recentReads<string>(0)
    calls = 0
    await never.get('j', read('x'))
    await never.get('j', read('y'))
    t.equal(calls, 2, 'ttl 0: every read is real')
  },
)

t.test(
  'GET /jobs/:id with the read cache on: owners only, and a cancel through this process shows at once',
  async (t) => {
    const f = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 0, JOB_READ_CACHE_MS: 60_000 } })
    const { jobId } = (await f.as('alice').post('/jobs', { type: 'noop' })).json()
    t.match((await f.as('alice').get(`/jobs/${jobId}`)).json(), { status: 'QUEUED' })
    t.equal((await f.as('bob').get(`/jobs/${jobId}`)).statusCode, 404, "a cached job is still not another user's")
    t.equal((await f.as('root', { admin: true }).get(`/jobs/${jobId}`)).statusCode, 200)
    t.equal((await f.as('alice').delete(`/jobs/${jobId}`)).statusCode, 204)
    t.match((await f.as('alice').get(`/jobs/${jobId}`)).json(), { status: 'CANCELLED' }, 'not the cached QUEUED')
  },
)
