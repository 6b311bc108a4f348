// The first worksheet of an XLSX archive, row by row, through ExcelJS's streaming reader but
// with a sound walk over the archive's entries.
//
// ExcelJS's own walk (WorkbookReader.parse) can stop before the last entries of the archive:
// its unzipper emits 'end' as soon as all input is written, while entries are still buffered,
// and ExcelJS's stream iterator trusts that event (exceljs#683, open PR #2915). Both ExcelJS and
// Excel write the shared strings and styles after the sheets, so what is lost is exactly what
// the sheet needs: measured here, about 1 read in 300 of a small file read its header as
// `{ sharedString: 0 }`... and the import failed with DKT_BAD_HEADER (scratch/xlsx-race*.mjs).
//
// This walk iterates the entries with Node's own async iterator, which ends on the stream's real
// end, and gives each entry to the reader's own parsers, counting what they inflate to
// (XLSX_LIMITS: a zip bomb stops at the limit). A sheet met before the shared strings,
// styles and workbook it depends on is spilled to a temporary file (as ExcelJS does) and read
// once the archive has been walked.
import type ExcelJS from 'exceljs'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { finished, pipeline } from 'node:stream/promises'
import type { Entry } from 'unzipper'
import { inflatedBudget } from './xlsx-limits.js'

/** The parts of ExcelJS's WorkbookReader (4.4) this walk drives; they are not in its typings. */
interface ReaderParts {
  sharedStrings?: unknown[]
  workbookRels?: unknown
  model?: unknown
  _parseRels(entry: Readable): Promise<void>
  _parseWorkbook(entry: Readable): Promise<void>
  _parseSharedStrings(entry: Readable): AsyncGenerator<unknown>
  _parseStyles(entry: Readable): Promise<void>
  _parseWorksheet(iterator: AsyncIterable<Buffer>, sheetNo: string): Generator<{ eventType: string; value: ExcelJS.stream.xlsx.WorksheetReader }>
}

const SHEET = /^xl\/worksheets\/sheet(\d+)\.xml$/

/** `maxBytes`: what all entries may inflate to together (XlsxTooLargeError past it). */
export async function* firstSheetRows(source: Readable, maxBytes?: number): AsyncGenerator<ExcelJS.Row> {
  const [{ default: ExcelJS }, { default: unzipper }] = await Promise.all([import('exceljs'), import('unzipper')])
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(source, {
    sharedStrings: 'cache',
    hyperlinks: 'ignore',
    styles: 'cache',
    worksheets: 'emit',
    entries: 'ignore',
  }) as unknown as ReaderParts
  const zip = source.pipe(unzipper.Parse({ forceStream: true }))
  source.on('error', (err) => zip.destroy(err))
  const counted = inflatedBudget(maxBytes)
  let spilled: { dir: string; file: string; sheetNo: string } | undefined
  let stylesRead = false
  try {
    for await (const entry of zip as AsyncIterable<Entry>) {
      const sheet = SHEET.exec(entry.path)
      const body = entry.pipe(counted())
      entry.on('error', (err) => body.destroy(err))
      if (entry.path === 'xl/_rels/workbook.xml.rels') await reader._parseRels(body)
      else if (entry.path === 'xl/workbook.xml') await reader._parseWorkbook(body)
      else if (entry.path === 'xl/styles.xml') {
        await reader._parseStyles(body)
        stylesRead = true
      } else if (entry.path === 'xl/sharedStrings.xml') {
        for await (const _ of reader._parseSharedStrings(body)); // 'cache': fills reader.sharedStrings
      } else if (sheet && !spilled) {
        const sheetNo = sheet[1]!
        if (reader.sharedStrings && stylesRead && reader.workbookRels && reader.model) {
          yield* rowsOf(reader, body, sheetNo)
          return // the first sheet only; the finally below stops the walk
        }
        const dir = await mkdtemp(join(tmpdir(), 'faena-xlsx-'))
        spilled = { dir, file: join(dir, `sheet${sheetNo}.xml`), sheetNo }
        await pipeline(body, createWriteStream(spilled.file))
      }
      // Whatever was not read (another entry, what a parser left): inflated and counted, not kept.
      if (!body.readableEnded) await finished(body.resume())
    }
    if (spilled) yield* rowsOf(reader, createReadStream(spilled.file), spilled.sheetNo)
  } finally {
    source.destroy()
    zip.destroy()
    if (spilled) await rm(spilled.dir, { recursive: true, force: true })
  }
}

async function* rowsOf(reader: ReaderParts, sheet: AsyncIterable<Buffer>, sheetNo: string): AsyncGenerator<ExcelJS.Row> {
  for (const { value } of reader._parseWorksheet(sheet, sheetNo)) {
    yield* value as AsyncIterable<ExcelJS.Row>
  }
}
