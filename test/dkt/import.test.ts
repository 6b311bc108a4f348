// DKT imports end to end: multipart upload over HTTP, the import in a worker thread, rows and
// lotes in PostgreSQL, files in storage. Uploads, repeats and cancels: uploads.test.ts.
import t from 'tap'
import { csvBytes, HEADER, xlsxBytes } from '../support/dkt-files.js'
import { SAMPLE_ROWS, upload } from '../support/dkt-upload.js'
import { startTestFaena } from '../support/faena.js'
import { waitForStatus } from '../support/jobs.js'

t.test('a Windows-1252 CSV is imported into a lote: masked cards, exact amounts, duplicates once', async (t) => {
  const f = await startTestFaena(t)
  const res = await upload(f, 'alice', {
    name: 'resumen marzo.csv',
    content: csvBytes(SAMPLE_ROWS, { encoding: 'win1252', delimiter: ';' }),
  })
  t.equal(res.statusCode, 202, res.body)
  const { jobId } = res.json()
  t.equal(res.headers.location, `/jobs/${jobId}`)
  const job = await waitForStatus(f.faena, jobId, 'COMPLETED')
  const result = job.result as Record<string, unknown>
  t.match(result, {
    fileName: 'resumen marzo.csv',
    rowsRead: 4,
    rowsImported: 3,
    rowsInvalid: 0,
    rowsDuplicate: 1,
    dateFrom: '2026-03-05',
    dateTo: '2026-03-10',
    problemCount: 1,
    problems: [{ line: 5, column: '*', reason: 'duplicate of line 2: imported once' }],
    totals: [
      { moneda: 'ARS', importe: '1184.56', rows: 2 },
      { moneda: 'USD', importe: '99.90', rows: 1 },
    ],
    performanceMetrics: {
      recordsProcessed: 4,
      peakMemoryMB: Number,
      rowsPerSecond: Number,
      phases: { readAndCopyMs: Number, readRowsPerSecond: Number, duplicatesMs: Number, commitMs: Number },
    },
  })
  const metrics = result.performanceMetrics as { processingTimeMs: number; phases: Record<string, number> }
  t.ok(
    metrics.phases.readAndCopyMs! + metrics.phases.duplicatesMs! + metrics.phases.commitMs! <=
      metrics.processingTimeMs + 2,
    'the phases add up to the whole',
  )
  const stored = await f.faena.db.pool.query(
    'SELECT linea, tarjeta, fecha::text, comercio, comprobante, cuota_numero, cuota_total, importe::text, moneda, titular FROM resumen_tarjeta ORDER BY linea',
  )
  t.same(stored.rows, [
    {
      linea: 2,
      tarjeta: '450799******1234',
      fecha: '2026-03-05',
      comercio: 'Café "La Esquina"',
      comprobante: '0001',
      cuota_numero: 1,
      cuota_total: 3,
      importe: '1234.56',
      moneda: 'ARS',
      titular: 'José Pérez',
    },
    {
      linea: 3,
      tarjeta: '450799******9876',
      fecha: '2026-03-07',
      comercio: 'Librería Ñandú',
      comprobante: '0002',
      cuota_numero: null,
      cuota_total: null,
      importe: '-50.00',
      moneda: 'ARS',
      titular: null,
    },
    {
      linea: 4,
      tarjeta: '541122******5678',
      fecha: '2026-03-10',
      comercio: 'Hotel; Centro',
      comprobante: '0003',
      cuota_numero: 2,
      cuota_total: 6,
      importe: '99.90',
      moneda: 'USD',
      titular: 'Ana',
    },
  ])
  const pans = await f.faena.db.pool.query(
    `SELECT count(*)::int AS n FROM resumen_tarjeta WHERE tarjeta ~ '^[0-9]{13,}$'`,
  )
  t.equal(pans.rows[0].n, 0, 'no full card number stored')

  const lote = (await f.as('alice').get(`/dkt/lotes/${result.loteId}`)).json()
  t.match(lote, {
    id: result.loteId,
    jobId,
    userId: 'alice',
    rowsImported: 3,
    rowsDuplicate: 1,
    fileName: 'resumen marzo.csv',
    fileSha256: /^[0-9a-f]{64}$/,
  })
  t.equal((await f.as('bob').get(`/dkt/lotes/${result.loteId}`)).statusCode, 404, "another user's lote is a 404")
  t.same((await f.as('alice').get('/dkt/lotes')).json().pagination, { total: 1, limit: 20, offset: 0, hasMore: false })
})

t.test('XLSX files import the same way (first sheet)', async (t) => {
  const f = await startTestFaena(t)
  const content = await xlsxBytes([
    HEADER,
    ['4507990000001234', new Date(Date.UTC(2026, 2, 5)), 'Café', '0001', '1/3', 1234.56, 'ARS', 'Ana'],
    ['4507990000004321', '06/03/2026', 'Bar', '0002', '', '10,5', 'USD', ''],
  ])
  const res = await upload(f, 'alice', { name: 'dkt.xlsx', content })
  t.equal(res.statusCode, 202, res.body)
  const job = await waitForStatus(f.faena, res.json().jobId, 'COMPLETED')
  t.match(job.result, {
    rowsImported: 2,
    totals: [
      { moneda: 'ARS', importe: '1234.56' },
      { moneda: 'USD', importe: '10.50' },
    ],
  })
})

t.test('onError=reject: one bad row fails the job and nothing is imported', async (t) => {
  const f = await startTestFaena(t)
  const bad = [
    ...SAMPLE_ROWS,
    ['4507990000001111', '31/02/2026', 'X', '9', '', '1,00', 'ARS', ''],
    ['123', '01/03/2026', 'Y', '10', '', 'mucho', 'EUR', ''],
  ]
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
  const bad = [...SAMPLE_ROWS, ['4507990000001111', '31/02/2026', 'X', '9', '', '1,00', 'ARS', '']]
  const res = await upload(
    f,
    'alice',
    { name: 'bad.csv', content: csvBytes(bad, { delimiter: ',', encoding: 'utf8-bom' }) },
    { onError: 'skip' },
  )
  const job = await waitForStatus(f.faena, res.json().jobId, 'COMPLETED')
  t.match(job.result, {
    rowsRead: 5,
    rowsImported: 3,
    rowsInvalid: 1,
    rowsDuplicate: 1,
    problemCount: 2,
    problems: [{ line: 5 }, { line: 6, column: 'fecha' }],
  })
})

t.test('a file whose header is not DKT fails with a message naming the missing columns', async (t) => {
  const f = await startTestFaena(t)
  const res = await upload(f, 'alice', {
    name: 'x.csv',
    content: csvBytes([
      ['Card', 'Date', 'Amount'],
      ['1', '2', '3'],
    ]),
  })
  const job = await waitForStatus(f.faena, res.json().jobId, 'FAILED')
  t.match(job.error, {
    code: 'DKT_BAD_HEADER',
    message: /missing column\(s\) tarjeta, fecha, comercio, comprobante, importe/,
  })
})

t.test('a CSV with a quote never closed fails the job at that line, and nothing is imported', async (t) => {
  const f = await startTestFaena(t)
  const good = csvBytes(SAMPLE_ROWS).toString('latin1')
  // A quote opens the last row's last field and never closes.
  const broken = good.replace(/;([^;\r\n]*)\r\n$/, ';"$1\r\n')
  t.not(broken, good)
  const res = await upload(
    f,
    'alice',
    { name: 'broken.csv', content: Buffer.from(broken, 'latin1') },
    { onError: 'skip' },
  )
  const job = await waitForStatus(f.faena, res.json().jobId, 'FAILED')
  t.match(job.error, {
    code: 'DKT_BAD_CSV',
    message: `the CSV file is malformed at line ${SAMPLE_ROWS.length}: a quote is never closed; nothing was imported`,
  })
  t.equal((await f.faena.db.pool.query('SELECT count(*)::int AS n FROM resumen_tarjeta')).rows[0].n, 0)
  t.equal((await f.faena.db.pool.query('SELECT count(*)::int AS n FROM lote')).rows[0].n, 0)
})
