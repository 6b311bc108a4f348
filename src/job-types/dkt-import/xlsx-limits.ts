// Limits on what an uploaded XLSX may unfold into, so that a hostile or broken file (a zip bomb,
// a giant shared-string table, a sheet millions of columns wide) fails its job with a clear
// error instead of filling the disk or the memory of the process. The decompressed size is
// counted as the archive is read (src/dkt/xlsx-sheet.ts walks it): real bytes, not the sizes
// the archive claims, and the reading stops at the limit.
import { Transform } from 'node:stream'
import { JobError } from '../../errors.js'

export const XLSX_LIMITS = {
  /** All entries of the archive, inflated. A 1,000,000-row DKT sheet is about 400 MB. */
  uncompressedBytes: 2 * 1024 ** 3,
  /** Rows of the sheet read. */
  rows: 10_000_000,
  /** Cells of one row (a DKT row has 8). */
  columns: 1000,
}

export class XlsxTooLargeError extends JobError {
  constructor(what: string) {
    super('XLSX_TOO_LARGE', `the XLSX file is too large once unpacked: ${what}; nothing was imported`)
  }
}

/**
 * Counts what the entries of one archive inflate to, as they are read: each entry's bytes go
 * through a counter it returns, which fails with XlsxTooLargeError once all of them together
 * pass the limit.
 */
export function inflatedBudget(maxBytes: number = XLSX_LIMITS.uncompressedBytes): () => Transform {
  let total = 0
  return () =>
    new Transform({
      transform(chunk: Buffer, _encoding, done) {
        total += chunk.length
        if (total > maxBytes) done(new XlsxTooLargeError(`its entries hold more than ${maxBytes} bytes`))
        else done(null, chunk)
      },
    })
}

/** Throws past the row or column limit (the rows are counted by the reader). */
export function checkXlsxRow(rowNumber: number, cells: number): void {
  if (rowNumber > XLSX_LIMITS.rows) throw new XlsxTooLargeError(`more than ${XLSX_LIMITS.rows} rows`)
  if (cells > XLSX_LIMITS.columns)
    throw new XlsxTooLargeError(`row ${rowNumber} has ${cells} cells, more than ${XLSX_LIMITS.columns}`)
}
