// KPI exports end to end: the request (validated filters), the job streaming rows from
// PostgreSQL into XLSX or CSV in storage, the files opened by real readers, the audit and
// report rows following the job, downloads through fresh links, S3 through s3rver.
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'csv-parse/sync'
import ExcelJS from 'exceljs'
import t from 'tap'
import { seedKpi } from '../../src/job-types/kpi-export/kpi-seed.js'
import { download, startTestFaena, type TestFaena } from '../support/faena.js'
import { waitForItems, waitForStatus } from '../support/jobs.js'
import { S3_CREDENTIALS, startS3 } from '../support/s3.js'

const JANUARY = { from: '2020-01-01', to: '2020-01-31' }

/** 2,000 generated rows (2020-01-01 to 01-10) and three whose text looks like formulas. */
async function seed(f: TestFaena) {
  await seedKpi(f.faena.db.pool, 2000)
  await f.faena.db.pool.query(`
    INSERT INTO kpi_snapshot_diario (fecha, sucursal, indicador, region, valor, meta, cumplimiento, unidad, responsable, observacion)
    VALUES ('2020-01-10', '=HYPERLINK("http://x","y")', 'ventas', '+Norte', 1234.5678, 1000, 1.2346, 'ARS', '@SUM(A1)', '-2+3')`)
}

const audit = async (f: TestFaena, idExport: string) =>
  (await f.faena.db.pool.query('SELECT * FROM kpi_auditoria_export WHERE id_export = $1', [idExport])).rows[0]
const reportOf = async (f: TestFaena, jobId: string) =>
  (await f.faena.db.pool.query('SELECT * FROM report WHERE job_id = $1', [jobId])).rows[0]

t.test(
  'XLSX: every matching row, typed cells, formula-looking text as plain text; audit 0 -> 1, report COMPLETED',
  async (t) => {
    const f = await startTestFaena(t)
    await seed(f)
    const res = await f.as('alice').post('/jobs/kpi-export', { filters: JANUARY, format: 'xlsx' })
    t.equal(res.statusCode, 202, res.body)
    const { jobId, idExport } = res.json()
    t.match(idExport, /^\d+$/)
    t.match(await audit(f, idExport), {
      codigo_estado: 0,
      user_id: 'alice',
      client_ip: '127.0.0.1',
      job_id: jobId,
      format: 'xlsx',
      filters: JANUARY,
    })

    const job = await waitForStatus(f.faena, jobId, 'COMPLETED')
    const result = job.result as Record<string, unknown>
    t.match(result, {
      idExport,
      fileName: 'kpi_2020-01-01_2020-01-31.xlsx',
      format: 'xlsx',
      recordsProcessed: 2001,
      fileSizeBytes: Number,
      downloadUrl: /^http/,
      expiresAt: String,
      performanceMetrics: { processingTimeMs: Number, peakMemoryMB: Number, recordsProcessed: 2001 },
    })
    t.match(job.message, new RegExp(`export #${idExport}`), 'the audit id is in the progress message')
    t.match(await audit(f, idExport), { codigo_estado: 1, completed_at: Date })
    t.match(await reportOf(f, jobId), {
      status: 'COMPLETED',
      size_bytes: String(result.fileSizeBytes),
      row_count: 2001,
      format: 'xlsx',
    })

    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.load((await download(f, result.downloadUrl as string)) as never)
    const sheet = workbook.worksheets[0]!
    t.equal(sheet.rowCount, 2002, 'header + every row')
    t.same((sheet.getRow(1).values as unknown[]).slice(1), [
      'ID',
      'Fecha',
      'Sucursal',
      'Región',
      'Indicador',
      'Valor',
      'Meta',
      'Cumplimiento',
      'Variación',
      'Unidad',
      'Responsable',
      'Observación',
    ])
    const {
      rows: [first],
    } = await f.faena.db.pool.query(
      'SELECT id_log::int AS id, valor::float8 AS valor, sucursal FROM kpi_snapshot_diario ORDER BY id_log LIMIT 1',
    )
    const row2 = sheet.getRow(2)
    t.equal(row2.getCell(1).value, first.id, 'ordered by idLog')
    t.same(row2.getCell(2).value, new Date(Date.UTC(2020, 0, 1)), 'dates are dates')
    t.equal(row2.getCell(6).value, first.valor, 'decimals are numbers')
    t.equal(row2.getCell(2).numFmt, 'yyyy-mm-dd', 'dates shown as dates')
    t.equal(sheet.getRow(900).getCell(2).numFmt, 'yyyy-mm-dd', 'on every row')
    t.notOk(row2.getCell(6).numFmt, 'numbers in the General format')
    t.notOk(row2.getCell(3).numFmt, 'text too')
    t.equal(row2.getCell(3).value, first.sucursal)
    const last = sheet.getRow(2002)
    t.equal(last.getCell(3).value, '=HYPERLINK("http://x","y")', 'formula-looking text stays text')
    t.equal(last.getCell(3).type, ExcelJS.ValueType.String, 'not a formula cell')
    t.equal(last.getCell(11).value, '@SUM(A1)')
  },
)

t.test('CSV: filtered and chosen columns, parsed back; formula-looking text defused', async (t) => {
  const f = await startTestFaena(t)
  await seed(f)
  const body = {
    filters: { from: '2020-01-02', to: '2020-01-03', sucursal: 'Sucursal 05' },
    format: 'csv',
    columns: ['fecha', 'sucursal', 'indicador', 'valor', 'observacion'],
  }
  const { jobId } = (await f.as('alice').post('/jobs/kpi-export', body)).json()
  const job = await waitForStatus(f.faena, jobId, 'COMPLETED')
  const { rows: expected } = await f.faena.db.pool.query(
    `SELECT fecha::text, sucursal, indicador, valor::text, COALESCE(observacion, '') AS observacion FROM kpi_snapshot_diario
      WHERE fecha BETWEEN '2020-01-02' AND '2020-01-03' AND sucursal = 'Sucursal 05' ORDER BY id_log`,
  )
  t.equal(expected.length, 20, '10 indicators x 2 days')
  t.match(job.result, { recordsProcessed: 20, format: 'csv', fileName: 'kpi_2020-01-02_2020-01-03.csv' })
  const text = (await download(f, (job.result as { downloadUrl: string }).downloadUrl)).toString('utf8')
  t.ok(text.startsWith('\uFEFF'), 'a BOM, so Excel reads UTF-8')
  const records = parse(text.slice(1)) as string[][]
  t.same(records[0], ['Fecha', 'Sucursal', 'Indicador', 'Valor', 'Observación'])
  t.same(
    records.slice(1),
    expected.map((r) => [r.fecha, r.sucursal, r.indicador, r.valor, r.observacion]),
  )

  const { jobId: all } = (
    await f.as('alice').post('/jobs/kpi-export', {
      filters: { from: '2020-01-10', to: '2020-01-10', indicador: 'ventas' },
      format: 'csv',
    })
  ).json()
  const done = await waitForStatus(f.faena, all, 'COMPLETED')
  const lines = parse(
    (await download(f, (done.result as { downloadUrl: string }).downloadUrl)).toString('utf8').slice(1),
  ) as string[][]
  const injected = lines.find((l) => l[2] === `'=HYPERLINK("http://x","y")`)
  t.ok(injected, 'a cell starting with = gets an apostrophe')
  t.same([injected![3], injected![10], injected![11]], [`'+Norte`, `'@SUM(A1)`, `'-2+3`], '+, @ and - too')
  t.equal(injected![5], '1234.5678', 'numbers are left alone')
})

t.test('bad requests are 400s naming the problem, and leave no job, audit or report row', async (t) => {
  const f = await startTestFaena(t)
  const cases: [unknown, RegExp][] = [
    [{ filters: { from: '2020-01-01', to: '2020-01-31', branch: 'x' }, format: 'xlsx' }, /branch/],
    [{ filters: { from: '2020-13-01', to: '2020-01-31' } }, /from/],
    [{ filters: { from: '01/01/2020', to: '2020-01-31' } }, /from/],
    [
      { filters: { from: '2020-02-01', to: '2020-01-31' } },
      /filters\.to: 2020-01-31 is before filters\.from 2020-02-01/,
    ],
    [{ filters: JANUARY, format: 'pdf' }, /format/],
    [{ filters: JANUARY, columns: ['valor', 'password'] }, /columns/],
    [{ filters: JANUARY, columns: ['valor; DROP TABLE kpi_snapshot_diario'] }, /columns/],
    [{ filters: { from: "2020-01-01' OR '1'='1", to: '2020-01-31' } }, /from/],
    [{ format: 'xlsx' }, /filters/],
  ]
  for (const [body, message] of cases) {
    const res = await f.as('alice').post('/jobs/kpi-export', body)
    t.equal(res.statusCode, 400, JSON.stringify(body))
    t.match(res.json(), { code: String, message }, JSON.stringify(body))
  }
  const counts = await f.faena.db.pool.query(
    `SELECT (SELECT count(*) FROM processing_job)::int AS jobs, (SELECT count(*) FROM kpi_auditoria_export)::int AS audits, (SELECT count(*) FROM report)::int AS reports`,
  )
  t.same(counts.rows[0], { jobs: 0, audits: 0, reports: 0 })
  t.equal(
    (await f.as('alice').post('/jobs', { type: 'kpi-export', parameters: {} })).statusCode,
    400,
    'not through POST /jobs',
  )
})

t.test('GET /jobs/:id/download: a fresh link for the owner or an admin; 409 before the file exists', async (t) => {
  const f = await startTestFaena(t)
  await seed(f)
  const { jobId } = (await f.as('alice').post('/jobs/kpi-export', { filters: JANUARY, format: 'csv' })).json()
  const job = await waitForStatus(f.faena, jobId, 'COMPLETED')
  const redirect = await f.as('alice').get(`/jobs/${jobId}/download`)
  t.equal(redirect.statusCode, 302)
  const expires = Number(new URL(redirect.headers.location as string).searchParams.get('expires'))
  t.ok(expires * 1000 > Date.now() + 800_000, 'freshly signed: valid PRESIGNED_EXPIRES from now')
  t.ok((job.result as { downloadUrl: string }).downloadUrl, 'the result has its own link')
  const file = await download(f, redirect.headers.location as string)
  t.match(file.toString('utf8'), /^\uFEFFID,Fecha/)
  t.equal((await f.as('bob').get(`/jobs/${jobId}/download`)).statusCode, 404, "not another user's")
  t.equal((await f.as('root', { admin: true }).get(`/jobs/${jobId}/download`)).statusCode, 302, 'an admin may')

  const idle = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 0 } })
  const { jobId: queued } = (await idle.as('alice').post('/jobs/kpi-export', { filters: JANUARY })).json()
  t.match((await idle.as('alice').get(`/jobs/${queued}/download`)).json(), { code: 'REPORT_NOT_READY' })
  t.equal((await idle.as('alice').delete(`/jobs/${queued}`)).statusCode, 204)
  const {
    rows: [a],
  } = await idle.faena.db.pool.query('SELECT codigo_estado FROM kpi_auditoria_export WHERE job_id = $1', [queued])
  t.equal(a.codigo_estado, 3, 'cancelled while queued: the audit row says so')
})

t.test('cancelling mid-export leaves no object; audit 3, report CANCELLED', async (t) => {
  const f = await startTestFaena(t, { config: { CANCEL_GRACE_MS: 60_000 } })
  await seedKpi(f.faena.db.pool, 200_000)
  const { jobId, idExport } = (
    await f.as('alice').post('/jobs/kpi-export', { filters: { from: '2020-01-01', to: '2029-12-31' } })
  ).json()
  await waitForItems(f.faena, jobId)
  t.equal((await f.as('alice').delete(`/jobs/${jobId}`)).statusCode, 204)
  const row = await waitForStatus(f.faena, jobId, 'CANCELLED')
  t.ok((row.processedItems ?? 0) < 200_000, `stopped after ${row.processedItems} rows`)
  t.match(await audit(f, idExport), { codigo_estado: 3, error: { code: 'CANCELLED' } })
  t.match(await reportOf(f, jobId), { status: 'CANCELLED', size_bytes: null })
  const dir = join(f.config.DATA_DIR, 'files', 'reports', jobId)
  t.same(existsSync(dir) ? readdirSync(dir) : [], [], 'no file, not even a partial one')
})

t.test(
  'S3: the file goes to the bucket, its presigned link downloads it over HTTP; a missing bucket fails the job, audit 2',
  async (t) => {
    const s3 = await startS3(t)
    process.env.AWS_ACCESS_KEY_ID = S3_CREDENTIALS.accessKeyId
    process.env.AWS_SECRET_ACCESS_KEY = S3_CREDENTIALS.secretAccessKey
    const s3Config = {
      STORAGE: 's3' as const,
      S3_ENDPOINT: s3.endpoint,
      S3_FORCE_PATH_STYLE: true,
      AWS_REGION: 'us-east-1',
    }
    const f = await startTestFaena(t, { config: { ...s3Config, S3_BUCKET: s3.bucket } })
    await seed(f)
    const { jobId } = (await f.as('alice').post('/jobs/kpi-export', { filters: JANUARY, format: 'xlsx' })).json()
    const job = await waitForStatus(f.faena, jobId, 'COMPLETED')
    const result = job.result as { downloadUrl: string; fileSizeBytes: number }
    t.match(
      result.downloadUrl,
      new RegExp(
        `^${s3.endpoint}/${s3.bucket}/reports/${jobId}/kpi_2020-01-01_2020-01-31\\.xlsx\\?.*X-Amz-Expires=900`,
      ),
    )
    const res = await fetch(result.downloadUrl)
    t.equal(res.status, 200)
    const bytes = Buffer.from(await res.arrayBuffer())
    t.equal(bytes.length, result.fileSizeBytes)
    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.load(bytes as never)
    t.equal(workbook.worksheets[0]!.rowCount, 2002)

    await f.faena.stop() // so that only the misconfigured process below can take the next job
    const broken = await startTestFaena(t, { databaseUrl: f.url, config: { ...s3Config, S3_BUCKET: 'no-such-bucket' } })
    const { jobId: failing, idExport } = (
      await broken.as('alice').post('/jobs/kpi-export', { filters: JANUARY })
    ).json()
    const failed = await waitForStatus(broken.faena, failing, 'FAILED')
    t.ok(failed.error, 'the job says why')
    t.match(await audit(broken, idExport), { codigo_estado: 2 })
    t.match(await reportOf(broken, failing), { status: 'FAILED' })
  },
)
