// The sheet and shared-string parsers on XML as Excel and other writers produce it, fed in
// chunks cut anywhere (inside a tag, an entity, a UTF-8 character).
import t from 'tap'
import { readRows } from '../../src/job-types/dkt-import/read-rows.js'
import {
  columnOf,
  readSharedStrings,
  readSheetRows,
  type SheetContext,
  type SheetRow,
} from '../../src/job-types/dkt-import/xlsx-xml.js'
import { readableOf, workbookBytes } from '../support/dkt-files.js'

/** The bytes in chunks of `size` (the last one shorter). */
function* chunked(bytes: Buffer, size: number): Generator<Buffer> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size)
}
async function* asAsync(chunks: Iterable<Buffer>): AsyncGenerator<Buffer> {
  yield* chunks
}

const context = (over: Partial<SheetContext> = {}): SheetContext => ({
  sharedStrings: ['Tarjeta', 'Panadería Ñandú'],
  isDateStyle: (s) => s === 1,
  date1904: false,
  ...over,
})

async function rowsOf(xml: string, chunkSize: number, ctx = context()): Promise<SheetRow[]> {
  const out: SheetRow[] = []
  for await (const batch of readSheetRows(asAsync(chunked(Buffer.from(xml), chunkSize)), ctx)) out.push(...batch)
  return out
}

const SHEET = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:H3"/>
<sheetData>
<row r="1" spans="1:8"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>
<row r="2"><c r="A2" s="1"><v>46086</v></c><c r="B2"><v>1234.5</v></c><c r="C2" t="inlineStr"><is><r><t>Café </t></r><r><t xml:space="preserve">&amp; té</t></r><rPh><t>カフェ</t></rPh></is></c><c r="E2" t="b"><v>1</v></c><c r="F2" t="e"><v>#N/A</v></c><c r="G2" t="str"><f>A1&amp;"x"</f><v>Tarjetax</v></c><c r="H2" s="1"/></row>
<row r="5"><c r="B5" t="inlineStr"><is><t><![CDATA[<raw> &]]></t></is></c><c t="inlineStr"><is><t>next to B</t></is></c></row>
<row><c><v>7</v></c></row>
</sheetData><mergeCells count="1"><mergeCell ref="A1:B1"/></mergeCells></worksheet>`

// Holes stand for cells the sheet leaves out, as the reader returns them.
const EXPECTED: SheetRow[] = [
  { number: 1, values: ['Tarjeta', 'Panadería Ñandú'] },
  // biome-ignore lint/suspicious/noSparseArray: the holes are what is tested
  { number: 2, values: [new Date(Date.UTC(2026, 2, 5)), 1234.5, 'Café & té', , true, '#N/A', 'Tarjetax'] },
  // biome-ignore lint/suspicious/noSparseArray: the holes are what is tested
  { number: 5, values: [, '<raw> &', 'next to B'] },
  { number: 6, values: [7] },
]

t.test('cells by type, whatever the chunk boundaries', async (t) => {
  for (const size of [1, 2, 3, 7, 64, 100_000]) {
    t.same(await rowsOf(SHEET, size), EXPECTED, `chunks of ${size} bytes`)
  }
})

t.test('a missing cell is a hole, not a value; a cell without a value is missing', async (t) => {
  const [, row2] = await rowsOf(SHEET, 64)
  t.equal(row2!.values.length, 7, 'H2 has a style but no value')
  t.notOk(3 in row2!.values, 'D2 is not in the file')
})

t.test('1904 date system', async (t) => {
  const [row] = await rowsOf(
    '<worksheet><sheetData><row r="1"><c r="A1" s="1"><v>44624</v></c></row></sheetData></worksheet>',
    10,
    context({ date1904: true }),
  )
  t.same(row!.values, [new Date(Date.UTC(2026, 2, 5))])
})

t.test('prefixed element names (some .NET writers) read the same', async (t) => {
  const xml =
    '<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData><x:row r="3"><x:c r="C3" t="s"><x:v>1</x:v></x:c></x:row></x:sheetData></x:worksheet>'
  // biome-ignore lint/suspicious/noSparseArray: the holes are what is tested
  t.same(await rowsOf(xml, 5), [{ number: 3, values: [, , 'Panadería Ñandú'] }])
})

t.test('shared strings: runs joined, phonetic hints left out, characters whole across chunks', async (t) => {
  const xml = `<sst count="3" uniqueCount="3"><si><t>Tarjeta</t></si><si><r><rPr><b/></rPr><t>Panader</t></r><r><t>ía Ñandú</t></r><rPh sb="0" eb="1"><t>パ</t></rPh></si><si><t/></si><si><t>€ 漢字 😀</t></si></sst>`
  for (const size of [1, 2, 3, 5, 1000]) {
    t.same(
      await readSharedStrings(asAsync(chunked(Buffer.from(xml), size))),
      ['Tarjeta', 'Panadería Ñandú', '', '€ 漢字 😀'],
      `chunks of ${size} bytes`,
    )
  }
})

t.test('a damaged sheet fails with XLSX_DAMAGED, naming the problem', async (t) => {
  await t.rejects(rowsOf('<worksheet><sheetData><row r="1"><c r="A1"><v>1</c></row>', 8), {
    code: 'XLSX_DAMAGED',
    message: /malformed/,
  })
  await t.rejects(
    rowsOf('<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>9</v></c></row></sheetData></worksheet>', 8),
    {
      code: 'XLSX_DAMAGED',
      message: /shared string 9/,
    },
  )
})

t.test('column letters', async (t) => {
  t.same(['A1', 'Z9', 'AA10', 'XFD1048576', ''].map(columnOf), [1, 26, 27, 16384, 0])
})

t.test(
  'accented text in a real file survives every chunk boundary (ExcelJS alone garbled 20 of these 40,000 cells)',
  async (t) => {
    // ExcelJS's readers decode each chunk on its own: a character cut in two became U+FFFD.
    for (const useSharedStrings of [true, false]) {
      const bytes = await workbookBytes(
        (wb) => {
          const sheet = wb.addWorksheet('DKT')
          for (let i = 0; i < 20_000; i++) sheet.addRow([`Panadería Peñalolén ${i}`, `€ 漢字 ${i}`]).commit()
          sheet.commit()
        },
        { useSharedStrings },
      )
      let rows = 0
      let wrong = 0
      for await (const batch of readRows(readableOf(bytes), 'xlsx')) {
        for (const row of batch) {
          const i = row.line - 1
          if (row.cells[0] !== `Panadería Peñalolén ${i}` || row.cells[1] !== `€ 漢字 ${i}`) wrong++
          rows++
        }
      }
      t.equal(rows, 20_000, `shared strings: ${useSharedStrings}`)
      t.equal(wrong, 0, 'every cell as written')
    }
  },
)
