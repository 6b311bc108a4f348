// npm run bench:export [-- --rows 1000000 --small 100000 --throttle-mbps 5 --rounds 3]
//
// KPI exports, end to end, against DATABASE_URL's server when set, else an embedded PostgreSQL.
// kpi_snapshot_diario is seeded with <rows> rows. Each case runs on a fresh server in a child
// process (its peak RSS is the case's): <small> and <rows> rows to XLSX on local storage, the
// same to S3 (s3rver) behind a proxy that takes at most <throttle-mbps> MB/s, and <rows> rows to
// CSV. The ceiling: ExcelJS's streaming writer alone, writing the same rows to a null sink, in
// this process, in turns with the 1M-row local XLSX export (<rounds> each; medians compared).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { setImmediate as nextTurn } from 'node:timers/promises'
import ExcelJS from 'exceljs'
import S3rver from 's3rver'
import { createTokenService } from '../src/auth/tokens.js'
import { withClient } from '../src/db/ensure-database.js'
import { migrate } from '../src/db/migrate.js'
import { jobTypes } from '../src/job-types/index.js'
import { KPI_COLUMNS } from '../src/job-types/kpi-export/kpi-columns.js'
import { kpiWorkbook } from '../src/job-types/kpi-export/kpi-export.js'
import { seedKpi } from '../src/job-types/kpi-export/kpi-seed.js'
import { ownedSchemas } from '../src/jobs/registry.js'
import { shareStyles } from '../src/reports/xlsx-styles.js'
import { openBenchServer } from './support/database.js'
import { kpiSeedRows } from './support/kpi-rows.js'
import { BENCH_SECRET, completedJob, startBenchServer } from './support/server.js'
import { fmt, median, parseFlags } from './support/stats.js'
import { startThrottleProxy } from './support/throttle-proxy.js'

const flags = parseFlags({ rows: 1_000_000, small: 100_000, 'throttle-mbps': 5, rounds: 3 })
const rows = flags.rows!
const small = flags.small!
const work = mkdtempSync(join(tmpdir(), 'faena-bench-export-'))
const token = createTokenService(BENCH_SECRET).sign('bench')

/** The seed has 200 rows a day from 2020-01-01: the date range that holds the first n rows. */
const rangeOf = (n: number) => ({
  from: '2020-01-01',
  to: new Date(Date.UTC(2020, 0, 1) + (Math.ceil(n / 200) - 1) * 86_400_000).toISOString().slice(0, 10),
})

async function exportCase(env: Record<string, string>, n: number, format: 'xlsx' | 'csv') {
  const server = await startBenchServer(env)
  try {
    const t0 = Date.now()
    const res = await fetch(`${server.base}/jobs/kpi-export`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ filters: rangeOf(n), format }),
    })
    if (res.status !== 202) throw new Error(`export answered ${res.status}: ${await res.text()}`)
    const { jobId } = (await res.json()) as { jobId: string }
    const job = await completedJob(server.base, token, jobId)
    const seconds = (job.completedAt - t0) / 1000
    return { seconds, rate: n / seconds, peak: server.peakRssMb(), bytes: job.result.fileSizeBytes as number }
  } finally {
    await server.stop()
  }
}

/** ExcelJS alone turns the event loop every this many rows: the fastest of 1, 10, 50, 500 and 5,000. */
const CEILING_ROWS_PER_TURN = 10

/**
 * ExcelJS's streaming writer alone: the rows the export writes (the seed's, made in JavaScript:
 * bench/support/kpi-rows.ts) to a sink that drops them, in the export's own workbook
 * (kpiWorkbook in src/reports/kpi-export.ts). `shared`: with the export's shared style objects
 * (src/reports/xlsx-styles.ts), which halve the writer's work; without, ExcelJS as it is
 * commonly used. A turn of the event loop every few rows lets the zip compress alongside and
 * keeps memory flat (a turn every 5,000 rows: about 540 MB RSS and slower).
 */
async function excelJsAlone(n: number, shared: boolean): Promise<number> {
  const sink = new Writable({ write: (_c, _e, done) => done() })
  const { workbook, sheet, styles } = kpiWorkbook(ExcelJS.stream.xlsx.WorkbookWriter, sink, KPI_COLUMNS)
  const seedRow = kpiSeedRows()
  const t0 = performance.now()
  for (let g = 0; g < n; g++) {
    const row = sheet.addRow(seedRow(g))
    if (shared) shareStyles(row, styles)
    row.commit()
    if (g % CEILING_ROWS_PER_TURN === CEILING_ROWS_PER_TURN - 1) await nextTurn()
  }
  sheet.commit()
  await workbook.commit()
  return n / ((performance.now() - t0) / 1000)
}

const pg = await openBenchServer()
const s3 = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory: join(work, 's3'),
  configureBuckets: [{ name: 'faena-bench', configs: [] }],
})
const { port: s3Port } = await s3.run()
const proxy = await startThrottleProxy({ host: '127.0.0.1', port: s3Port }, flags['throttle-mbps']! * 1024 * 1024)
try {
  const url = await pg.newDatabase()
  await migrate(url, ownedSchemas(jobTypes))
  const t0 = performance.now()
  await withClient(url, (c) => seedKpi(c, rows))
  console.log(`seeded ${fmt(rows)} rows in ${fmt((performance.now() - t0) / 1000, 1)} s`)
  const local = { DATABASE_URL: url, DATA_DIR: join(work, 'data') }
  const slowS3 = {
    ...local,
    STORAGE: 's3',
    S3_BUCKET: 'faena-bench',
    S3_ENDPOINT: proxy.url,
    S3_FORCE_PATH_STYLE: 'true',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
  }
  const plainCeiling = await excelJsAlone(rows, false)
  console.log(
    `ExcelJS streaming writer alone, ${fmt(rows)} rows to a null sink, as commonly used (a fresh style object per cell): ${fmt(plainCeiling)} rows/s`,
  )
  // The ceiling and the 1M-row local export take turns, and medians are compared: the machine's
  // speed drifts by 20-30 % within minutes.
  const ceilings: number[] = []
  const bigLocal: Awaited<ReturnType<typeof exportCase>>[] = []
  const bigName = `XLSX ${fmt(rows)} rows, local disk`
  for (let round = 1; round <= flags.rounds!; round++) {
    const ceiling = await excelJsAlone(rows, true)
    ceilings.push(ceiling)
    const r = await exportCase(local, rows, 'xlsx')
    bigLocal.push(r)
    console.log(
      `round ${round}: ExcelJS alone (shared styles) ${fmt(ceiling)} rows/s; ${bigName}: ${fmt(r.seconds, 2)} s, ${fmt(r.rate)} rows/s, server peak RSS ${fmt(r.peak, 0)} MB; ${fmt(r.rate / ceiling, 2)}x`,
    )
  }
  const ceiling = median(ceilings)
  const bigRate = median(bigLocal.map((r) => r.rate))
  console.log(
    `ceiling, median of ${flags.rounds}: ExcelJS alone ${fmt(ceiling)} rows/s; ${bigName}: median ${fmt(bigRate)} rows/s, export / ExcelJS alone = ${fmt(bigRate / ceiling, 2)}x`,
  )
  // Each round's own ratio compares runs a few seconds apart, so a slow drift of the machine cancels out.
  console.log(`median of the rounds' own ratios: ${fmt(median(bigLocal.map((r, i) => r.rate / ceilings[i]!)), 2)}x`)
  const results: Record<string, Awaited<ReturnType<typeof exportCase>>> = {}
  for (const [name, env, n, format] of [
    [`XLSX ${fmt(small)} rows, local disk`, local, small, 'xlsx'],
    [`XLSX ${fmt(small)} rows, S3 at ${flags['throttle-mbps']} MB/s`, slowS3, small, 'xlsx'],
    [`XLSX ${fmt(rows)} rows, S3 at ${flags['throttle-mbps']} MB/s`, slowS3, rows, 'xlsx'],
    [`CSV ${fmt(rows)} rows, local disk`, local, rows, 'csv'],
  ] as const) {
    const r = await exportCase(env, n, format)
    results[name] = r
    const vs = format === 'xlsx' ? `; export / ExcelJS alone = ${fmt(r.rate / ceiling, 2)}x` : ''
    console.log(
      `${name}: ${fmt(r.seconds, 2)} s, ${fmt(r.rate)} rows/s, ${fmt(r.bytes / 1024 ** 2, 1)} MiB, server peak RSS ${fmt(r.peak, 0)} MB${vs}`,
    )
  }
  const [smallLocal, smallS3, bigS3] = Object.values(results).map((r) => r.peak)
  const bigLocalPeak = Math.max(...bigLocal.map((r) => r.peak))
  console.log(
    `peak RSS 1M / 100k rows: local ${fmt(bigLocalPeak / smallLocal!, 2)}x (highest of the rounds), throttled ${fmt(bigS3! / smallS3!, 2)}x`,
  )
} finally {
  await proxy.close()
  await s3.close()
  await pg.close()
  rmSync(work, { recursive: true, force: true })
}
