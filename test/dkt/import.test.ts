// DKT imports end to end: multipart upload over HTTP, the import in a worker thread, rows and
// lotes in PostgreSQL, files in storage.
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { startTestFaena, type TestFaena } from '../support/faena.js'
import { csvBytes, dktRow, HEADER, xlsxBytes } from '../support/dkt-files.js'
import { waitForItems, waitForStatus } from '../support/jobs.js'
import { multipartBody } from '../support/multipart.js'

function upload(f: TestFaena, user: string, file: { name: string; content: Buffer } | undefined, fields: Record<string, string> = {}) {
  const { payload, headers } = multipartBody(fields, file)
  return f.faena.app.inject({ method: 'POST', url: '/jobs/dkt-import', payload, headers: { ...headers, authorization: `Bearer ${f.token(user)}` } })
}

const storedFiles = (f: TestFaena) =>
  readdirSync(join(f.config.DATA_DIR, 'files'), { recursive: true, withFileTypes: true }).filter((d) => d.isFile()).map((d) => d.name)

const rows = [
  HEADER,
  ['4507 9900 0000 1234', '05/03/2026', '  Café   "La Esquina" ', '0001', '1/3', '1.234,56', 'ARS', 'José Pérez'],
  ['450799******9876', '2026-03-07', 'Librería Ñandú', '0002', '', '-50,00', 'ARS', ''],
  ['5411220000005678', '10/03/2026', 'Hotel; Centro', '0003', '02/06', '99.90', 'USD', 'Ana'],
  ['4507 9900 0000 1234', '05/03/2026', 'Café La Esquina', '0001', '01/03', '1234,56', 'ARS', 'José Pérez'],
]

t.test('a Windows-1252 CSV is imported into a lote: masked cards, exact amounts, duplicates once', async (t) => {
  const f = await startTestFaena(t)
  const res = await upload(f, 'alice', { name: 'resumen marzo.csv', content: csvBytes(rows, { encoding: 'win1252', delimiter: ';' }) })
  t.equal(res.statusCode, 202, res.body)
  const { jobId } = res.json()
  t.equal(res.headers.location, `/jobs/${jobId}`)
  const job = await waitForStatus(f.faena, jobId, 'COMPLETED')
  const result = job.result as Record<string, unknown>
  t.match(result, {
    fileName: 'resumen marzo.csv', rowsRead: 4, rowsImported: 3, rowsInvalid: 0, rowsDuplicate: 1,
    dateFrom: '2026-03-05', dateTo: '2026-03-10', problemCount: 1,
    problems: [{ line: 5, column: '*', reason: 'duplicate of line 2: imported once' }],
    totals: [{ moneda: 'ARS', importe: '1184.56', rows: 2 }, { moneda: 'USD', importe: '99.90', rows: 1 }],
  })
  const stored = await f.faena.db.pool.query('SELECT linea, tarjeta, fecha::text, comercio, comprobante, cuota_numero, cuota_total, importe::text, moneda, titular FROM resumen_tarjeta ORDER BY linea')
  t.same(stored.rows, [
    { linea: 2, tarjeta: '450799******1234', fecha: '2026-03-05', comercio: 'Café "La Esquina"', comprobante: '0001', cuota_numero: 1, cuota_total: 3, importe: '1234.56', moneda: 'ARS', titular: 'José Pérez' },
    { linea: 3, tarjeta: '450799******9876', fecha: '2026-03-07', comercio: 'Librería Ñandú', comprobante: '0002', cuota_numero: null, cuota_total: null, importe: '-50.00', moneda: 'ARS', titular: null },
    { linea: 4, tarjeta: '541122******5678', fecha: '2026-03-10', comercio: 'Hotel; Centro', comprobante: '0003', cuota_numero: 2, cuota_total: 6, importe: '99.90', moneda: 'USD', titular: 'Ana' },
  ])
  const pans = await f.faena.db.pool.query(`SELECT count(*)::int AS n FROM resumen_tarjeta WHERE tarjeta ~ '^[0-9]{13,}$'`)
  t.equal(pans.rows[0].n, 0, 'no full card number stored')

  const lote = (await f.as('alice').get(`/dkt/lotes/${result.loteId}`)).json()
  t.match(lote, { id: result.loteId, jobId, userId: 'alice', rowsImported: 3, rowsDuplicate: 1, fileName: 'resumen marzo.csv', fileSha256: /^[0-9a-f]{64}$/ })
  t.equal((await f.as('bob').get(`/dkt/lotes/${result.loteId}`)).statusCode, 404, "another user's lote is a 404")
  t.same((await f.as('alice').get('/dkt/lotes')).json().pagination, { total: 1, limit: 20, offset: 0, hasMore: false })
})

t.test('XLSX files import the same way (first sheet)', async (t) => {
  const f = await startTestFaena(t)
  const content = await xlsxBytes([HEADER, ['4507990000001234', new Date(Date.UTC(2026, 2, 5)), 'Café', '0001', '1/3', 1234.56, 'ARS', 'Ana'], ['4507990000004321', '06/03/2026', 'Bar', '0002', '', '10,5', 'USD', '']])
  const res = await upload(f, 'alice', { name: 'dkt.xlsx', content })
  t.equal(res.statusCode, 202, res.body)
  const job = await waitForStatus(f.faena, res.json().jobId, 'COMPLETED')
  t.match(job.result, { rowsImported: 2, totals: [{ moneda: 'ARS', importe: '1234.56' }, { moneda: 'USD', importe: '10.50' }] })
})

t.test('onError=reject: one bad row fails the job and nothing is imported', async (t) => {
  const f = await startTestFaena(t)
  const bad = [...rows, ['4507990000001111', '31/02/2026', 'X', '9', '', '1,00', 'ARS', ''], ['123', '01/03/2026', 'Y', '10', '', 'mucho', 'EUR', '']]
  const res = await upload(f, 'alice', { name: 'bad.csv', content: csvBytes(bad) })
  const job = await waitForStatus(f.faena, res.json().jobId, 'FAILED')
  t.match(job.error, {
    code: 'DKT_INVALID_ROWS',
    message: /2 of 6 rows are invalid; nothing was imported/,
    details: {
      rowsInvalid: 2,
      problemCount: 4,
      problems: [
        { line: 6, column: 'fecha', value: '31/02/2026' },
        { line: 7, column: 'tarjeta', value: '123' },
        { line: 7, column: 'importe', value: 'mucho' },
        { line: 7, column: 'moneda', value: 'EUR' },
      ],
      problemsFile: { key: String },
    },
  })
  t.equal((await f.faena.db.pool.query('SELECT count(*)::int AS n FROM resumen_tarjeta')).rows[0].n, 0)
  t.equal((await f.faena.db.pool.query('SELECT count(*)::int AS n FROM lote')).rows[0].n, 0)
})

t.test('onError=skip: valid rows are imported, invalid ones reported', async (t) => {
  const f = await startTestFaena(t)
  const bad = [...rows, ['4507990000001111', '31/02/2026', 'X', '9', '', '1,00', 'ARS', '']]
  const res = await upload(f, 'alice', { name: 'bad.csv', content: csvBytes(bad, { delimiter: ',', encoding: 'utf8-bom' }) }, { onError: 'skip' })
  const job = await waitForStatus(f.faena, res.json().jobId, 'COMPLETED')
  t.match(job.result, { rowsRead: 5, rowsImported: 3, rowsInvalid: 1, rowsDuplicate: 1, problemCount: 2, problems: [{ line: 5 }, { line: 6, column: 'fecha' }] })
})

t.test('a file whose header is not DKT fails with a message naming the missing columns', async (t) => {
  const f = await startTestFaena(t)
  const res = await upload(f, 'alice', { name: 'x.csv', content: csvBytes([['Card', 'Date', 'Amount'], ['1', '2', '3']]) })
  const job = await waitForStatus(f.faena, res.json().jobId, 'FAILED')
  t.match(job.error, { code: 'DKT_BAD_HEADER', message: /missing column\(s\) tarjeta, fecha, comercio, comprobante, importe/ })
})

t.test('upload errors: 415 by content, 400 without a file or with bad fields, 413 beyond the limit; nothing kept', async (t) => {
  const f = await startTestFaena(t, { config: { MAX_UPLOAD_BYTES: 50_000, WORKER_CONCURRENCY: 0 } })
  const pdf = await upload(f, 'alice', { name: 'resumen.csv', content: Buffer.from('%PDF-1.7\n%binary\n' + 'x'.repeat(5000)) })
  t.equal(pdf.statusCode, 415)
  t.match(pdf.json(), { code: 'UNSUPPORTED_FILE', message: /neither CSV nor XLSX: a PDF file/ })
  const none = await upload(f, 'alice', undefined, { onError: 'skip' })
  t.equal(none.statusCode, 400)
  t.match(none.json(), { code: 'VALIDATION_FAILED', message: /^file: is required/ })
  const badField = await upload(f, 'alice', { name: 'a.csv', content: csvBytes(rows) }, { onError: 'ignore' })
  t.equal(badField.statusCode, 400)
  t.match(badField.json(), { message: /^onError: must be one of reject, skip/ })
  const big = await upload(f, 'alice', { name: 'big.csv', content: csvBytes(Array.from({ length: 2000 }, (_, i) => dktRow(i))) })
  t.equal(big.statusCode, 413)
  t.match(big.json(), { code: 'UPLOAD_TOO_LARGE', message: /larger than the 50000 bytes allowed/ })
  const json = await f.faena.app.inject({ method: 'POST', url: '/jobs/dkt-import', payload: { file: 'x' }, headers: { authorization: `Bearer ${f.token('alice')}` } })
  t.equal(json.statusCode, 415)
  t.same(storedFiles(f), [], 'no upload kept in storage')
  t.equal(await f.faena.db.prisma.processingJob.count(), 0, 'no job created')
})

t.test('the same file again is a 409 naming the lote, unless force=true', async (t) => {
  const f = await startTestFaena(t)
  const content = csvBytes(rows)
  const first = await upload(f, 'alice', { name: 'a.csv', content })
  const job = await waitForStatus(f.faena, first.json().jobId, 'COMPLETED')
  const loteId = (job.result as { loteId: string }).loteId
  const again = await upload(f, 'alice', { name: 'copy of a.csv', content })
  t.equal(again.statusCode, 409)
  t.match(again.json(), { code: 'DKT_ALREADY_IMPORTED', message: new RegExp(`already imported into lote ${loteId}`), details: { loteId } })
  t.equal((await upload(f, 'bob', { name: 'a.csv', content })).statusCode, 202, 'another user may import it')
  const forced = await upload(f, 'alice', { name: 'a.csv', content }, { force: 'true' })
  t.equal(forced.statusCode, 202)
  await waitForStatus(f.faena, forced.json().jobId, 'COMPLETED')

  t.equal((await f.as('alice').delete(`/dkt/lotes/${loteId}`)).statusCode, 204, 'undo the first lote')
  t.equal((await f.faena.db.pool.query('SELECT count(*)::int AS n FROM resumen_tarjeta WHERE lote_id = $1', [loteId])).rows[0].n, 0, 'its rows are gone')
  t.equal((await f.as('alice').get(`/dkt/lotes/${loteId}`)).statusCode, 404)
  t.equal((await f.as('alice').delete(`/dkt/lotes/${loteId}`)).statusCode, 404)
  t.equal((await f.as('alice').get('/dkt/lotes')).json().pagination.total, 1, 'the forced lote stays')
})

t.test('identical uploads at the same moment: one import starts, the others are 409 and leave nothing stored', async (t) => {
  const f = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 0 } }) // jobs stay QUEUED
  const content = csvBytes(rows)
  const answers = await Promise.all(Array.from({ length: 4 }, (_, i) => upload(f, 'alice', { name: `copy ${i}.csv`, content })))
  const accepted = answers.filter((a) => a.statusCode === 202)
  t.equal(accepted.length, 1, answers.map((a) => a.statusCode).join(' '))
  const jobId = accepted[0]!.json().jobId
  for (const a of answers.filter((x) => x.statusCode !== 202)) t.match(a, { statusCode: 409 })
  t.equal(storedFiles(f).length, 1, 'only the accepted upload is kept')

  const later = await upload(f, 'alice', { name: 'again.csv', content })
  t.match(later.json(), { code: 'DKT_IMPORT_IN_PROGRESS', message: new RegExp(`already being imported by job ${jobId}`), details: { jobId } })
  t.equal((await upload(f, 'alice', { name: 'forced.csv', content }, { force: 'true' })).statusCode, 202, 'force=true starts another')

  // The rule lives in PostgreSQL too: a second active unforced import of the file cannot be inserted.
  const insert = () =>
    f.faena.db.pool.query(`INSERT INTO processing_job (id, type, user_id, parameters) VALUES (gen_random_uuid()::text, 'dkt-import', 'carol', '{"sha256": "abc"}')`)
  await insert()
  await t.rejects(insert(), { code: '23505', constraint: 'processing_job_dkt_active_file_idx' })
})

t.test('dkt-import jobs cannot be submitted through POST /jobs', async (t) => {
  const f = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 0 } })
  const res = await f.as('alice').post('/jobs', { type: 'dkt-import', parameters: { fileKey: 'uploads/someone-elses' } })
  t.equal(res.statusCode, 400)
  t.match(res.json().message, /submitted through POST \/jobs\/dkt-import/)
})

t.test('the problems CSV downloads through a fresh signed link; undone lotes show on their job', async (t) => {
  const f = await startTestFaena(t)
  const bad = [...rows, ['4507990000001111', '31/02/2026', '=HYPERLINK("x")', '9', '', '1,00', 'ARS', '']]
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
  const lines = csv.body.replace(/^\uFEFF/, '').trim().split('\r\n')
  t.same(lines, ['line,column,value,reason', '6,fecha,31/02/2026,not a date (dd/mm/yyyy or yyyy-mm-dd)', '5,*,,duplicate of line 2: imported once'])
  t.equal((await f.as('bob').get(`/jobs/${jobId}/problems.csv`)).statusCode, 404, "not another user's")

  t.equal((await f.as('alice').get(`/jobs/${jobId}`)).json().loteDeleted, false)
  const rowsOf = async () => (await f.faena.db.pool.query('SELECT count(*)::int AS n FROM resumen_tarjeta WHERE lote_id = $1', [loteId])).rows[0].n
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
