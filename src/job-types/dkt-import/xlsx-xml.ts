// The two big parts of an XLSX archive, read with a bare SAX parser (saxes): the shared
// strings and a worksheet's cells. Styles and workbook properties stay with ExcelJS's own
// parsers (xlsx-sheet.ts); these two are where the rows are.
//
// Why not ExcelJS's readers for these: they decode each chunk of XML on its own, so a UTF-8
// character cut between two chunks becomes U+FFFD ("Panader\uFFFD\uFFFDa"; 20 of 40,000 cells
// with accents, scratch/utf8-split.mjs), and they build a Row and a Cell object with its style
// per cell (in a CPU profile of an import, ExcelJS's own code took twice the time of ours).
// Here a StringDecoder keeps cut characters whole, and a row is an array of plain values. The
// value rules are ExcelJS's:
// `t="s"` a shared string, `inlineStr`/`str` text, `b` a boolean, a number with a date format a
// Date (ExcelJS's isDateFmt and excelToDate, exceljs-utils.ts); an error cell is its text (`#N/A`), which the
// checks then name. Unlike ExcelJS, a cell or row without its optional `r` reference takes the
// next position, an inline string keeps all its runs, and prefixed element names (`x:c`, some
// .NET writers) are read.

import { StringDecoder } from 'node:string_decoder'
import { SaxesParser, type SaxesTagPlain } from 'saxes'
import { JobError } from '../../errors.js'
import { excelToDate } from './exceljs-utils.js'

export interface SheetRow {
  /** The row's number in the sheet (1 = the first row). */
  number: number
  /** Cell values by column, [0] = column A; a missing cell is a hole. */
  values: unknown[]
}

export interface SheetContext {
  /** The archive's shared strings (undefined when it has none). */
  sharedStrings: string[] | undefined
  /** Whether cells with this style index show a date. */
  isDateStyle(styleIndex: number): boolean
  /** The workbook counts days from 1904 (old Mac Excel). */
  date1904: boolean
}

const damaged = (what: string) =>
  new JobError('XLSX_DAMAGED', `the XLSX file is damaged: ${what}; nothing was imported`)

/** Feeds XML bytes to a parser, chunk by chunk, characters whole across chunks. */
async function* feed(parser: SaxesParser, xml: AsyncIterable<Buffer>): AsyncGenerator<void> {
  const decoder = new StringDecoder('utf8')
  for await (const chunk of xml) {
    parser.write(decoder.write(chunk))
    yield
  }
  parser.write(decoder.end())
  parser.close()
}

function newParser(): SaxesParser {
  const parser = new SaxesParser({ position: false })
  parser.on('error', (err) => {
    throw damaged(`its XML is malformed (${err.message})`)
  })
  return parser
}

/** `x:row` -> `row` */
const local = (name: string) => (name.includes(':') ? name.slice(name.indexOf(':') + 1) : name)

/** xl/sharedStrings.xml: each `<si>`'s text, its runs joined, phonetic hints (`rPh`) left out. */
export async function readSharedStrings(xml: AsyncIterable<Buffer>): Promise<string[]> {
  const strings: string[] = []
  const parser = newParser()
  let text = ''
  let inT = false
  let inPhonetic = false
  parser.on('opentag', (tag) => {
    const name = local(tag.name)
    if (name === 'si') text = ''
    else if (name === 't') inT = !inPhonetic && !tag.isSelfClosing
    else if (name === 'rPh') inPhonetic = true
  })
  const onText = (t: string) => {
    if (inT) text += t
  }
  parser.on('text', onText)
  parser.on('cdata', onText)
  parser.on('closetag', (tag) => {
    const name = local(tag.name)
    if (name === 't') inT = false
    else if (name === 'rPh') inPhonetic = false
    else if (name === 'si') strings.push(text)
  })
  for await (const _ of feed(parser, xml));
  return strings
}

/** Column number (1 = A) of a cell reference like `AB12`; 0 when it has none. */
export function columnOf(ref: string): number {
  let col = 0
  for (let i = 0; i < ref.length; i++) {
    const c = ref.charCodeAt(i)
    if (c < 65 || c > 90) break
    col = col * 26 + (c - 64)
  }
  return col
}

/** A worksheet's rows, in batches (all the rows one chunk of XML completed). */
export async function* readSheetRows(xml: AsyncIterable<Buffer>, ctx: SheetContext): AsyncGenerator<SheetRow[]> {
  const parser = newParser()
  const dateStyles = new Map<number, boolean>()
  const isDate = (s: number) => {
    let d = dateStyles.get(s)
    if (d === undefined) {
      d = ctx.isDateStyle(s)
      dateStyles.set(s, d)
    }
    return d
  }
  let batch: SheetRow[] = []
  let inSheetData = false
  let row: SheetRow | null = null
  let lastNumber = 0
  let col = 0
  // The cell being read: its type, style, and the text of its value.
  let type = ''
  let style = 0
  let text = ''
  let hasValue = false
  let capture = false
  let inInline = false
  let inPhonetic = false

  parser.on('opentag', (tag: SaxesTagPlain) => {
    switch (local(tag.name)) {
      case 'sheetData':
        inSheetData = true
        break
      case 'row':
        if (inSheetData) {
          const r = tag.attributes.r
          lastNumber = r ? Number.parseInt(r, 10) : lastNumber + 1
          row = { number: lastNumber, values: [] }
          col = 0
        }
        break
      case 'c':
        if (row) {
          const ref = tag.attributes.r
          col = (ref && columnOf(ref)) || col + 1
          type = tag.attributes.t ?? 'n'
          style = tag.attributes.s ? Number.parseInt(tag.attributes.s, 10) : 0
          text = ''
          hasValue = false
        }
        break
      case 'v':
        if (row && !tag.isSelfClosing) capture = hasValue = true
        break
      case 'is':
        if (row) inInline = hasValue = true
        break
      case 't':
        if (inInline && !inPhonetic && !tag.isSelfClosing) capture = true
        break
      case 'rPh':
        inPhonetic = true
        break
    }
  })
  const onText = (t: string) => {
    if (capture) text += t
  }
  parser.on('text', onText)
  parser.on('cdata', onText)
  parser.on('closetag', (tag: SaxesTagPlain) => {
    switch (local(tag.name)) {
      case 'v':
      case 't':
        capture = false
        break
      case 'is':
        inInline = false
        break
      case 'rPh':
        inPhonetic = false
        break
      case 'c':
        if (row && hasValue) row.values[col - 1] = cellValue(type, text, style, ctx, isDate)
        break
      case 'row':
        if (row) batch.push(row)
        row = null
        break
      case 'sheetData':
        inSheetData = false
        break
    }
  })
  for await (const _ of feed(parser, xml)) {
    if (batch.length) {
      yield batch
      batch = []
    }
  }
  if (batch.length) yield batch
}

function cellValue(
  type: string,
  text: string,
  style: number,
  ctx: SheetContext,
  isDate: (s: number) => boolean,
): unknown {
  switch (type) {
    case 's': {
      const s = ctx.sharedStrings?.[Number.parseInt(text, 10)]
      if (s === undefined) throw damaged(`a cell refers to shared string ${text}, which the file does not have`)
      return s
    }
    case 'inlineStr':
    case 'str':
    case 'e':
      return text
    case 'b':
      return text !== '0'
    case 'd':
      return new Date(text)
    default: {
      if (text === '') return undefined
      const n = Number(text)
      return isDate(style) ? excelToDate(n, ctx.date1904) : n
    }
  }
}
