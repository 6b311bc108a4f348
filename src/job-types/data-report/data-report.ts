// A data report, in its worker thread: the rows a client sent (stored as NDJSON or a JSON
// array) become an XLSX or CSV file, optionally zipped, streamed into storage as they are read
// (report-file.ts). Columns come from the request or from the keys of the first rows.

import { once } from 'node:events'
import type { Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { setImmediate as nextTurn } from 'node:timers/promises'
import {
  CONTENT_TYPES,
  peakMemory,
  REPORT_BUFFER,
  type ReportResult,
  reportResult,
  zipEntry,
} from '../../reports/report-file.js'
import { reportKey } from '../../reports/report-key.js'
import { loadWorkbookWriter } from '../../reports/workbook-writer.js'
import { paced, ROWS_PER_TURN } from '../../reports/xlsx-pacing.js'
import { formatStyle, PLAIN_STYLE, shareStyles } from '../../reports/xlsx-styles.js'
import type { Storage } from '../../storage/storage.js'
import { storeProduced } from '../../storage/store-produced.js'
import { csvCells, DATE_FORMATS, keysOf, xlsxCells } from './data-cells.js'
import { type DataColumn, MAX_COLUMNS } from './data-columns.js'
import { type DataRow, InvalidDataError, readDataRows } from './data-rows.js'
import type { StoredRows } from './json-body-intake.js'

export interface DataReportInput {
  jobId: string
  input: StoredRows
  reportType: string
  userName?: string | undefined
  columns?: DataColumn[] | undefined
  format: 'xlsx' | 'csv'
  fileName: string
  /** The name of the XLSX/CSV inside the ZIP, when the report is zipped. */
  innerName: string | null
}

export interface DataReportDeps {
  storage: Storage
  signal: AbortSignal
  progress(percent: number, message: string, counts: { processedItems: number; totalItems?: number }): void
  /** Data rows per sheet (SHEET_ROWS, Excel's limit, unless a test asks for fewer). */
  sheetRows?: number
}

export interface DataReportResult extends ReportResult {
  reportType: string
  compressed: boolean
  columns: string[]
  /** Text cells cut to Excel's 32,767 characters. */
  truncatedCells: number
}

/** Rows whose keys make the default columns. */
const INFER_FROM = 100
/** Data rows per sheet: Excel's 1,048,576 rows, less the header. Later rows go on the next sheet. */
export const SHEET_ROWS = 1_048_575

type Rows = AsyncGenerator<DataRow[]>

export async function buildDataReport(input: DataReportInput, deps: DataReportDeps): Promise<DataReportResult> {
  const startedAt = performance.now()
  const memory = peakMemory()
  const key = reportKey(input.jobId, input.fileName)
  let bytesRead = 0
  let records = 0
  let truncated = 0
  let columns: DataColumn[] = []
  const report = () => {
    memory.sample()
    const percent = input.input.size > 0 ? Math.min(99, Math.floor((bytesRead / input.input.size) * 100)) : 99
    const of = input.input.rows === undefined ? '' : ` of ${input.input.rows}`
    deps.progress(percent, `${input.reportType}: ${records}${of} rows`, {
      processedItems: records,
      ...(input.input.rows === undefined ? {} : { totalItems: input.input.rows }),
    })
  }
  const contentType = CONTENT_TYPES[input.innerName ? 'zip' : input.format]
  const object = await storeProduced(deps.storage, { key, contentType, signal: deps.signal }, async (body) => {
    const source = await deps.storage.get(input.input.key)
    const rows = readDataRows(source, input.input.kind, (n) => (bytesRead += n))
    try {
      const first = await rows.next()
      const head = first.done ? [] : first.value
      columns = input.columns ?? inferColumns(head)
      // The first batch (already read for the columns), then the rest; counted once written.
      const counted = (async function* () {
        for (let batch = head; batch.length > 0; batch = (await rows.next()).value ?? []) {
          yield batch
          records += batch.length
          report()
          deps.signal.throwIfAborted()
        }
      })()
      const write = (out: Writable) =>
        input.format === 'csv'
          ? writeCsv(counted, columns, out)
          : writeXlsx(
              counted,
              columns,
              out,
              { userName: input.userName, sheetRows: deps.sheetRows ?? SHEET_ROWS },
              () => truncated++,
            )
      if (!input.innerName) return await write(body)
      const zip = await zipEntry(body, input.innerName, { store: input.format === 'xlsx' })
      try {
        await Promise.all([write(zip.entry), zip.finished])
      } catch (err) {
        zip.entry.destroy(err as Error)
        throw err
      }
    } finally {
      source.destroy()
      await rows.return(undefined).catch(() => {})
    }
  })
  memory.sample()
  deps.progress(100, `${input.reportType}: ${records} rows, ${object.size} bytes`, {
    processedItems: records,
    totalItems: records,
  })
  const result = await reportResult(
    deps.storage,
    { key, fileName: input.fileName, format: input.format, size: object.size, records },
    { startedAt, peakMemoryMB: memory.mb },
  )
  return {
    ...result,
    reportType: input.reportType,
    compressed: input.innerName !== null,
    columns: columns.map((c) => c.header),
    truncatedCells: truncated,
  }
}

function inferColumns(head: DataRow[]): DataColumn[] {
  const keys = keysOf(head.slice(0, INFER_FROM))
  if (keys.length > MAX_COLUMNS) {
    throw new InvalidDataError(
      'rows',
      `the first rows have ${keys.length} different keys, more than the ${MAX_COLUMNS} columns a report may have; name the columns to write in \`columns\``,
    )
  }
  return keys.map((k) => ({ key: k, header: k }))
}

async function writeCsv(rows: Rows, columns: DataColumn[], out: Writable): Promise<void> {
  const { stringify } = await import('csv-stringify')
  const csv = stringify({
    bom: true,
    header: true,
    columns: columns.map((c) => ({ key: c.key, header: c.header })),
    eof: true,
  })
  const written = pipeline(csv, out)
  written.catch(() => {}) // awaited below
  const keys = columns.map((c) => c.key)
  try {
    for await (const batch of rows) {
      for (const r of batch) if (!csv.write(csvCells(r, keys))) await once(csv, 'drain')
      if (out.writableNeedDrain) await once(out, 'drain')
    }
    csv.end()
  } catch (err) {
    csv.destroy(err as Error)
    throw err
  }
  await written
}

async function writeXlsx(
  rows: Rows,
  columns: DataColumn[],
  out: Writable,
  opts: { userName: string | undefined; sheetRows: number },
  onTruncated: () => void,
): Promise<void> {
  const WorkbookWriter = await loadWorkbookWriter() // loaded by the threads that write XLSX only
  const workbook = new WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false })
  workbook.creator = opts.userName ?? 'faena'
  workbook.created = new Date()
  const keys = columns.map((c) => c.key)
  const plain = keys.map(() => PLAIN_STYLE)
  const addSheet = (n: number) => {
    const sheet = workbook.addWorksheet(n === 1 ? 'Data' : `Data (${n})`)
    sheet.columns = columns.map((c) => ({
      header: c.header,
      key: c.key,
      width: Math.min(60, Math.max(10, c.header.length + 2)),
    }))
    return sheet
  }
  let sheets = 1
  let sheet = addSheet(sheets)
  let inSheet = 0
  for await (const batch of rows) {
    for (const r of batch) {
      if (inSheet === opts.sheetRows) {
        sheet.commit()
        sheet = addSheet(++sheets)
        inSheet = 0
      }
      const { cells, dates } = xlsxCells(r, keys, onTruncated)
      const row = sheet.addRow(cells)
      shareStyles(row, dates ? dates.map((d) => (d ? formatStyle(DATE_FORMATS[d]) : PLAIN_STYLE)) : plain)
      row.commit()
      if (++inSheet % ROWS_PER_TURN === 0) await nextTurn()
    }
    await paced(sheet, out, REPORT_BUFFER)
  }
  sheet.commit()
  await workbook.commit()
}
