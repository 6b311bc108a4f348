// Requests the bad-input suite found answered with a 500: now a 400 that says what is wrong.
import t from 'tap'
import { startTestFaena } from '../support/faena.js'

t.test('a multipart body that cannot be parsed is a 400 on both upload routes, nothing created', async (t) => {
  const f = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 0 } })
  for (const path of ['/jobs/dkt-import', '/jobs/report']) {
    const noBoundary = await f.as('alice').post(path, 'x', { 'content-type': 'multipart/form-data' })
    t.equal(noBoundary.statusCode, 400, `${path}: no boundary`)
    t.match(noBoundary.json(), { code: 'VALIDATION_FAILED', message: /multipart body is malformed/ })
    const garbage = await f
      .as('alice')
      .post(path, '\u0000\u0001\u0002'.repeat(100), { 'content-type': 'multipart/form-data; boundary=----faenabad' })
    t.equal(garbage.statusCode, 400, `${path}: garbage`)
  }
  const { rows } = await f.faena.db.pool.query('SELECT count(*)::int AS n FROM processing_job')
  t.equal(rows[0].n, 0)
})

t.test('GET /jobs?type= with a NUL byte is a 400, not a database error', async (t) => {
  const f = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 0 } })
  const res = await f.as('alice').get('/jobs?type=%00')
  t.equal(res.statusCode, 400)
  t.match(res.json(), { code: 'VALIDATION_FAILED', message: /^type:/ })
})
