// ExcelJS's own rules for XLSX values, as its reader applies them: which number formats show a
// date, and how a cell's day number becomes a Date. Its utils module is not in its typings.
import { createRequire } from 'node:module'

export const { isDateFmt, excelToDate } = createRequire(import.meta.url)('exceljs/lib/utils/utils.js') as {
  isDateFmt(fmt: string | undefined): boolean
  excelToDate(serial: number, date1904: boolean): Date
}
