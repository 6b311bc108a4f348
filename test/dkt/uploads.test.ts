// DKT uploads over HTTP: refused uploads keep nothing, repeats are 409 unless forced, the
// problems CSV and undone lotes, and a cancel mid-import. (Split from import.test.ts: each
// subtest starts its own faena, and one file of all of them neared tap's per-file timeout.)
import t from 'tap'
import { csvBytes, dktRow, HEADER } from '../support/dkt-files.js'
import { SAMPLE_ROWS, storedFiles, upload } from '../support/dkt-upload.js'
import { startTestFaena } from '../support/faena.js'
import { waitForItems, waitForStatus } from '../support/jobs.js'

t.test(
  'upload errors: 415 by content, 400 without a file or with bad fields, 413 beyond the limit; nothing kept',
  async (t) => {
    const f = await startTestFaena(t, { config: { MAX_UPLOAD_BYTES: 50_000, WORKER_CONCURRENCY: 0 } })
    const pdf = await upload(f, 'alice', {
      name: 'resumen.csv',
      content: Buffer.from(`%PDF-1.7\n%binary\n${'x'.repeat(5000)}`),
    })
    t.equal(pdf.statusCode, 415)
    t.match(pdf.json(), { code: 'UNSUPPORTED_FILE', message: /neither CSV nor XLSX: a PDF file/ })
    const none = await upload(f, 'alice', undefined, { onError: 'skip' })
    t.equal(none.statusCode, 400)
    t.match(none.json(), { code: 'VALIDATION_FAILED', message: /^file: is required/ })
    const badField = await upload(f, 'alice', { name: 'a.csv', content: csvBytes(SAMPLE_ROWS) }, { onError: 'ignore' })
    t.equal(badField.statusCode, 400)
    t.match(badField.json(), { message: /^onError: must be one of reject, skip/ })
    const big = await upload(f, 'alice', {
      name: 'big.csv',
      content: csvBytes(Array.from({ length: 2000 }, (_, i) => dktRow(i))),
    })
    t.equal(big.statusCode, 413)
    t.match(big.json(), { code: 'UPLOAD_TOO_LARGE', message: /larger than the 50000 bytes allowed/ })
    const json = await f.faena.app.inject({
      method: 'POST',
      url: '/jobs/dkt-import',
      payload: { file: 'x' },
      headers: { authorization: `Bearer ${f.token('alice')}` },
    })
    t.equal(json.statusCode, 415)
    t.same(storedFiles(f), [], 'no upload kept in storage')
    t.equal(await f.faena.db.prisma.processingJob.count(), 0, 'no job created')
  },
)

t.test('the same file again is a 409 naming the lote, unless force=true', async (t) => {
  const f = await startTestFaena(t)
  const content = csvBytes(SAMPLE_ROWS)
  const first = await upload(f, 'alice', { name: 'a.csv', content })
  const job = await waitForStatus(f.faena, first.json().jobId, 'COMPLETED')
  const loteId = (job.result as { loteId: string }).loteId
  const again = await upload(f, 'alice', { name: 'copy of a.csv', content })
  t.equal(again.statusCode, 409)
  t.match(again.json(), {
    code: 'DKT_ALREADY_IMPORTED',
    message: new RegExp(`already imported into lote ${loteId}`),
    details: { loteId },
  })
  t.equal((await upload(f, 'bob', { name: 'a.csv', content })).statusCode, 202, 'another user may import it')
  const forced = await upload(f, 'alice', { name: 'a.csv', content }, { force: 'true' })
  t.equal(forced.statusCode, 202)
  await waitForStatus(f.faena, forced.json().jobId, 'COMPLETED')

  t.equal((await f.as('alice').delete(`/dkt/lotes/${loteId}`)).statusCode, 204, 'undo the first lote')
  t.equal(
    (await f.faena.db.pool.query('SELECT count(*)::int AS n FROM resumen_tarjeta WHERE lote_id = $1', [loteId])).rows[0]
      .n,
    0,
    'its rows are gone',
  )
  t.equal((await f.as('alice').get(`/dkt/lotes/${loteId}`)).statusCode, 404)
  t.equal((await f.as('alice').delete(`/dkt/lotes/${loteId}`)).statusCode, 404)
  t.equal((await f.as('alice').get('/dkt/lotes')).json().pagination.total, 1, 'the forced lote stays')
})

t.test(
  'identical uploads at the same moment: one import starts, the others are 409 and leave nothing stored',
  async (t) => {
    const f = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 0 } }) // jobs stay QUEUED
    const content = csvBytes(SAMPLE_ROWS)
    const answers = await Promise.all(
      Array.from({ length: 4 }, (_, i) => upload(f, 'alice', { name: `copy ${i}.csv`, content })),
    )
    const accepted = answers.filter((a) => a.statusCode === 202)
    t.equal(accepted.length, 1, answers.map((a) => a.statusCode).join(' '))
    const jobId = accepted[0]!.json().jobId
    for (const a of answers.filter((x) => x.statusCode !== 202)) t.match(a, { statusCode: 409 })
    t.equal(storedFiles(f).length, 1, 'only the accepted upload is kept')

    const later = await upload(f, 'alice', { name: 'again.csv', content })
    t.match(later.json(), {
      code: 'DKT_IMPORT_IN_PROGRESS',
      message: new RegExp(`already being imported by job ${jobId}`),
      details: { jobId },
    })
    t.equal(
      (await upload(f, 'alice', { name: 'forced.csv', content }, { force: 'true' })).statusCode,
      202,
      'force=true starts another',
    )

    // The rule lives in PostgreSQL too: a second active unforced import of the file cannot be inserted.
    const insert = () =>
      f.faena.db.pool.query(
        `INSERT INTO processing_job (id, type, user_id, parameters) VALUES (gen_random_uuid()::text, 'dkt-import', 'carol', '{"sha256": "abc"}')`,
      )
    await insert()
    await t.rejects(insert(), { code: '23505', constraint: 'processing_job_dkt_active_file_idx' })
  },
)

t.test('dkt-import jobs cannot be submitted through POST /jobs', async (t) => {
  const f = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 0 } })
  const res = await f
    .as('alice')
    .post('/jobs', { type: 'dkt-import', parameters: { fileKey: 'uploads/someone-elses' } })
  t.equal(res.statusCode, 400)
  t.match(res.json().message, /submitted through POST \/jobs\/dkt-import/)
})

t.test('the problems CSV downloads through a fresh signed link; undone lotes show on their job', async (t) => {
  const f = await startTestFaena(t)
  const bad = [...SAMPLE_ROWS, ['4507990000001111', '31/02/2026', '=HYPERLINK("x")', '9', '', '1,00', 'ARS', '']]
  const res = await upload(f, 'alice', { name: 'bad.csv', content: csvBytes(bad) }, { onError: 'skip' })
  const { jobId } = res.json()
  const job = await waitForStatus(f.faena, jobId, 'COMPLETED')
  const loteId = (job.result as { loteId: string }).loteId

  const redirect = await f.as('alice').get(`/jobs/${jobId}/problems.csv`)
  t.equal(redirect.statusCode, 302)
  const link = new URL(redirect.headers.location as string)
  const csv = await f.faena.app.inject(`${link.pathname}${link.search}`)
  t.equal(csv.statusCode, 200)
  t.match(csv.headers['content-disposition'], new RegExp(`problemas-${jobId}\\.csv`))
  const lines = csv.body
    .replace(/^\uFEFF/, '')
    .trim()
    .split('\r\n')
  t.same(lines, [
    'line,column,value,reason',
    '6,fecha,31/02/2026,not a date (dd/mm/yyyy or yyyy-mm-dd)',
    '5,*,,duplicate of line 2: imported once',
  ])
  t.equal((await f.as('bob').get(`/jobs/${jobId}/problems.csv`)).statusCode, 404, "not another user's")

  t.equal((await f.as('alice').get(`/jobs/${jobId}`)).json().loteDeleted, false)
  const rowsOf = async () =>
    (await f.faena.db.pool.query('SELECT count(*)::int AS n FROM resumen_tarjeta WHERE lote_id = $1', [loteId])).rows[0]
      .n
  t.equal(await rowsOf(), 3)
  t.equal((await f.as('bob').delete(`/dkt/lotes/${loteId}`)).statusCode, 404, "another user's lote cannot be undone")
  t.equal(await rowsOf(), 3, 'and its rows stay')
  t.equal((await f.as('alice').delete(`/dkt/lotes/${loteId}`)).statusCode, 204)
  t.equal(await rowsOf(), 0, 'undoing a lote removes its rows')
  t.equal((await f.as('alice').get(`/jobs/${jobId}`)).json().loteDeleted, true)
  const listed = (await f.as('alice').get('/jobs')).json().data.find((j: { id: string }) => j.id === jobId)
  t.equal(listed.loteDeleted, true, 'in the list too')
})

t.test('cancelling an import mid-way leaves no rows and no lote', async (t) => {
  const f = await startTestFaena(t, { config: { CANCEL_GRACE_MS: 60_000 } })
  const big = [HEADER, ...Array.from({ length: 300_000 }, (_, i) => dktRow(i))]
  const res = await upload(f, 'alice', { name: 'big.csv', content: csvBytes(big) })
  const { jobId } = res.json()
  await waitForItems(f.faena, jobId)
  t.equal((await f.as('alice').delete(`/jobs/${jobId}`)).statusCode, 204)
  const row = await waitForStatus(f.faena, jobId, 'CANCELLED')
  t.ok((row.processedItems ?? 0) < 300_000, `stopped after ${row.processedItems} rows`)
  t.equal((await f.faena.db.pool.query('SELECT count(*)::int AS n FROM resumen_tarjeta')).rows[0].n, 0, 'no rows')
  t.equal((await f.faena.db.pool.query('SELECT count(*)::int AS n FROM lote')).rows[0].n, 0, 'no lote')
})
