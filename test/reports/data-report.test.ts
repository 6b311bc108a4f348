// Data reports end to end (POST /jobs/report): rows sent in a JSON body or a JSON/NDJSON file,
// streamed into storage, turned by the job into XLSX or CSV (optionally zipped) and opened by
// real readers; bad requests refused with nothing kept; a bad row fails the job; cancel.
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { parse } from 'csv-parse/sync'
import ExcelJS from 'exceljs'
import JSZip from 'jszip'
import t from 'tap'
import { buildDataReport } from '../../src/job-types/data-report/data-report.js'
import { createLocalStorage } from '../../src/storage/local-storage.js'
import { download, startTestFaena, type TestFaena } from '../support/faena.js'
import { waitForItems, waitForStatus } from '../support/jobs.js'
import { multipartBody } from '../support/multipart.js'
import { S3_CREDENTIALS, startS3 } from '../support/s3.js'

const storedFiles = (f: TestFaena) => {
  const dir = join(f.config.DATA_DIR, 'files')
  return existsSync(dir)
    ? readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((d) => d.isFile())
        .map((d) => d.name)
    : []
}
const reportOf = async (f: TestFaena, jobId: string) =>
  (await f.faena.db.pool.query('SELECT * FROM report WHERE job_id = $1', [jobId])).rows[0]
const jobCount = async (f: TestFaena) =>
  Number((await f.faena.db.pool.query('SELECT count(*) FROM processing_job')).rows[0].count)

async function readXlsx(bytes: Buffer) {
  const workbook = new ExcelJS.Workbook()
  await workbook.xlsx.load(bytes as never)
  return workbook
}
const valuesOf = (sheet: ExcelJS.Worksheet, n: number) => (sheet.getRow(n).values as unknown[]).slice(1)

const SALES = [
  { sucursal: 'Centro', fecha: '2026-03-01', total: 1520.5, activo: true },
  {
    sucursal: '=HYPERLINK("http://x","y")',
    fecha: '2026-03-02',
    total: -3,
    extra: { a: [1, 2] },
    cuando: '2026-03-02T10:30:00-03:00',
  },
  { sucursal: 'Norte', fecha: '2026-02-31', total: 12345678.25, activo: false },
]

t.test(
  'JSON body to XLSX: columns from the first rows, typed cells, formula-looking text stays text; the stored rows go once done',
  async (t) => {
    const f = await startTestFaena(t)
    const res = await f.as('alice').post('/jobs/report', { reportType: 'ventas', userName: 'Ana Pérez', rows: SALES })
    t.equal(res.statusCode, 202, res.body)
    t.match(res.json(), { jobId: String, status: 'QUEUED', type: 'data-report' })
    const { jobId } = res.json()
    const job = await waitForStatus(f.faena, jobId, 'COMPLETED')
    const today = new Date().toISOString().slice(0, 10)
    const result = job.result as Record<string, unknown>
    t.match(result, {
      fileName: `ventas_${today}.xlsx`,
      format: 'xlsx',
      compressed: false,
      recordsProcessed: 3,
      fileSizeBytes: Number,
      reportType: 'ventas',
      columns: ['sucursal', 'fecha', 'total', 'activo', 'extra', 'cuando'],
      truncatedCells: 0,
      downloadUrl: /^http/,
      expiresAt: String,
      performanceMetrics: { processingTimeMs: Number, peakMemoryMB: Number, recordsProcessed: 3 },
    })
    t.match(await reportOf(f, jobId), {
      status: 'COMPLETED',
      kind: 'data-report',
      row_count: 3,
      size_bytes: String(result.fileSizeBytes),
    })

    const workbook = await readXlsx(await download(f, result.downloadUrl as string))
    t.equal(workbook.creator, 'Ana Pérez', "userName is the workbook's author")
    const sheet = workbook.worksheets[0]!
    t.equal(sheet.rowCount, 4, 'header + 3 rows')
    t.same(
      valuesOf(sheet, 1),
      ['sucursal', 'fecha', 'total', 'activo', 'extra', 'cuando'],
      'keys in the order they first appear',
    )
    t.same(
      valuesOf(sheet, 2),
      ['Centro', new Date(Date.UTC(2026, 2, 1)), 1520.5, true],
      'numbers, dates and booleans typed',
    )
    const second = sheet.getRow(3)
    t.equal(second.getCell(1).value, '=HYPERLINK("http://x","y")')
    t.equal(second.getCell(1).type, ExcelJS.ValueType.String, 'not a formula cell')
    t.equal(second.getCell(3).value, -3)
    t.equal(second.getCell(5).value, '{"a":[1,2]}', 'objects as JSON text')
    t.same(
      second.getCell(6).value,
      new Date(Date.UTC(2026, 2, 2, 10, 30)),
      'date-times keep the wall-clock time written',
    )
    t.equal(second.getCell(6).numFmt, 'yyyy-mm-dd hh:mm:ss', 'date-times shown with their time')
    t.equal(sheet.getRow(2).getCell(2).numFmt, 'yyyy-mm-dd', 'dates shown as dates')
    t.notOk(second.getCell(3).numFmt, 'numbers in the General format')
    t.equal(sheet.getRow(4).getCell(2).value, '2026-02-31', 'a date that does not exist stays text')
    t.equal(sheet.getRow(4).getCell(3).value, 12345678.25)
    t.same(storedFiles(f), [`ventas_${today}.xlsx`], 'only the report is kept: the stored rows are removed')
  },
)

t.test('JSON body to zipped CSV with chosen columns and headers; formula-looking text defused', async (t) => {
  const f = await startTestFaena(t)
  const body = {
    reportType: 'ventas',
    rows: SALES,
    format: 'csv',
    compress: true,
    columns: ['fecha', { key: 'sucursal', header: 'Sucursal' }, { key: 'total' }, 'falta'],
  }
  const { jobId } = (await f.as('alice').post('/jobs/report', body)).json()
  const job = await waitForStatus(f.faena, jobId, 'COMPLETED')
  const result = job.result as { downloadUrl: string; fileName: string; compressed: boolean; columns: string[] }
  const today = new Date().toISOString().slice(0, 10)
  t.match(result, {
    fileName: `ventas_${today}.zip`,
    format: 'csv',
    compressed: true,
    columns: ['fecha', 'Sucursal', 'total', 'falta'],
  })
  const zip = await JSZip.loadAsync(await download(f, result.downloadUrl))
  t.same(Object.keys(zip.files), [`ventas_${today}.csv`], 'one CSV inside')
  const text = await zip.file(`ventas_${today}.csv`)!.async('string')
  t.ok(text.startsWith('\uFEFF'), 'a BOM for Excel')
  const records = parse(text, { bom: true, columns: true }) as Record<string, string>[]
  t.same(records, [
    { fecha: '2026-03-01', Sucursal: 'Centro', total: '1520.5', falta: '' },
    { fecha: '2026-03-02', Sucursal: `'=HYPERLINK("http://x","y")`, total: '-3', falta: '' },
    { fecha: '2026-02-31', Sucursal: 'Norte', total: '12345678.25', falta: '' },
  ])
})

t.test('multipart dataFile: NDJSON and a JSON array, form fields as text', async (t) => {
  const f = await startTestFaena(t)
  const rows = Array.from({ length: 2500 }, (_, i) => ({
    n: i,
    nombre: `fila ${i}`,
    ...(i === 150 ? { tarde: 'x' } : {}),
  }))
  const ndjson = Buffer.from(`\uFEFF${rows.map((r) => JSON.stringify(r)).join('\r\n')}\r\n\r\n`)
  const nd = multipartBody(
    { reportType: 'filas', format: 'xlsx' },
    { name: 'rows.ndjson', content: ndjson, field: 'dataFile' },
  )
  const a = await f.as('alice').post('/jobs/report', nd.payload, nd.headers)
  t.equal(a.statusCode, 202, a.body)
  const jobA = await waitForStatus(f.faena, a.json().jobId, 'COMPLETED')
  const resultA = jobA.result as { downloadUrl: string; columns: string[]; recordsProcessed: number }
  t.same(resultA.columns, ['n', 'nombre'], 'a key first seen after the first 100 rows is not a column')
  t.equal(resultA.recordsProcessed, 2500)
  const sheet = (await readXlsx(await download(f, resultA.downloadUrl))).worksheets[0]!
  t.equal(sheet.rowCount, 2501)
  t.same(valuesOf(sheet, 2501), [2499, 'fila 2499'], 'last row')

  const array = Buffer.from(
    `  [${rows
      .slice(0, 10)
      .map((r) => JSON.stringify(r))
      .join(',\n')}]`,
  )
  const ja = multipartBody(
    { reportType: 'filas', format: 'csv', columns: 'nombre, n', compress: 'false' },
    { name: 'rows.json', content: array, field: 'dataFile' },
  )
  const b = await f.as('alice').post('/jobs/report', ja.payload, ja.headers)
  t.equal(b.statusCode, 202, b.body)
  const jobB = await waitForStatus(f.faena, b.json().jobId, 'COMPLETED')
  const csv = (await download(f, (jobB.result as { downloadUrl: string }).downloadUrl)).toString('utf8')
  const records = parse(csv, { bom: true }) as string[][]
  t.same(
    records.slice(0, 3),
    [
      ['nombre', 'n'],
      ['fila 0', '0'],
      ['fila 1', '1'],
    ],
    'comma-separated columns, in their order',
  )
  t.equal(records.length, 11)
})

t.test('bad requests: a 4xx naming the problem, no job, nothing kept in storage', async (t) => {
  const f = await startTestFaena(t, {
    config: { WORKER_CONCURRENCY: 0, MAX_UPLOAD_BYTES: 10_000 },
    settings: { MAX_REPORT_BODY_BYTES: 10_000 },
  })
  const json = (payload: string) => f.as('alice').post('/jobs/report', payload, { 'content-type': 'application/json' })
  const file = (fields: Record<string, string>, content?: Buffer, field = 'dataFile') => {
    const m = multipartBody(fields, content ? { name: 'data', content, field } : undefined)
    return f.as('alice').post('/jobs/report', m.payload, m.headers)
  }
  const cases: [string, () => Promise<{ statusCode: number; json(): unknown }>, number, string, RegExp][] = [
    ['broken JSON', () => json('{"reportType":"a","rows":[{"x":1},{"x":2'), 400, 'INVALID_JSON', /not valid JSON/],
    [
      'a stray character',
      () => json('{"reportType":"a","rows":[{"x":1}]} x'),
      400,
      'INVALID_JSON',
      /Unexpected "x" at .*position/,
    ],
    [
      'mismatched brackets',
      () => json('{"reportType":"a","rows":[{"x":1}}'),
      400,
      'INVALID_JSON',
      /Unexpected RIGHT_BRACE/,
    ],
    ['not an object', () => json('[{"x":1}]'), 400, 'VALIDATION_FAILED', /must be a JSON object/],
    ['empty body', () => json(''), 400, 'VALIDATION_FAILED', /empty/],
    ['no rows', () => json('{"reportType":"a"}'), 400, 'VALIDATION_FAILED', /^rows: is required/],
    [
      'rows not an array',
      () => json('{"reportType":"a","rows":{"x":1}}'),
      400,
      'VALIDATION_FAILED',
      /^rows: must be an array/,
    ],
    [
      'a row not an object',
      () => json('{"reportType":"a","rows":[{"x":1},[1,2]]}'),
      400,
      'VALIDATION_FAILED',
      /^rows\.1: must be an object/,
    ],
    ['rows twice', () => json('{"reportType":"a","rows":[],"rows":[]}'), 400, 'VALIDATION_FAILED', /appears twice/],
    [
      'unknown field',
      () => json('{"reportType":"a","rows":[],"title":"x"}'),
      400,
      'VALIDATION_FAILED',
      /^title: is not a known field/,
    ],
    ['no reportType', () => json('{"rows":[{"x":1}]}'), 400, 'VALIDATION_FAILED', /^reportType: is required/],
    [
      'reportType with a path',
      () => json('{"reportType":"../etc","rows":[]}'),
      400,
      'VALIDATION_FAILED',
      /^reportType:/,
    ],
    ['unknown format', () => json('{"reportType":"a","format":"pdf","rows":[]}'), 400, 'VALIDATION_FAILED', /^format:/],
    ['columns empty', () => json('{"reportType":"a","columns":[],"rows":[]}'), 400, 'VALIDATION_FAILED', /^columns:/],
    [
      'nested too deep',
      () => json(`{"reportType":"a","rows":[{"x":${'['.repeat(40)}${']'.repeat(40)}}]}`),
      400,
      'VALIDATION_FAILED',
      /nested deeper/,
    ],
    [
      'body too large',
      () => json(`{"reportType":"a","rows":[${Array(2000).fill('{"x":1}').join(',')}]}`),
      413,
      'UPLOAD_TOO_LARGE',
      /MAX_REPORT_BODY_BYTES/,
    ],
    ['no dataFile', () => file({ reportType: 'a' }), 400, 'VALIDATION_FAILED', /^dataFile: is required/],
    [
      'file in another field',
      () => file({ reportType: 'a' }, Buffer.from('[]'), 'file'),
      400,
      'VALIDATION_FAILED',
      /dataFile/,
    ],
    [
      'dataFile not JSON',
      () => file({ reportType: 'a' }, Buffer.from('a,b\n1,2\n')),
      415,
      'UNSUPPORTED_FILE',
      /neither a JSON array nor NDJSON/,
    ],
    [
      'dataFile too large',
      () => file({ reportType: 'a' }, Buffer.alloc(20_000, '{}\n')),
      413,
      'UPLOAD_TOO_LARGE',
      /MAX_UPLOAD_BYTES/,
    ],
    [
      'compress not a boolean',
      () => file({ reportType: 'a', compress: 'yes' }, Buffer.from('[]')),
      400,
      'VALIDATION_FAILED',
      /^compress:/,
    ],
    [
      'columns broken',
      () => file({ reportType: 'a', columns: '["a",' }, Buffer.from('[]')),
      400,
      'VALIDATION_FAILED',
      /^columns:/,
    ],
    [
      'unknown form field',
      () => file({ reportType: 'a', title: 'x' }, Buffer.from('[]')),
      400,
      'VALIDATION_FAILED',
      /^title: is not a known field/,
    ],
  ]
  for (const [name, send, status, code, message] of cases) {
    const res = await send()
    t.equal(res.statusCode, status, `${name}: ${status}`)
    t.match(res.json(), { statusCode: status, code, message }, name)
  }
  t.equal(await jobCount(f), 0, 'no job created')
  t.same(storedFiles(f), [], 'nothing kept in storage')
  t.equal(
    (await f.as('alice').post('/jobs', { type: 'data-report', parameters: {} })).statusCode,
    400,
    'not through POST /jobs',
  )
})

t.test('a row that is not JSON fails the job, saying where; no file, report FAILED', async (t) => {
  const f = await startTestFaena(t)
  const m = multipartBody(
    { reportType: 'roto' },
    { name: 'rows.ndjson', content: Buffer.from('{"a":1}\n{"a":2}\n{"a":\n'), field: 'dataFile' },
  )
  const { jobId } = (await f.as('alice').post('/jobs/report', m.payload, m.headers)).json()
  const job = await waitForStatus(f.faena, jobId, 'FAILED')
  t.match(job.error, { code: 'INVALID_DATA', message: /^line 3: not valid JSON/ })
  t.match(await reportOf(f, jobId), { status: 'FAILED', error: { code: 'INVALID_DATA' } })
  const dir = join(f.config.DATA_DIR, 'files', 'reports', jobId)
  t.same(existsSync(dir) ? readdirSync(dir) : [], [], 'no report file, not even a partial one')

  const notRow = multipartBody(
    { reportType: 'roto' },
    { name: 'rows.json', content: Buffer.from('[{"a":1}, 7]'), field: 'dataFile' },
  )
  const second = (await f.as('alice').post('/jobs/report', notRow.payload, notRow.headers)).json()
  t.match((await waitForStatus(f.faena, second.jobId, 'FAILED')).error, {
    code: 'INVALID_DATA',
    message: /^item 1: must be an object/,
  })
})

t.test('cancelling mid-report leaves no object; report CANCELLED', async (t) => {
  const f = await startTestFaena(t, { config: { CANCEL_GRACE_MS: 60_000 } })
  const ndjson = Buffer.from(
    Array.from({ length: 200_000 }, (_, i) => `{"n":${i},"texto":"fila ${i}","x":${i / 7}}\n`).join(''),
  )
  const m = multipartBody({ reportType: 'grande' }, { name: 'rows.ndjson', content: ndjson, field: 'dataFile' })
  const { jobId } = (await f.as('alice').post('/jobs/report', m.payload, m.headers)).json()
  await waitForItems(f.faena, jobId)
  t.equal((await f.as('alice').delete(`/jobs/${jobId}`)).statusCode, 204)
  const row = await waitForStatus(f.faena, jobId, 'CANCELLED')
  t.ok((row.processedItems ?? 0) < 200_000, `stopped after ${row.processedItems} rows`)
  t.match(await reportOf(f, jobId), { status: 'CANCELLED', size_bytes: null })
  const dir = join(f.config.DATA_DIR, 'files', 'reports', jobId)
  t.same(existsSync(dir) ? readdirSync(dir) : [], [], 'no file, not even a partial one')
})

t.test('more rows than a sheet holds continue on the next sheet', async (t) => {
  const dir = join(t.testdirName, 'files')
  const storage = createLocalStorage({
    root: dir,
    publicUrl: 'http://localhost',
    signingSecret: 'x'.repeat(32),
    defaultExpiresInSeconds: 60,
  })
  const lines = Array.from({ length: 25 }, (_, i) => JSON.stringify({ i }))
  await storage.put('uploads/00000000-0000-0000-0000-000000000000.ndjson', Readable.from([lines.join('\n')]))
  const result = await buildDataReport(
    {
      jobId: 'job1',
      reportType: 'hojas',
      format: 'xlsx',
      fileName: 'hojas.xlsx',
      innerName: null,
      input: { key: 'uploads/00000000-0000-0000-0000-000000000000.ndjson', kind: 'ndjson', size: 100 },
    },
    { storage, signal: new AbortController().signal, progress: () => {}, sheetRows: 10 },
  )
  t.equal(result.recordsProcessed, 25)
  const workbook = new ExcelJS.Workbook()
  await workbook.xlsx.read(await storage.get('reports/job1/hojas.xlsx'))
  t.same(
    workbook.worksheets.map((s) => [s.name, s.rowCount]),
    [
      ['Data', 11],
      ['Data (2)', 11],
      ['Data (3)', 6],
    ],
    'each sheet with its header',
  )
  t.same(valuesOf(workbook.worksheets[2]!, 6), [24])
})

t.test('S3: the zipped XLSX goes to the bucket and its presigned link downloads it over HTTP', async (t) => {
  const s3 = await startS3(t)
  process.env.AWS_ACCESS_KEY_ID = S3_CREDENTIALS.accessKeyId
  process.env.AWS_SECRET_ACCESS_KEY = S3_CREDENTIALS.secretAccessKey
  const f = await startTestFaena(t, {
    config: {
      STORAGE: 's3',
      S3_ENDPOINT: s3.endpoint,
      S3_FORCE_PATH_STYLE: true,
      AWS_REGION: 'us-east-1',
      S3_BUCKET: s3.bucket,
    },
  })
  const { jobId } = (
    await f.as('alice').post('/jobs/report', { reportType: 'ventas', rows: SALES, compress: true })
  ).json()
  const job = await waitForStatus(f.faena, jobId, 'COMPLETED')
  const result = job.result as { downloadUrl: string; fileName: string }
  t.match(result.downloadUrl, new RegExp(`^${s3.endpoint}/${s3.bucket}/reports/${jobId}/ventas_.*\\.zip\\?`))
  const res = await fetch(result.downloadUrl)
  t.equal(res.status, 200)
  const zip = await JSZip.loadAsync(Buffer.from(await res.arrayBuffer()))
  const [inner] = Object.keys(zip.files)
  t.match(inner, /^ventas_.*\.xlsx$/)
  const sheet = (await readXlsx(await zip.file(inner!)!.async('nodebuffer'))).worksheets[0]!
  t.equal(sheet.rowCount, 4)
})
