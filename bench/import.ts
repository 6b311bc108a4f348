// npm run bench:import [-- --rows 1000000 --xlsx-rows 100000]
//
// DKT import, end to end, against DATABASE_URL's server when set, else an embedded PostgreSQL:
//  - a faena server runs as a child process (its peak RSS is read from /proc: VmHWM);
//  - a CSV of <rows> rows is uploaded over HTTP (streamed multipart) and timed from the first
//    byte sent to the job COMPLETED: rows/s, and the 18,000-row case the same way;
//  - the ceiling: a plain COPY of the same rows, as the import stores them, from a file in COPY
//    format written before the timer starts (as psql's \\copy would read it), run before and
//    after the import on a settled server (the faster counts), in the same run;
//  - XLSX: <xlsx-rows> rows imported the same way, next to ExcelJS's streaming reader alone, in a
//    fresh process (cold, like the worker thread; medians of three turns each) and warmed up in
//    this one.
import { execFile, execFileSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import { createTokenService } from '../src/auth/tokens.js'
import { copyLine } from '../src/db/copy-text.js'
import { migrate } from '../src/db/migrate.js'
import { jobTypes } from '../src/job-types/index.js'
import { ownedSchemas } from '../src/jobs/registry.js'
import { openBenchServer } from './support/database.js'
import { row, writeCsv, writeXlsx } from './support/dkt-file.js'
import { BENCH_SECRET, completedJob, startBenchServer } from './support/server.js'
import { fmt, median, parseFlags } from './support/stats.js'
import { readXlsxAlone } from './support/xlsx-reader.js'

const flags = parseFlags({ rows: 1_000_000, 'xlsx-rows': 100_000 })
const XLSX_RUNS = 3
const work = mkdtempSync(join(tmpdir(), 'faena-bench-import-'))

/** `force`: import it again (the same file twice is refused otherwise). */
async function importFile(
  base: string,
  path: string,
  name: string,
  token: string,
  force = false,
): Promise<{ seconds: number; result: Record<string, unknown> }> {
  const boundary = '----faenabench'
  async function* body() {
    if (force) yield Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="force"\r\n\r\ntrue\r\n`)
    yield Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
    )
    for await (const chunk of createReadStream(path)) yield chunk as Buffer
    yield Buffer.from(`\r\n--${boundary}--\r\n`)
  }
  // Timed from the first byte sent to the job's own completedAt (same machine clock), so the
  // status polls can be slow and cost the server next to nothing.
  const t0 = Date.now()
  const res = await fetch(`${base}/jobs/dkt-import`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': `multipart/form-data; boundary=${boundary}` },
    body: Readable.toWeb(Readable.from(body())) as ReadableStream,
    duplex: 'half',
  } as RequestInit)
  if (res.status !== 202) throw new Error(`upload answered ${res.status}: ${await res.text()}`)
  const { jobId } = (await res.json()) as { jobId: string }
  const job = await completedJob(base, token, jobId)
  return { seconds: (job.completedAt - t0) / 1000, result: job.result }
}

/**
 * The ceiling's input: the same rows as the import stores them (masked card, ISO date, amount
 * with a point), in COPY's text format, written to a file before anything is timed.
 */
async function writeCopyFile(path: string, rows: number): Promise<void> {
  const loteId = randomUUID() // as long as a real lote's id
  async function* lines() {
    let batch = ''
    for (let i = 0; i < rows; i++) {
      const r = row(i)
      batch += copyLine([
        loteId,
        i + 2,
        `${r[0]!.slice(0, 6)}******${r[0]!.slice(-4)}`,
        `2026-03-${r[1]!.slice(0, 2)}`,
        r[2]!,
        r[3]!,
        null,
        null,
        r[5]!.replace(',', '.'),
        r[6]!,
        r[7]!,
      ])
      if (batch.length > 65536) {
        yield batch
        batch = ''
      }
    }
    yield batch
  }
  await pipeline(Readable.from(lines()), createWriteStream(path))
}

/**
 * The ceiling: a plain COPY of that file into a table like resumen_tarjeta (its indexes too),
 * fed from the file as psql's \copy feeds it; only the COPY is timed.
 */
async function plainCopy(url: string, file: string): Promise<number> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query(`CREATE TABLE copy_ceiling (LIKE resumen_tarjeta INCLUDING DEFAULTS INCLUDING INDEXES)`)
    const t0 = performance.now()
    await pipeline(
      createReadStream(file, { highWaterMark: 1 << 16 }),
      client.query(
        copyFrom(
          'COPY copy_ceiling (lote_id, linea, tarjeta, fecha, comercio, comprobante, cuota_numero, cuota_total, importe, moneda, titular) FROM STDIN',
        ),
      ),
    )
    return (performance.now() - t0) / 1000
  } finally {
    await client.query('DROP TABLE IF EXISTS copy_ceiling')
    await client.end()
  }
}

/** ExcelJS's reader alone, in a fresh process: cold, like a worker thread's first XLSX import. */
function excelJsAloneCold(path: string): Promise<number> {
  const script = fileURLToPath(new URL('./support/xlsx-reader.js', import.meta.url))
  return new Promise((ok, fail) => {
    execFile(process.execPath, [script, path], (err, stdout) =>
      err ? fail(err) : ok((JSON.parse(stdout) as { seconds: number }).seconds),
    )
  })
}

const server = await openBenchServer()
try {
  const url = await server.newDatabase()
  await migrate(url, ownedSchemas(jobTypes))
  const token = createTokenService(BENCH_SECRET).sign('bench')
  const small = join(work, 'dkt-18000.csv')
  const big = join(work, `dkt-${flags.rows}.csv`)
  const xlsx = join(work, `dkt-${flags['xlsx-rows']}.xlsx`)
  await writeCsv(small, 18_000)
  await writeCsv(big, flags.rows!)
  await writeXlsx(xlsx, flags['xlsx-rows']!)
  const copyFile = join(work, `copy-${flags.rows}.txt`)
  await writeCopyFile(copyFile, flags.rows!)

  // The files just written are flushed, and the server settles, before anything is timed: the
  // writeback of a gigabyte of dirty pages, or autovacuum after the last load, would slow
  // whichever ran first. The ceiling runs before and after the import; the faster one counts.
  execFileSync('sync')
  await server.settle()
  const ceilingBefore = await plainCopy(url, copyFile)
  const app = await startBenchServer({
    DATABASE_URL: url,
    DATA_DIR: join(work, 'data'),
    MAX_UPLOAD_BYTES: String(4 * 1024 ** 3),
  })
  try {
    const s = await importFile(app.base, small, 'dkt-18000.csv', token)
    console.log(`18,000-row CSV: upload to COMPLETED in ${fmt(s.seconds, 2)} s`)
    await server.settle()
    const b = await importFile(app.base, big, 'dkt-big.csv', token)
    await server.settle()
    const ceilingAfter = await plainCopy(url, copyFile)
    const ceilingSeconds = Math.min(ceilingBefore, ceilingAfter)
    const rate = flags.rows! / b.seconds
    const ceiling = flags.rows! / ceilingSeconds
    console.log(
      `${fmt(flags.rows!)}-row CSV (${fmt(statSync(big).size / 1024 ** 2, 1)} MiB): upload to COMPLETED in ${fmt(b.seconds, 2)} s: ${fmt(rate)} rows/s`,
    )
    console.log(
      `plain COPY of the same rows: ${fmt(ceilingSeconds, 2)} s (before the import ${fmt(ceilingBefore, 2)} s, after ${fmt(ceilingAfter, 2)} s): ${fmt(ceiling)} rows/s; import / COPY = ${fmt(rate / ceiling, 2)}x`,
    )
    const m = b.result.performanceMetrics as
      | {
          processingTimeMs: number
          phases: { readAndCopyMs: number; readRowsPerSecond: number; duplicatesMs: number; commitMs: number }
        }
      | undefined
    if (m) {
      const p = m.phases
      console.log(
        `  in the job (its performanceMetrics): ${fmt(m.processingTimeMs / 1000, 2)} s; read + COPY ${fmt(p.readAndCopyMs / 1000, 2)} s (${fmt(p.readRowsPerSecond)} rows/s), repeats ${fmt(p.duplicatesMs / 1000, 2)} s, finish + commit ${fmt(p.commitMs / 1000, 2)} s`,
      )
    }
    // The XLSX import and the cold reader take turns, three times each; the medians are
    // compared (one of each moved by 30 % from run to run on these machines).
    const importSeconds: number[] = []
    const coldSeconds: number[] = []
    for (let i = 0; i < XLSX_RUNS; i++) {
      importSeconds.push((await importFile(app.base, xlsx, 'dkt.xlsx', token, i > 0)).seconds)
      coldSeconds.push(await excelJsAloneCold(xlsx))
    }
    const xRate = flags['xlsx-rows']! / median(importSeconds)
    const coldRate = flags['xlsx-rows']! / median(coldSeconds)
    await readXlsxAlone(xlsx) // warm-up
    const warmRate = flags['xlsx-rows']! / (await readXlsxAlone(xlsx)).seconds
    const runs = (xs: number[]) => xs.map((x) => fmt(x, 2)).join(', ')
    console.log(
      `${fmt(flags['xlsx-rows']!)}-row XLSX, ${XLSX_RUNS} runs (${runs(importSeconds)} s): upload to COMPLETED, median ${fmt(xRate)} rows/s`,
    )
    console.log(
      `  ExcelJS reader alone, fresh process (loading ExcelJS included), ${XLSX_RUNS} runs (${runs(coldSeconds)} s): median ${fmt(coldRate)} rows/s; import / reader = ${fmt(xRate / coldRate, 2)}x`,
    )
    console.log(
      `  ExcelJS reader alone, warmed up in this process: ${fmt(warmRate)} rows/s; import / reader = ${fmt(xRate / warmRate, 2)}x`,
    )
    console.log(`server peak RSS (VmHWM) over the whole run: ${fmt(app.peakRssMb(), 0)} MB`)
  } finally {
    await app.stop()
  }
} finally {
  await server.close()
  rmSync(work, { recursive: true, force: true })
}
