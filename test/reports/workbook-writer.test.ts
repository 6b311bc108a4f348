// Threads that write XLSX load ExcelJS's streaming writer without its reader and in-memory
// workbook (src/reports/workbook-writer.ts); if an ExcelJS upgrade moves the module, or the
// writer starts pulling the rest in, this fails instead of every writer thread growing again.
import { once } from 'node:events'
import { Worker } from 'node:worker_threads'
import ExcelJS from 'exceljs'
import t from 'tap'
import { loadWorkbookWriter } from '../../src/reports/workbook-writer.js'

t.test("loadWorkbookWriter() gives ExcelJS's own WorkbookWriter", async (t) => {
  t.equal(await loadWorkbookWriter(), ExcelJS.stream.xlsx.WorkbookWriter)
})

t.test('in a fresh thread it loads the writer, not the reader nor the in-memory workbook', async (t) => {
  const probe = `
    const { parentPort } = require('node:worker_threads')
    import(${JSON.stringify(new URL('../../src/reports/workbook-writer.js', import.meta.url).href)})
      .then((m) => m.loadWorkbookWriter())
      .then(() => parentPort.postMessage(Object.keys(require.cache).filter((k) => k.includes('/exceljs/')).map((k) => k.slice(k.indexOf('/exceljs/') + 9))))`
  const worker = new Worker(probe, { eval: true })
  const [loaded] = (await once(worker, 'message')) as [string[]]
  await worker.terminate()
  t.ok(loaded.includes('lib/stream/xlsx/workbook-writer.js'), 'the streaming writer')
  t.notOk(loaded.includes('lib/stream/xlsx/workbook-reader.js'), 'not the streaming reader')
  t.notOk(loaded.includes('lib/doc/workbook.js'), 'not the in-memory Workbook')
  t.notOk(loaded.includes('excel.js'), "not the package's entry point")
})
