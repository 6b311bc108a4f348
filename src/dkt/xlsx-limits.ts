// Limits on what an uploaded XLSX may unfold into, so that a hostile or broken file (a zip bomb,
// a giant shared-string table, a sheet millions of columns wide) fails its job with a clear
// error instead of filling the disk or the memory of the process. The decompressed size is
// measured by inflating the archive once before the import reads it (ExcelJS gives no hook
// on its own inflating, and may spill a sheet to a temporary file before reading it): real
// bytes, not the sizes the archive claims.
import type { Readable } from 'node:stream'
import type { Entry } from 'unzipper'
import { JobError } from '../../workers/processor.js'

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

/** Inflates every entry of the archive, counting; throws XlsxTooLargeError past the limit. */
export async function checkXlsxSize(source: Readable, maxBytes = XLSX_LIMITS.uncompressedBytes): Promise<number> {
  const { default: unzipper } = await import('unzipper')
  const zip = source.pipe(unzipper.Parse({ forceStream: true }))
  source.on('error', (err) => zip.destroy(err))
  let total = 0
  try {
    for await (const entry of zip as AsyncIterable<Entry>) {
      for await (const chunk of entry as AsyncIterable<Buffer>) {
        total += chunk.length
        if (total > maxBytes) throw new XlsxTooLargeError(`its entries hold more than ${maxBytes} bytes`)
      }
    }
    return total
  } finally {
    source.destroy()
    zip.destroy()
  }
}

/** Throws past the row or column limit (the rows are counted by the reader). */
export function checkXlsxRow(rowNumber: number, cells: number): void {
  if (rowNumber > XLSX_LIMITS.rows) throw new XlsxTooLargeError(`more than ${XLSX_LIMITS.rows} rows`)
  if (cells > XLSX_LIMITS.columns) throw new XlsxTooLargeError(`row ${rowNumber} has ${cells} cells, more than ${XLSX_LIMITS.columns}`)
}
