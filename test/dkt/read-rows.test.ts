import { Readable } from 'node:stream'
import JSZip from 'jszip'
import t from 'tap'
import { sniffFileKind } from '../../src/job-types/dkt-import/file-kind.js'
import { type Row, readRows } from '../../src/job-types/dkt-import/read-rows.js'
import { observe } from '../../src/storage/observe-stream.js'
import { csvBytes, HEADER, readableOf, workbookBytes, xlsxBytes } from '../support/dkt-files.js'

const collect = async (bytes: Buffer, kind: 'csv' | 'xlsx') => {
  const rows = []
  for await (const batch of readRows(readableOf(bytes), kind)) rows.push(...batch)
  return rows
}

function* chunksOf(bytes: Buffer, size: number) {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size)
}

const rows = [
  HEADER,
  [
    '4507 9900 0000 1234',
    '05/03/2026',
    '  Café   "La Esquina";  Centro ',
    '0001',
    '1/3',
    '1.234,56',
    'ARS',
    'José Pérez',
  ],
]

for (const encoding of ['utf8', 'utf8-bom', 'win1252'] as const) {
  for (const delimiter of [';', ',', '\t']) {
    t.test(`CSV ${encoding}, delimiter ${JSON.stringify(delimiter)}`, async (t) => {
      const bytes = csvBytes(rows, { encoding, delimiter })
      t.same(sniffFileKind(bytes), { kind: 'csv' })
      const got = await collect(bytes, 'csv')
      t.same(
        got.map((r) => r.cells),
        rows,
        'accents, quotes and delimiters inside quotes survive',
      )
      t.same(
        got.map((r) => r.line),
        [1, 2],
      )
    })
  }
}

t.test('blank lines are skipped and line numbers stay true', async (t) => {
  const bytes = Buffer.from('Tarjeta;Fecha\r\n\r\nA;B\r\n;\r\n  \r\n\r\nC;D\r\n')
  const got = await collect(bytes, 'csv')
  t.same(
    got.map((r) => [r.line, r.cells.join('|')]),
    [
      [1, 'Tarjeta|Fecha'],
      [3, 'A|B'],
      [7, 'C|D'],
    ],
  )
})

t.test('a quoted field over several lines: the next rows keep their true line numbers', async (t) => {
  const bytes = Buffer.from('Tarjeta;Comercio\nA;"Casa\ncentral"\n\nB;"x\r\ny\r\nz"\nC;D\n')
  const got = await collect(bytes, 'csv')
  t.same(
    got.map((r) => [r.line, r.cells.join('|')]),
    [
      [1, 'Tarjeta|Comercio'],
      [2, 'A|Casa\ncentral'],
      [5, 'B|x\r\ny\r\nz'],
      [8, 'C|D'],
    ],
  )
})

t.test('a quote never closed fails the read, instead of swallowing the rows after it', async (t) => {
  // A lenient parser reads the rest of the file into that one field and goes on: every row
  // after it would be lost into one invalid row (PapaParse's stream mode does this, and drops
  // its MissingQuotes error).
  const bytes = Buffer.from('Tarjeta;Comercio\r\nA;"Casa\r\nB;C\r\nD;E\r\n')
  await t.rejects(collect(bytes, 'csv'), { code: 'DKT_BAD_CSV', message: /line 2: a quote is never closed/ })
})

t.test(
  'a quote never closed early in a large file fails at its line, without reading the file to its end',
  async (t) => {
    const body = Array.from({ length: 400_000 }, (_, i) => `${i};x`).join('\r\n')
    const bytes = Buffer.from(`Tarjeta;Comercio\r\nA;B\r\nC;"open\r\n${body}\r\n`)
    let read = 0
    const source = Readable.from(chunksOf(bytes, 64 * 1024)).pipe(observe((c) => (read += c.length)))
    const error = await (async () => {
      for await (const _ of readRows(source, 'csv'));
    })().catch((e: Error) => e)
    t.match(error, { code: 'DKT_BAD_CSV', message: /line 3: a record runs past .* \(a quote never closed\?\)/ })
    t.ok(read < bytes.length, `stopped after ${read} of ${bytes.length} bytes`)
  },
)

t.test('a closing quote followed by more text fails at its line; a quote inside a plain field is text', async (t) => {
  const ok = await collect(Buffer.from('Tarjeta;Comercio\nA;5" pulgadas\nB;"x""y"\n'), 'csv')
  t.same(
    ok.map((r) => r.cells),
    [
      ['Tarjeta', 'Comercio'],
      ['A', '5" pulgadas'],
      ['B', 'x"y'],
    ],
  )
  const bytes = Buffer.from('Tarjeta;Comercio\nA;B\n\nC;"Casa" central\nD;E\n')
  await t.rejects(collect(bytes, 'csv'), { code: 'DKT_BAD_CSV', message: /line 4: a closing quote is followed/ })
})

t.test('any cut of the bytes reads the same: quotes, CRLF and accents split across chunks', async (t) => {
  const quoted = [HEADER, ...Array.from({ length: 300 }, (_, i) => [`"${i}"`, '"Café ñandú"', '"a;b"', `"l1\r\nl2"`])]
  for (const encoding of ['utf8', 'win1252'] as const) {
    const text = `${quoted.map((r) => r.join(';')).join('\r\n')}\r\n`
    const bytes = encoding === 'utf8' ? Buffer.from(text) : Buffer.from(text, 'latin1')
    const whole = await collect(bytes, 'csv')
    t.equal(whole.length, 301)
    t.same(whole[300], { line: 600, cells: ['299', 'Café ñandú', 'a;b', 'l1\r\nl2'] })
    for (const size of [1, 2, 3, 7, 64]) {
      const got: Row[] = []
      for await (const batch of readRows(Readable.from(chunksOf(bytes, size)), 'csv')) got.push(...batch)
      t.same(got, whole, `${encoding} in chunks of ${size} bytes`)
    }
  }
})

t.test('a slow reader holds the file back: the parser reads only a little ahead of it', async (t) => {
  const lines = ['Tarjeta;Fecha', ...Array.from({ length: 400_000 }, (_, i) => `${i};some text to make it longer`)]
  const bytes = Buffer.from(lines.join('\n'))
  let read = 0
  const source = Readable.from(chunksOf(bytes, 16 * 1024)).pipe(observe((c) => (read += c.length)))
  const rows = readRows(source, 'csv')
  await rows.next()
  // Let every stream run as far as it will: the reads stop when the parser's queue is full.
  for (let i = 0; i < 50; i++) await new Promise((resolve) => setImmediate(resolve))
  t.ok(read < bytes.length / 4, `${read} of ${bytes.length} bytes read while one batch was taken`)
  await rows.return(undefined)
})

t.test('rows come in batches, so a large file costs one await per batch, not per row', async (t) => {
  const lines = ['Tarjeta;Fecha', ...Array.from({ length: 2500 }, (_, i) => `${i};x`)]
  const sizes = []
  for await (const batch of readRows(readableOf(Buffer.from(lines.join('\n'))), 'csv')) sizes.push(batch.length)
  t.same(sizes, [1000, 1000, 501])
})

t.test('XLSX: the first sheet, dates and numbers as text', async (t) => {
  const bytes = await xlsxBytes([
    HEADER,
    ['450799******1234', new Date(Date.UTC(2026, 2, 5)), 'Café', '0001', '2/6', 1234.5, 'USD', 'Ana'],
  ])
  t.same(sniffFileKind(bytes), { kind: 'xlsx' })
  const got = await collect(bytes, 'xlsx')
  t.same(got[1], { line: 2, cells: ['450799******1234', '2026-03-05', 'Café', '0001', '2/6', '1234.5', 'USD', 'Ana'] })
})

const XLSX_ROWS = [
  HEADER,
  ['450799******1234', new Date(Date.UTC(2026, 2, 5)), 'Café', '0001', '2/6', 1234.5, 'USD', 'Ana'],
]
const XLSX_CELLS = ['450799******1234', '2026-03-05', 'Café', '0001', '2/6', '1234.5', 'USD', 'Ana']

/** The same archive with its entries in another order (the order a reader meets them in). */
async function reordered(bytes: Buffer, first: string[]): Promise<Buffer> {
  const zip = await JSZip.loadAsync(bytes)
  const names = Object.keys(zip.files).filter((n) => !zip.files[n]!.dir)
  const out = new JSZip()
  for (const name of [...first, ...names.filter((n) => !first.includes(n))])
    out.file(name, await zip.file(name)!.async('uint8array'))
  return out.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' })
}

t.test('XLSX: the sheet is read whatever the order of the entries around it', async (t) => {
  const bytes = await xlsxBytes(XLSX_ROWS)
  const orders = {
    'as ExcelJS writes it (sheet before shared strings and styles)': [],
    'as Excel writes it (workbook first, shared strings last)': [
      '[Content_Types].xml',
      '_rels/.rels',
      'xl/workbook.xml',
      'xl/_rels/workbook.xml.rels',
      'xl/worksheets/sheet1.xml',
      'xl/styles.xml',
      'xl/sharedStrings.xml',
    ],
    'everything the sheet needs first (read without a temporary file)': [
      'xl/_rels/workbook.xml.rels',
      'xl/workbook.xml',
      'xl/sharedStrings.xml',
      'xl/styles.xml',
    ],
  }
  for (const [name, first] of Object.entries(orders)) {
    const got = await collect(first.length ? await reordered(bytes, first) : bytes, 'xlsx')
    t.same(
      got.map((r) => r.cells),
      [HEADER, XLSX_CELLS],
      name,
    )
  }
})

t.test('XLSX: entries after the sheet are never lost (ExcelJS alone lost them about 1 read in 300)', async (t) => {
  // ExcelJS's own archive walk ended early when unzipper's premature 'end' came while the sheet
  // was being spilled: the header then read as { sharedString: 0 }. Timing decides, so many reads.
  const bytes = await xlsxBytes(XLSX_ROWS)
  let wrong = 0
  for (let i = 0; i < 300; i++) {
    const got = await collect(bytes, 'xlsx')
    if (got.length !== 2 || got[0]!.cells[0] !== 'Tarjeta' || got[1]!.cells[1] !== '2026-03-05') wrong++
  }
  t.equal(wrong, 0, 'every read has its shared strings and its date style')
})

/** A workbook with sheets A and B (one row each, its name), tabs then edited as Excel would. */
async function twoSheets(edit: (workbookXml: string) => string, first: string[] = []): Promise<Buffer> {
  const bytes = await workbookBytes((wb) => {
    for (const name of ['A', 'B']) {
      const sheet = wb.addWorksheet(name)
      sheet.addRow([`sheet ${name}`]).commit()
      sheet.commit()
    }
  })
  const zip = await JSZip.loadAsync(bytes)
  zip.file('xl/workbook.xml', edit(await zip.file('xl/workbook.xml')!.async('string')))
  return reordered(await zip.generateAsync({ type: 'nodebuffer' }), first)
}

t.test('XLSX: "the first sheet" is the first tab Excel shows, not the first sheet file', async (t) => {
  const firstCell = async (bytes: Buffer) => (await collect(bytes, 'xlsx'))[0]?.cells[0]
  const moved = (xml: string) => xml.replace(/(<sheet [^>]*name="A"[^>]*\/>)(<sheet [^>]*name="B"[^>]*\/>)/, '$2$1')
  const hidden = (xml: string) =>
    xml.replace(/<sheet [^>]*name="A"[^>]*\/>/, (tag) => tag.replace('state="visible"', 'state="hidden"'))
  t.equal(await firstCell(await twoSheets((x) => x)), 'sheet A', 'as written')
  t.equal(await firstCell(await twoSheets(moved)), 'sheet B', 'tab B moved before A (workbook after the sheets)')
  const workbookFirst = ['[Content_Types].xml', '_rels/.rels', 'xl/workbook.xml', 'xl/_rels/workbook.xml.rels']
  t.equal(
    await firstCell(await twoSheets(moved, workbookFirst)),
    'sheet B',
    'tab B moved before A (workbook before the sheets, as Excel writes it)',
  )
  t.equal(await firstCell(await twoSheets(hidden)), 'sheet B', 'tab A hidden')
})

t.test('content sniffing refuses what is neither CSV nor XLSX, whatever its name', async (t) => {
  t.match(sniffFileKind(Buffer.from('%PDF-1.7 ...')), { kind: null, reason: /PDF/ })
  t.match(sniffFileKind(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1])), { kind: null, reason: /XLS/ })
  t.match(sniffFileKind(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0])), {
    kind: null,
    reason: /binary/,
  })
  t.match(sniffFileKind(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0, 0x61, 0x62])), {
    kind: null,
    reason: /ZIP/,
  })
  t.match(sniffFileKind(Buffer.alloc(0)), { kind: null, reason: /empty/ })
})
