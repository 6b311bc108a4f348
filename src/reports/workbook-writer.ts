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

/**
 * Young generation (MB) for the threads of job types that write workbooks. ExcelJS's writer
 * allocates about 16 KB per row, nearly all of it garbage at once. With twice the default young
 * generation, a thread scavenges half as often and promotes less: a 1M-row export took
 * 11.7-11.9 s instead of 12.8 s (server runs side by side), for 20-40 MB more peak RSS while it
 * runs. Imports keep the default: they peak nearer their memory budget.
 */
export const XLSX_WRITER_YOUNG_GENERATION_MB = 96
