// A KPI export, in its worker thread: counts the matching rows, then streams them out of
// PostgreSQL (one REPEATABLE READ snapshot) into an XLSX or CSV file that goes straight into
// storage as it is produced (report-file.ts). Rows come from COPY ... TO STDOUT, and are pulled
// only as fast as the zip and the storage take what was written.

import type { PassThrough, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { setImmediate as nextTurn } from 'node:timers/promises'
import type pg from 'pg'
import { to as copyTo } from 'pg-copy-streams'
import { copyFields, copyLines } from '../../db/copy-text.js'
import { type ProcessorContext, untraced } from '../../jobs/processor.js'
import { CONTENT_TYPES, peakMemory, REPORT_BUFFER, type ReportResult, reportResult } from '../../reports/report-file.js'
import { reportKey } from '../../reports/report-key.js'
import { loadWorkbookWriter, type WorkbookWriter } from '../../reports/workbook-writer.js'
import { paced, ROWS_PER_TURN } from '../../reports/xlsx-pacing.js'
import { formatStyle, shareStyles } from '../../reports/xlsx-styles.js'
import { observe } from '../../storage/observe-stream.js'
import type { Storage } from '../../storage/storage.js'
import { storeProduced } from '../../storage/store-produced.js'
import { type KpiColumn, pickColumns } from './kpi-columns.js'
import {
  COUNT_ROWS,
  copyRowsAsCsv,
  copyRowsAsText,
  filterValues,
  type KpiFilters,
  SET_FILTERS,
  WALK_PRIMARY_KEY,
  walksPrimaryKey,
} from './kpi-sql.js'

export interface KpiExportInput {
  jobId: string
  idExport: string
  filters: KpiFilters
  format: 'xlsx' | 'csv'
  columns?: string[] | undefined
  fileName: string
}

export interface KpiExportDeps {
  pool: pg.Pool
  storage: Storage
  signal: AbortSignal
  progress(percent: number, message: string, counts: { processedItems: number; totalItems: number }): void
  /** Each phase as a span of the job's trace (ProcessorContext.trace); absent: untraced. */
  trace?: ProcessorContext['trace']
}

export interface KpiExportResult extends ReportResult {
  idExport: string
}

/** Rows between progress reports and pacing checks. */
const PAGE = 5000

export async function exportKpi(input: KpiExportInput, deps: KpiExportDeps): Promise<KpiExportResult> {
  const startedAt = performance.now()
  const phase = deps.trace ?? untraced
  const memory = peakMemory()
  const key = reportKey(input.jobId, input.fileName)
  const columns = pickColumns(input.columns)
  let total = 0
  let done = 0
  // Loaded by the threads that write XLSX only, and while PostgreSQL counts: it takes this
  // thread about 0.1 s, which would otherwise come before the first row.
  const writerClass = input.format === 'xlsx' ? loadWorkbookWriter() : undefined
  writerClass?.catch(() => {}) // awaited by writeXlsx; unheard if the count fails first
  // The rows are queried, written and uploaded as one stream: one span, with the count before it.
  const object = await phase(`kpi-export write-and-upload ${input.format}`, async (span) => {
    const stored = await storeProduced(
      deps.storage,
      { key, contentType: CONTENT_TYPES[input.format], signal: deps.signal },
      async (body) => {
        const client = await deps.pool.connect()
        let clientBroken = false
        try {
          // One snapshot: the count and the rows agree.
          await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY')
          await client.query(SET_FILTERS, filterValues(input.filters))
          const counted = await phase(
            'kpi-export count',
            async () => (await client.query(COUNT_ROWS)).rows[0] as { n: number; tableRows: number },
          )
          total = counted.n
          if (walksPrimaryKey(total, counted.tableRows)) await client.query(WALK_PRIMARY_KEY)
          const report = (processed: number) => {
            done = processed
            memory.sample()
            const percent = total > 0 ? Math.min(99, Math.floor((processed / total) * 100)) : 99
            deps.progress(percent, `export #${input.idExport}: ${processed} of ${total} rows`, {
              processedItems: processed,
              totalItems: total,
            })
          }
          report(0)
          clientBroken = true // until the rows are read, a failure leaves the connection mid-query
          if (input.format === 'csv') await writeCsv(client, columns, body, total, report, deps.signal)
          else await writeXlsx(await writerClass!, client, columns, body, report, deps.signal)
          clientBroken = false
          await client.query('COMMIT')
        } catch (err) {
          if (!clientBroken) await client.query('ROLLBACK').catch(() => (clientBroken = true))
          throw err
        } finally {
          client.release(clientBroken)
        }
      },
    )
    span.set({ 'faena.rows.written': total, 'faena.bytes.written': stored.size })
    return stored
  })
  memory.sample()
  deps.progress(100, `export #${input.idExport}: ${total} rows, ${object.size} bytes`, {
    processedItems: done || total,
    totalItems: total,
  })
  const result = await reportResult(
    deps.storage,
    { key, fileName: input.fileName, format: input.format, size: object.size, records: total },
    { startedAt, peakMemoryMB: memory.mb },
  )
  return { idExport: input.idExport, ...result }
}

/** CSV made by PostgreSQL (COPY ... TO STDOUT), after a header line with a BOM for Excel. */
async function writeCsv(
  client: pg.PoolClient,
  columns: KpiColumn[],
  body: PassThrough,
  total: number,
  report: (n: number) => void,
  signal: AbortSignal,
) {
  body.write(`\uFEFF${columns.map((c) => c.header).join(',')}\n`) // LF, as PostgreSQL ends its lines
  let rows = 0
  let lastReport = 0
  const counter = observe((chunk) => {
    for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) rows++
    if (rows - lastReport >= Math.max(PAGE, total / 100)) {
      lastReport = rows
      report(rows)
    }
  })
  await pipeline(client.query(copyTo(copyRowsAsCsv(columns))), counter, body, { signal })
}

/**
 * XLSX through ExcelJS's streaming writer, fed by COPY ... TO STDOUT: PostgreSQL's text rows
 * cost this thread a split per line, where a cursor's rows cost the driver's parsing of each
 * field, and nothing waits on a round trip per page. Pulling the rows is what drives the query,
 * so waiting for the zip and the storage (paced) holds PostgreSQL back at its socket.
 */
async function writeXlsx(
  WorkbookWriter: WorkbookWriter,
  client: pg.PoolClient,
  columns: KpiColumn[],
  body: PassThrough,
  report: (n: number) => void,
  signal: AbortSignal,
) {
  const { workbook, sheet, styles } = kpiWorkbook(WorkbookWriter, body, columns)
  const toCells = cellsOf(columns)
  let rows = 0
  let reported = 0
  for await (const lines of copyLines(client.query(copyTo(copyRowsAsText(columns))))) {
    for (const line of lines) {
      const row = sheet.addRow(toCells(copyFields(line)))
      shareStyles(row, styles)
      row.commit()
      if (++rows % ROWS_PER_TURN === 0) await nextTurn()
    }
    if (rows - reported >= PAGE) {
      reported = rows
      report(rows)
      signal.throwIfAborted()
      await paced(sheet, body, REPORT_BUFFER)
    }
  }
  signal.throwIfAborted()
  report(rows)
  sheet.commit()
  await workbook.commit()
}

/**
 * ExcelJS's streaming writer into `stream`, with one sheet: the columns' headers and widths, and
 * the shared style of each column's cells (give them with shareStyles). bench:export's ceiling
 * writes through the same, so that ExcelJS alone is measured on the export's very workbook.
 */
export function kpiWorkbook(WorkbookWriter: WorkbookWriter, stream: Writable, columns: readonly KpiColumn[]) {
  const workbook = new WorkbookWriter({ stream, useStyles: true, useSharedStrings: false })
  const sheet = workbook.addWorksheet('KPI')
  const styles = columns.map((c) => formatStyle(c.numFmt))
  sheet.columns = columns.map((c, i) => ({
    header: c.header,
    key: c.key,
    width: c.type === 'text' ? 22 : 14,
    style: styles[i]!,
  }))
  return { workbook, sheet, styles }
}

/** Typed cells from PostgreSQL's text, exactly; rows of a day share its Date. */
function cellsOf(columns: KpiColumn[]): (r: (string | null)[]) => (string | number | Date | null)[] {
  let day = ''
  let date = new Date(0)
  const dateOf = (v: string) => {
    if (v !== day) {
      day = v
      date = new Date(`${v}T00:00:00Z`)
    }
    return date
  }
  return (r) =>
    columns.map((c, i) => {
      const v = r[i] ?? null
      if (v === null) return null
      switch (c.type) {
        case 'integer':
        case 'decimal':
          return Number(v)
        case 'date':
          return dateOf(v)
        default:
          // A string cell of an XLSX is never run as a formula, whatever its first character.
          return v
      }
    })
}
