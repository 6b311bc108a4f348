// XLSX uploads that unfold into too much: the job fails with XLSX_TOO_LARGE, nothing imported,
// the process unharmed.
import { PassThrough, Readable } from 'node:stream'
import archiver from 'archiver'
import t from 'tap'
import { XLSX_LIMITS } from '../../src/job-types/dkt-import/xlsx-limits.js'
import { firstSheetRows } from '../../src/job-types/dkt-import/xlsx-sheet.js'
import { HEADER, workbookBytes } from '../support/dkt-files.js'
import { startTestFaena } from '../support/faena.js'
import { waitForStatus } from '../support/jobs.js'
import { multipartBody } from '../support/multipart.js'

/** A zip named like a workbook whose sheet holds `bytes` of spaces: a few KB compressed. */
async function zipBomb(bytes: number): Promise<Buffer> {
  const out = new PassThrough()
  const chunks: Buffer[] = []
  out.on('data', (c: Buffer) => chunks.push(c))
  const ended = new Promise((ok) => out.on('end', ok))
  const zip = archiver('zip', { zlib: { level: 9 } })
  zip.pipe(out)
  zip.append('<?xml version="1.0"?><Types/>', { name: '[Content_Types].xml' })
  zip.append(
    Readable.from(
      (function* () {
        yield Buffer.from('<worksheet><sheetData>')
        for (let i = 0; i < bytes / 65536; i++) yield Buffer.alloc(65536, 0x20)
        yield Buffer.from('</sheetData></worksheet>')
      })(),
    ),
    { name: 'xl/worksheets/sheet1.xml' },
  )
  await zip.finalize()
  await ended
  return Buffer.concat(chunks)
}

t.test('the inflated size is measured, not taken from the archive, and refused past the limit', async (t) => {
  const bomb = await zipBomb(20 * 1024 * 1024)
  t.ok(bomb.length < 200_000, `${bomb.length} bytes compressed`)
  const read = async (maxBytes: number) => {
    let rows = 0
    for await (const _ of firstSheetRows(Readable.from([bomb]), maxBytes)) rows++
    return rows
  }
  await t.rejects(read(10 * 1024 * 1024), { code: 'XLSX_TOO_LARGE', message: /more than 10485760 bytes/ })
  t.equal(await read(100 * 1024 * 1024), 0, 'under the limit: read whole (spaces, no rows)')
  t.equal(XLSX_LIMITS.uncompressedBytes, 2 * 1024 ** 3, 'the default limit: 2 GiB')
})

t.test('a row wider than the column limit fails the import job with XLSX_TOO_LARGE; no lote', async (t) => {
  const f = await startTestFaena(t)
  const content = await workbookBytes(
    (wb) => {
      const sheet = wb.addWorksheet('DKT')
      sheet.addRow(HEADER).commit()
      sheet.addRow(Array.from({ length: XLSX_LIMITS.columns + 1 }, (_, i) => `c${i}`)).commit()
      sheet.commit()
    },
    { useSharedStrings: false },
  )
  const m = multipartBody({}, { name: 'wide.xlsx', content })
  const res = await f.as('alice').post('/jobs/dkt-import', m.payload, m.headers)
  t.equal(res.statusCode, 202, res.body)
  const job = await waitForStatus(f.faena, res.json().jobId, 'FAILED')
  t.match(job.error, { code: 'XLSX_TOO_LARGE', message: /row 2 has 1001 cells, more than 1000/ })
  t.equal((await f.faena.db.pool.query('SELECT count(*)::int AS n FROM lote')).rows[0].n, 0, 'no lote')
  t.equal((await f.as('alice').get('/health/ready')).statusCode, 200, 'the process is fine')
})
