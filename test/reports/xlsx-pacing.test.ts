// The pacing of ExcelJS's streaming writer reads two ExcelJS internals; if an upgrade moves
// them, these tests fail instead of exports silently hoarding memory again.
import { PassThrough } from 'node:stream'
import { setImmediate as nextTurn } from 'node:timers/promises'
import ExcelJS from 'exceljs'
import t from 'tap'
import { paced, sheetBacklog } from '../../src/reports/xlsx-pacing.js'

t.test("a sheet's uncompressed backlog is visible, with the stream whose drain ends it", async (t) => {
  const body = new PassThrough() // never read: everything backs up
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: body, useStyles: true, useSharedStrings: false })
  const sheet = workbook.addWorksheet('x')
  const before = sheetBacklog(sheet).bytes
  for (let i = 0; i < 20_000; i++) sheet.addRow([i, `some text that takes room ${i}`, i * 1.5]).commit()
  const backlog = sheetBacklog(sheet)
  t.ok(backlog.bytes > before + 1024 * 1024, `${backlog.bytes} bytes of XML wait for the zip`)
  t.ok(backlog.stream, 'and the zip entry stream is there to wait on')
  body.destroy()
})

t.test('paced() waits while the sink holds more than allowed, and goes on once it is read', async (t) => {
  const body = new PassThrough({ highWaterMark: 64 * 1024 })
  body.write(Buffer.alloc(512 * 1024))
  let done = false
  const waiting = paced({}, body, 256 * 1024).then(() => (done = true))
  await nextTurn()
  await nextTurn()
  t.notOk(done, 'still waiting: 512 KiB buffered, 256 KiB allowed')
  body.resume()
  await waiting
  t.ok(body.writableLength <= 256 * 1024)
  await paced({}, body, 256 * 1024) // nothing buffered: returns
})

t.test('paced() waiting long on a slow sink keeps one drain listener, not one per turn', async (t) => {
  const body = new PassThrough({ highWaterMark: 64 * 1024 })
  body.write(Buffer.alloc(512 * 1024)) // never read while we look
  let turns = 0
  const sheet = {
    get _stream() {
      turns++ // read once per turn of paced()'s loop
      return undefined
    },
  }
  const waiting = paced(sheet, body, 256 * 1024)
  while (turns < 6) await new Promise((ok) => setTimeout(ok, 10))
  t.ok(body.listenerCount('drain') <= 1, `${body.listenerCount('drain')} drain listener(s) after ${turns} turns`)
  t.ok(body.listenerCount('error') <= 1, `${body.listenerCount('error')} error listener(s)`)
  body.resume()
  await waiting
})
