// Reads the rows of a CSV (UTF-8 with or without BOM, or Windows-1252; delimiter `;`, `,` or
// tab, detected; quoted fields) or of the first sheet of an XLSX file, as a stream: batches of
// rows of text cells with their line numbers, never the whole file in memory. Blank rows are
// left out (their lines still count).

import { Readable } from 'node:stream'
import iconv from 'iconv-lite'
import { JobError } from '../../errors.js'
import { observe } from '../../storage/observe-stream.js'
import { CsvProblem, csvRecords, detectNewline } from './csv-records.js'
import type { FileKind } from './file-kind.js'
import { checkXlsxRow } from './xlsx-limits.js'
import { firstSheetRows } from './xlsx-sheet.js'

export interface Row {
  line: number
  cells: string[]
}

/** Bytes looked at to choose the encoding and the delimiter. */
const SNIFF_BYTES = 1024 * 1024
/** Rows per batch: the consumer's awaits are per batch, not per row. */
const BATCH = 1000

export async function* readRows(
  source: Readable,
  kind: FileKind,
  onBytes?: (n: number) => void,
): AsyncGenerator<Row[]> {
  const counted = onBytes ? source.pipe(observe((c) => onBytes(c.length))) : source
  if (kind === 'xlsx') yield* readXlsx(counted)
  else yield* readCsv(counted)
}

async function* readCsv(source: Readable): AsyncGenerator<Row[]> {
  const { head, rest } = await peek(source, SNIFF_BYTES)
  const encoding = isUtf8(head) ? 'utf8' : 'win1252'
  const start = iconv.decode(head.subarray(0, 64 * 1024), encoding)
  const records = csvRecords(
    Readable.from(concatStreams(head, rest)),
    iconv.decodeStream(encoding, { stripBOM: true }),
    { delimiter: detectDelimiter(start.split(/\r?\n|\r/, 1)[0] ?? ''), newline: detectNewline(start) },
  )
  // Every record starts on a new line, and spans one more per newline inside its quotes.
  let line = 1
  let batch: Row[] = []
  try {
    for await (const chunk of records) {
      for (const cells of chunk) {
        const at = line
        line++
        let blank = true
        for (const cell of cells) {
          if (blank && cell.trim() !== '') blank = false
          for (let i = cell.indexOf('\n'); i >= 0; i = cell.indexOf('\n', i + 1)) line++
        }
        if (blank) continue
        batch.push({ line: at, cells })
        if (batch.length === BATCH) {
          yield batch
          batch = []
        }
      }
    }
  } catch (err) {
    if (!(err instanceof CsvProblem)) throw err
    throw new JobError('DKT_BAD_CSV', `the CSV file is malformed at line ${line}: ${err.message}; nothing was imported`)
  }
  if (batch.length) yield batch
}

/** The candidate that splits the header into the most fields, outside quotes (`,` if none). */
export function detectDelimiter(headerLine: string): string {
  const counts = new Map([
    [';', 0],
    [',', 0],
    ['\t', 0],
  ])
  let quoted = false
  for (const ch of headerLine) {
    if (ch === '"') quoted = !quoted
    else if (!quoted && counts.has(ch)) counts.set(ch, counts.get(ch)! + 1)
  }
  const [best, n] = [...counts].sort((a, b) => b[1] - a[1])[0]!
  return n > 0 ? best : ','
}

/** Valid UTF-8 (an incomplete sequence cut at the end of the sample is allowed). */
export function isUtf8(buf: Buffer): boolean {
  let i = 0
  while (i < buf.length) {
    const b = buf[i]!
    const n = b < 0x80 ? 0 : b >> 5 === 0b110 ? 1 : b >> 4 === 0b1110 ? 2 : b >> 3 === 0b11110 ? 3 : -1
    if (n < 0) return false
    if (i + n >= buf.length) return true
    for (let k = 1; k <= n; k++) if (buf[i + k]! >> 6 !== 0b10) return false
    i += n + 1
  }
  return true
}

async function peek(source: Readable, bytes: number): Promise<{ head: Buffer; rest: AsyncIterator<Buffer> }> {
  const it = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>
  const chunks: Buffer[] = []
  let size = 0
  while (size < bytes) {
    const next = await it.next()
    if (next.done) break
    chunks.push(next.value)
    size += next.value.length
  }
  return { head: Buffer.concat(chunks), rest: it }
}

async function* concatStreams(head: Buffer, rest: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  if (head.length) yield head
  for (;;) {
    const next = await rest.next()
    if (next.done) return
    yield next.value
  }
}

async function* readXlsx(source: Readable): AsyncGenerator<Row[]> {
  let batch: Row[] = []
  for await (const rows of firstSheetRows(source)) {
    for (const row of rows) {
      checkXlsxRow(row.number, row.values.length)
      const cells = Array.from(row.values, cellText)
      if (!cells.some((c) => c.trim() !== '')) continue
      batch.push({ line: row.number, cells })
      if (batch.length === BATCH) {
        yield batch
        batch = []
      }
    }
  }
  if (batch.length) yield batch
}

/** A cell as the text a CSV export would have had (a missing cell: empty). */
function cellText(v: unknown): string {
  if (v === undefined) return ''
  if (v instanceof Date) return v.toISOString().slice(0, 10)
  return String(v)
}
