// Heavy users: a cap on active jobs per user and a rate limit on job creation, both 429 with
// Retry-After in the one error shape; other users and reading routes are not affected.
import t from 'tap'
import { startTestFaena } from '../support/faena.js'

t.test('MAX_ACTIVE_JOBS_PER_USER: beyond it, 429 with Retry-After; others may still submit', async (t) => {
  const { as } = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 0, MAX_ACTIVE_JOBS_PER_USER: 3 } })
  for (let i = 0; i < 3; i++) t.equal((await as('alice').post('/jobs', { type: 'noop' })).statusCode, 202)
  const refused = await as('alice').post('/jobs', { type: 'noop' })
  t.equal(refused.statusCode, 429)
  t.equal(refused.headers['retry-after'], '30')
  t.match(refused.json(), { statusCode: 429, code: 'TOO_MANY_ACTIVE_JOBS', message: /3 jobs queued or running/ })
  t.equal((await as('bob').post('/jobs', { type: 'noop' })).statusCode, 202, 'another user is not limited by alice')
  const { data } = (await as('alice').get('/jobs')).json()
  t.equal((await as('alice').delete(`/jobs/${data[0].id}`)).statusCode, 204)
  t.equal((await as('alice').post('/jobs', { type: 'noop' })).statusCode, 202, 'a finished job frees a place')
})

t.test('JOB_CREATION_PER_MINUTE: per user, job-creating requests only', async (t) => {
  const { as } = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 0, JOB_CREATION_PER_MINUTE: 2 } })
  t.equal((await as('alice').post('/jobs', { type: 'noop' })).statusCode, 202)
  t.equal(
    (await as('alice').post('/jobs/kpi-export', { filters: { from: '2020-01-01', to: '2020-01-02' } })).statusCode,
    202,
  )
  const limited = await as('alice').post('/jobs', { type: 'noop' })
  t.equal(limited.statusCode, 429)
  t.match(limited.json(), { code: 'RATE_LIMITED', message: /at most 2 job-creating requests a minute/ })
  t.ok(Number(limited.headers['retry-after']) > 0)
  t.equal((await as('bob').post('/jobs', { type: 'noop' })).statusCode, 202, 'per user')
  t.equal((await as('alice').get('/jobs')).statusCode, 200, 'reading is not limited')
})
