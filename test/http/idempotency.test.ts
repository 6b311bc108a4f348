// Idempotency-Key on every job-creating route: a repeated request gets its first job back (200),
// never a second job; another request with the same key is a 422; keys are per user and expire.
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { csvBytes, dktRow, HEADER } from '../support/dkt-files.js'
import { startTestFaena, type TestFaena } from '../support/faena.js'
import { multipartBody } from '../support/multipart.js'

const count = async (f: TestFaena, table: string) =>
  Number((await f.faena.db.pool.query(`SELECT count(*) FROM ${table}`)).rows[0].count)
const key = (k: string) => ({ 'idempotency-key': k })

t.test(
  'POST /jobs: same key and request -> 200 with the same job; another request -> 422; per user; expired keys are taken over',
  async (t) => {
    const f = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 0 } })
    const first = await f.as('alice').post('/jobs', { type: 'sleep', parameters: { ms: 10, steps: 2 } }, key('k-1'))
    t.equal(first.statusCode, 202)
    const again = await f.as('alice').post('/jobs', { parameters: { steps: 2, ms: 10 }, type: 'sleep' }, key('k-1'))
    t.equal(again.statusCode, 200, 'the same request, keys in another order')
    t.equal(again.json().jobId, first.json().jobId, 'the same job')
    t.equal(again.headers.location, `/jobs/${first.json().jobId}`)
    t.equal(await count(f, 'processing_job'), 1, 'one job')

    const other = await f.as('alice').post('/jobs', { type: 'sleep', parameters: { ms: 20, steps: 2 } }, key('k-1'))
    t.equal(other.statusCode, 422)
    t.match(other.json(), { code: 'IDEMPOTENCY_KEY_REUSED', message: /another request/ })
    t.equal(
      (await f.as('alice').post('/jobs/kpi-export', { filters: { from: '2020-01-01', to: '2020-01-02' } }, key('k-1')))
        .statusCode,
      422,
      'the same key on another route',
    )

    const bob = await f.as('bob').post('/jobs', { type: 'sleep', parameters: { ms: 10, steps: 2 } }, key('k-1'))
    t.equal(bob.statusCode, 202, "another user's key is another key")
    t.not(bob.json().jobId, first.json().jobId)

    for (const bad of ['', 'x'.repeat(256), 'with space', 'ñ']) {
      const res = await f.as('alice').post('/jobs', { type: 'noop' }, key(bad))
      t.equal(res.statusCode, 400, `malformed key ${JSON.stringify(bad.slice(0, 12))}: 400`)
    }
    t.equal(await count(f, 'processing_job'), 2)

    await f.faena.db.pool.query(
      `UPDATE idempotency_key SET expires_at = now() - interval '1 second' WHERE key = 'k-1' AND user_id = 'alice'`,
    )
    const later = await f.as('alice').post('/jobs', { type: 'sleep', parameters: { ms: 20, steps: 2 } }, key('k-1'))
    t.equal(later.statusCode, 202, 'after 24 h the key is free again')
    t.equal(
      (await f.as('alice').post('/jobs', { type: 'sleep', parameters: { ms: 20, steps: 2 } }, key('k-1'))).json().jobId,
      later.json().jobId,
    )
  },
)

t.test('the same key sent several times at once makes one job; the others get it or are told to retry', async (t) => {
  const f = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 0 } })
  const send = () => f.as('alice').post('/jobs', { type: 'noop', parameters: { n: 1 } }, key('burst'))
  const answers = await Promise.all(Array.from({ length: 6 }, send))
  const codes = answers.map((a) => a.statusCode).sort()
  t.equal(codes.filter((c) => c === 202).length, 1, `one 202 (${codes.join(', ')})`)
  t.ok(
    codes.every((c) => c === 200 || c === 202 || c === 409),
    'the others: 200 with it, or 409 to retry',
  )
  for (const a of answers.filter((x) => x.statusCode === 409)) t.match(a.json(), { code: 'IDEMPOTENCY_KEY_IN_USE' })
  t.equal(await count(f, 'processing_job'), 1, 'one job')
  const retry = await send()
  t.equal(retry.statusCode, 200)
  t.equal(retry.json().jobId, answers.find((a) => a.statusCode === 202)!.json().jobId)
})

t.test('uploads and exports: a repeated request keeps no second file, audit row or report', async (t) => {
  const f = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 0 } })
  const upload = () => {
    const m = multipartBody({ onError: 'skip' }, { name: 'dkt.csv', content: csvBytes([HEADER, dktRow(1), dktRow(2)]) })
    return f.as('alice').post('/jobs/dkt-import', m.payload, { ...m.headers, ...key('imp') })
  }
  const a = await upload()
  t.equal(a.statusCode, 202, a.body)
  const b = await upload()
  t.equal(b.statusCode, 200)
  t.equal(b.json().jobId, a.json().jobId)

  const exportBody = { filters: { from: '2020-01-01', to: '2020-01-02' }, format: 'csv' }
  const e1 = await f.as('alice').post('/jobs/kpi-export', exportBody, key('exp'))
  const e2 = await f.as('alice').post('/jobs/kpi-export', exportBody, key('exp'))
  t.equal(e1.statusCode, 202)
  t.equal(e2.statusCode, 200)
  t.same(e2.json().idExport, e1.json().idExport, 'the same audit id')
  t.equal(await count(f, 'kpi_auditoria_export'), 1, 'one audit row')

  const report = { reportType: 'r', rows: [{ a: 1 }] }
  const r1 = await f.as('alice').post('/jobs/report', report, key('rep'))
  const r2 = await f.as('alice').post('/jobs/report', report, key('rep'))
  t.equal(r1.statusCode, 202)
  t.equal(r2.statusCode, 200)
  t.equal(r2.json().jobId, r1.json().jobId)
  t.equal(
    (await f.as('alice').post('/jobs/report', { ...report, rows: [{ a: 2 }] }, key('rep'))).statusCode,
    422,
    'other rows, same key',
  )
  t.equal(await count(f, 'report'), 2, 'one report row per request made: the export and the report')
  t.equal(await count(f, 'processing_job'), 3)
  const { rows: stored } = await f.faena.db.pool.query(
    `SELECT parameters FROM processing_job WHERE type IN ('dkt-import', 'data-report')`,
  )
  const keys = stored.map((r) => (r.parameters.fileKey ?? r.parameters.input.key) as string)
  for (const k of keys) t.ok(await f.faena.storage.size(k), `${k} is kept for its job`)
  t.equal(
    readdirSync(join(f.config.DATA_DIR, 'files', 'uploads')).length,
    2,
    'no second copy of a repeated upload or body',
  )
})
