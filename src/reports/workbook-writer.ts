// ExcelJS's streaming workbook writer, loaded alone. `import('exceljs')` also loads its reader,
// its in-memory Workbook and their dependencies (unzipper, jszip, fast-csv, dayjs...), which a
// thread that only writes never runs: in a fresh worker thread, 23 MB of RSS (18 MB of heap)
// for the whole package against 13 MB (12 MB) for the writer's module alone.
import type ExcelJS from 'exceljs'

export type WorkbookWriter = typeof ExcelJS.stream.xlsx.WorkbookWriter

/** The module behind `ExcelJS.stream.xlsx.WorkbookWriter` (exceljs 4 has no exports map). */
const WRITER_MODULE = 'exceljs/lib/stream/xlsx/workbook-writer.js'

/** Loads ExcelJS's WorkbookWriter class, without the rest of ExcelJS. */
export async function loadWorkbookWriter(): Promise<WorkbookWriter> {
  const m = (await import(WRITER_MODULE)) as { default: WorkbookWriter }
  return m.default
}
