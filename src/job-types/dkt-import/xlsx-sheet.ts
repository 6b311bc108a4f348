// The first worksheet of an XLSX archive, as batches of rows of plain values.
//
// ExcelJS's own walk (WorkbookReader.parse) can stop before the last entries of the archive:
// its unzipper emits 'end' as soon as all input is written, while entries are still buffered,
// and ExcelJS's stream iterator trusts that event (exceljs#683, open PR #2915). Both ExcelJS and
// Excel write the shared strings and styles after the sheets, so what is lost is exactly what
// the sheet needs: measured here, about 1 read in 300 of a small file read its header as
// `{ sharedString: 0 }`... and the import failed with DKT_BAD_HEADER (scratch/xlsx-race*.mjs).
//
// This walk iterates the entries with Node's own async iterator, which ends on the stream's real
// end, counting what they inflate to (XLSX_LIMITS: a zip bomb stops at the limit). The workbook,
// its relationships and the styles go to ExcelJS's own parsers; the shared strings and the sheet
// to ours (xlsx-xml.ts, which keeps UTF-8 whole and builds plain rows). A sheet met before
// the parts it depends on is spilled to a temporary file (as ExcelJS does) and read once the
// archive has been walked. "The first sheet" is the first tab Excel shows (workbook.xml's order,
// hidden tabs skipped), which is not always the first sheet file in the archive.
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, posix } from 'node:path'
import type { Readable } from 'node:stream'
import { finished, pipeline } from 'node:stream/promises'
import type { Entry } from 'unzipper'
import { isDateFmt } from './exceljs-utils.js'
import { inflatedBudget } from './xlsx-limits.js'
import { readSharedStrings, readSheetRows, type SheetContext, type SheetRow } from './xlsx-xml.js'

/** The parts of ExcelJS's WorkbookReader (4.4) this walk drives; they are not in its typings. */
interface ReaderParts {
  workbookRels?: { Id: string; Type: string; Target: string }[]
  /** The workbook's sheets, in the order Excel shows their tabs. */
  model?: { sheets?: { rId: string; state?: string }[] }
  properties?: { model?: { date1904?: boolean } }
  styles: { getStyleModel(index: number): { numFmt?: string } | null }
  _parseRels(entry: Readable): Promise<void>
  _parseWorkbook(entry: Readable): Promise<void>
  _parseStyles(entry: Readable): Promise<void>
}

const SHEET = /^xl\/worksheets\/sheet\d+\.xml$/

/** `maxBytes`: what all entries may inflate to together (XlsxTooLargeError past it). */
export async function* firstSheetRows(source: Readable, maxBytes?: number): AsyncGenerator<SheetRow[]> {
  const [{ default: ExcelJS }, { default: unzipper }] = await Promise.all([import('exceljs'), import('unzipper')])
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(source, { styles: 'cache' }) as unknown as ReaderParts
  const zip = source.pipe(unzipper.Parse({ forceStream: true }))
  source.on('error', (err) => zip.destroy(err))
  const counted = inflatedBudget(maxBytes)
  let sharedStrings: string[] | undefined
  let workbookRead = false
  let stylesRead = false
  /** Whether the archive has a part of this kind: by its relationships once read, else maybe. */
  const mayHave = (kind: string) => reader.workbookRels?.some((r) => r.Type.endsWith(`/${kind}`)) ?? true
  const ready = () =>
    workbookRead && (stylesRead || !mayHave('styles')) && (sharedStrings !== undefined || !mayHave('sharedStrings'))
  const context = (): SheetContext => ({
    sharedStrings,
    date1904: reader.properties?.model?.date1904 === true,
    isDateStyle: (s) => isDateFmt(reader.styles.getStyleModel(s)?.numFmt),
  })
  /**
   * The entry of the sheet Excel shows first (the first tab not hidden), once the workbook and
   * its relationships are read. Not always sheet1.xml: tabs can be moved.
   */
  const firstSheet = (): string | undefined => {
    const sheets = reader.model?.sheets
    if (!workbookRead || !reader.workbookRels || !sheets) return undefined
    const first = sheets.find((s) => s.state !== 'hidden' && s.state !== 'veryHidden') ?? sheets[0]
    const target = reader.workbookRels.find((r) => r.Id === first?.rId)?.Target
    return target === undefined ? undefined : posix.normalize(target.startsWith('/') ? target.slice(1) : `xl/${target}`)
  }
  // Sheets met before the workbook said which one is first (ExcelJS writes the workbook last).
  const spilled = new Map<string, string>()
  let dir: string | undefined
  try {
    for await (const entry of zip as AsyncIterable<Entry>) {
      const body = entry.pipe(counted())
      entry.on('error', (err) => body.destroy(err))
      if (entry.path === 'xl/_rels/workbook.xml.rels') await reader._parseRels(body)
      else if (entry.path === 'xl/workbook.xml') {
        await reader._parseWorkbook(body)
        workbookRead = true
      } else if (entry.path === 'xl/styles.xml') {
        await reader._parseStyles(body)
        stylesRead = true
      } else if (entry.path === 'xl/sharedStrings.xml') sharedStrings = await readSharedStrings(body)
      else if (SHEET.test(entry.path)) {
        const first = firstSheet()
        if (first === entry.path && ready()) {
          yield* readSheetRows(body, context())
          return // the first sheet only; the finally below stops the walk
        }
        if (first === undefined || first === entry.path) {
          dir ??= await mkdtemp(join(tmpdir(), 'faena-xlsx-'))
          const file = join(dir, `sheet${spilled.size}.xml`)
          await pipeline(body, createWriteStream(file))
          spilled.set(entry.path, file)
        }
      }
      // Whatever was not read (another entry, what a parser left): inflated and counted, not kept.
      if (!body.readableEnded) await finished(body.resume())
    }
    // Without a readable workbook, the first sheet in the archive.
    const file = spilled.get(firstSheet() ?? '') ?? spilled.values().next().value
    if (file) yield* readSheetRows(createReadStream(file), context())
  } finally {
    source.destroy()
    zip.destroy()
    if (dir) await rm(dir, { recursive: true, force: true })
  }
}
