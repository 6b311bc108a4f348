// ExcelJS's streaming reader alone on the first sheet of a file, the yardstick of XLSX imports.
// As a script (node dist/bench/support/xlsx-reader.js <file.xlsx>) it runs in a process of its
// own, cold, timed from loading ExcelJS to the last row, as the import's worker thread is on its
// first XLSX file; it prints the rows and the seconds as JSON.
import type ExcelJS from 'exceljs'

export async function readXlsxAlone(path: string): Promise<{ rows: number; seconds: number }> {
  const t0 = performance.now()
  const { default: Excel } = await import('exceljs')
  let rows = 0
  const wb = new Excel.stream.xlsx.WorkbookReader(path, {
    sharedStrings: 'cache',
    styles: 'cache',
    hyperlinks: 'ignore',
    worksheets: 'emit',
    entries: 'emit',
  })
  for await (const sheet of wb) {
    for await (const r of sheet as AsyncIterable<ExcelJS.Row>) rows += r.number > 0 ? 1 : 0
    break
  }
  return { rows, seconds: (performance.now() - t0) / 1000 }
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  console.log(JSON.stringify(await readXlsxAlone(process.argv[2]!)))
}
