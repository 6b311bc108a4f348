// Imports one stored DKT file into a new lote, all or nothing: one transaction holds the lote,
// its rows and the staging table; nothing is visible before COMMIT, and a cancel, a failure or
// a crash (the connection dies, PostgreSQL rolls back) leaves no rows and no lote. Runs in a
// worker thread: the file is streamed from storage, parsed and checked row by row, and COPYed.
import { once } from 'node:events'
import type pg from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import type { Storage } from '../storage/storage.js'
import { JobError } from '../../workers/processor.js'
import { copyLine } from './copy-text.js'
import type { FileKind } from './file-kind.js'
import { DKT_LAYOUT, mapHeader, type ColumnIndex, type DktField } from './layout.js'
import { COPY_STAGING, CREATE_STAGING, DUPLICATES, FINISH_LOTE, INSERT_LOTE, MOVE_ROWS } from './lote-sql.js'
import { centsToDecimal, normalizeRow, type RowProblem } from './normalize.js'
import { createProblemLog, PROBLEMS_IN_RESULT } from './problem-log.js'
import { readRows } from './read-rows.js'

export interface DktImportInput {
  jobId: string
  userId: string
  loteId: string
  fileKey: string
  fileName: string
  sha256: string
  size: number
  kind: FileKind
  onError: 'reject' | 'skip'
}

export interface DktImportDeps {
  pool: pg.Pool
  storage: Storage
  signal: AbortSignal
  progress(percent: number, message: string, counts: { processedItems: number; totalItems: number }): void
}

/** What a lote records of its import (the lote row, the job's result). */
export interface LoteSummary {
  fileName: string
  rowsRead: number
  rowsImported: number
  rowsInvalid: number
  rowsDuplicate: number
  dateFrom: string | null
  dateTo: string | null
  totals: { moneda: string; importe: string; rows: number }[]
}

export interface DktImportResult extends LoteSummary {
  loteId: string
  problemCount: number
  problems: RowProblem[]
  problemsFile: { key: string; bytes: number } | null
}

/** Share of the progress bar for reading the file; the rest is the database's final steps. */
const READ_SHARE = 90

export async function importDktFile(input: DktImportInput, deps: DktImportDeps): Promise<DktImportResult> {
  const { signal } = deps
  const problems = createProblemLog(deps.storage, `imports/${input.jobId}/problems.csv`)
  const client = await deps.pool.connect()
  let keepProblems = false
  let copyOpen = false
  let clientBroken = false
  try {
    await client.query('BEGIN')
    await client.query(CREATE_STAGING)
    const copy = client.query(copyFrom(COPY_STAGING))
    copyOpen = true
    const copyFailed = new Promise<never>((_, reject) => copy.once('error', reject))
    copyFailed.catch(() => {})
    // Rows go to COPY in ~64 KiB batches: one stream write (and one CopyData message) per row
    // would cost more than parsing the row.
    let batch = ''
    const flushBatch = async () => {
      if (!batch) return
      const ok = copy.write(batch)
      batch = ''
      if (!ok) await Promise.race([once(copy, 'drain'), copyFailed])
    }

    const source = await deps.storage.get(input.fileKey)
    const stopReading = () => source.destroy(signal.reason as Error)
    signal.addEventListener('abort', stopReading, { once: true })

    let index: ColumnIndex<DktField> | null = null
    let rowsRead = 0
    let invalidRows = 0
    let bytes = 0
    let lastReport = 0
    let lastPercent = -1
    const report = (force = false) => {
      const fraction = input.size > 0 ? Math.min(1, bytes / input.size) : 0
      const percent = Math.floor(fraction * READ_SHARE)
      const now = Date.now()
      if (!force && percent === lastPercent && now - lastReport < 1000) return
      lastPercent = percent
      lastReport = now
      const estimate = fraction > 0 ? Math.max(rowsRead, Math.round(rowsRead / fraction)) : rowsRead
      deps.progress(percent, `reading: ${rowsRead} rows`, { processedItems: rowsRead, totalItems: estimate })
    }

    try {
      for await (const row of readRows(source, input.kind, (n) => (bytes += n))) {
        if (!index) {
          const header = mapHeader(DKT_LAYOUT, row.cells)
          if (!header.ok) {
            const parts = [
              header.missing.length ? `missing column(s) ${header.missing.join(', ')}` : '',
              header.duplicated.length ? `column(s) given twice: ${header.duplicated.join(', ')}` : '',
            ].filter(Boolean)
            throw new JobError('DKT_BAD_HEADER', `line ${row.line} is not a DKT header: ${parts.join('; ')}`, {
              line: row.line,
              missing: header.missing,
              duplicated: header.duplicated,
            })
          }
          index = header.index
          continue
        }
        rowsRead++
        const r = normalizeRow(row.cells, index, row.line)
        if (r.record) {
          // With onError=reject one bad row sinks the file: stop loading, keep checking.
          if (invalidRows === 0 || input.onError === 'skip') {
            const rec = r.record
            batch += copyLine([row.line, rec.tarjeta, rec.fecha, rec.comercio, rec.comprobante, rec.cuotaNumero, rec.cuotaTotal, centsToDecimal(rec.cents), rec.moneda, rec.titular])
            if (batch.length >= 65536) await flushBatch()
          }
        } else {
          invalidRows++
          for (const p of r.problems) await problems.add(p)
        }
        report()
      }
    } finally {
      signal.removeEventListener('abort', stopReading)
    }
    signal.throwIfAborted()
    if (!index) throw new JobError('DKT_EMPTY', 'the file has no rows (not even a header)')
    await flushBatch()
    copy.end()
    await Promise.race([once(copy, 'finish'), copyFailed])
    copyOpen = false
    report(true)

    if (invalidRows > 0 && input.onError === 'reject') {
      const file = await problems.close()
      keepProblems = true
      throw new JobError(
        'DKT_INVALID_ROWS',
        `${invalidRows} of ${rowsRead} rows are invalid; nothing was imported (send onError=skip to import the valid ones)`,
        { rowsRead, rowsInvalid: invalidRows, problemCount: problems.count, problems: sortedFirst(problems.first) as never, problemsFile: file as never },
      )
    }
    if (rowsRead - invalidRows === 0) {
      throw new JobError('DKT_NO_ROWS', rowsRead === 0 ? 'the file has a header but no rows' : 'no row of the file is valid')
    }

    deps.progress(READ_SHARE, 'loading into the database', { processedItems: rowsRead, totalItems: rowsRead })
    await client.query(INSERT_LOTE, [input.loteId, input.userId, input.jobId, input.fileName, input.sha256, input.size, rowsRead, invalidRows])
    await client.query(MOVE_ROWS, [input.loteId])
    signal.throwIfAborted()

    let duplicates = 0
    await client.query(`DECLARE dkt_dups NO SCROLL CURSOR FOR ${DUPLICATES}`)
    for (;;) {
      const { rows } = await client.query('FETCH 10000 FROM dkt_dups')
      if (rows.length === 0) break
      for (const d of rows) {
        duplicates++
        await problems.add({ line: d.linea, column: '*', value: '', reason: `duplicate of line ${d.primera}: imported once` })
      }
    }
    await client.query('CLOSE dkt_dups')
    const { rows: [lote] } = await client.query(FINISH_LOTE, [input.loteId, duplicates])
    const file = await problems.close()
    keepProblems = true
    signal.throwIfAborted()
    await client.query('COMMIT')
    deps.progress(100, `imported ${lote.rows_imported} rows`, { processedItems: rowsRead, totalItems: rowsRead })
    return {
      loteId: input.loteId,
      fileName: input.fileName,
      rowsRead,
      rowsImported: lote.rows_imported,
      rowsInvalid: invalidRows,
      rowsDuplicate: duplicates,
      dateFrom: lote.date_from,
      dateTo: lote.date_to,
      totals: lote.totals,
      problemCount: problems.count,
      problems: sortedFirst(problems.first),
      problemsFile: file ? { key: file.key, bytes: file.size } : null,
    }
  } catch (err) {
    // In the middle of a COPY the connection cannot take a ROLLBACK: drop it instead, and
    // PostgreSQL rolls the transaction back. Either way nothing of this import remains.
    if (copyOpen) clientBroken = true
    else await client.query('ROLLBACK').catch(() => (clientBroken = true))
    if (!keepProblems) await problems.discard()
    throw err
  } finally {
    client.release(clientBroken)
  }
}

function sortedFirst(first: RowProblem[]): RowProblem[] {
  return [...first].sort((a, b) => a.line - b.line).slice(0, PROBLEMS_IN_RESULT)
}
