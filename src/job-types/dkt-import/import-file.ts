// Imports one stored DKT file into a new lote, all or nothing: one transaction holds the lote
// and its rows; nothing is visible before COMMIT, and a cancel, a failure or a crash (the
// connection dies, PostgreSQL rolls back) leaves no rows and no lote. Runs in a worker thread:
// the file is streamed from storage, parsed and checked row by row (lote-loader.ts) and COPYed
// while it is read.
import { pipeline } from 'node:stream/promises'
import type pg from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import { JobError } from '../../errors.js'
import { type ProcessorContext, untraced } from '../../jobs/processor.js'
import { confirmClaim } from '../../queue/confirm-claim.js'
import { peakMemory } from '../../reports/report-file.js'
import type { Storage } from '../../storage/storage.js'
import type { FileKind } from './file-kind.js'
import { LoteLoader, type LoteTotal } from './lote-loader.js'
import {
  COPY_ROWS,
  CREATE_DUPLICATES,
  DUPLICATE_TOTALS,
  DUPLICATES,
  FINISH_LOTE,
  INSERT_LOTE,
  LOTE_OF_JOB,
  removeDuplicates,
} from './lote-sql.js'
import type { RowProblem } from './normalize.js'
import { createProblemLog, PROBLEMS_IN_RESULT, type ProblemLog } from './problem-log.js'
import { readRows } from './read-rows.js'

export interface DktImportInput {
  jobId: string
  /** The job's attempt: the claim the import confirms before it commits. */
  attempt: number
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
  /** Each phase as a span of the job's trace (ProcessorContext.trace); absent: untraced. */
  trace?: ProcessorContext['trace']
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
  totals: LoteTotal[]
}

export interface DktImportResult extends LoteSummary {
  loteId: string
  problemCount: number
  problems: RowProblem[]
  problemsFile: { key: string; bytes: number } | null
  /** How the run went, as exports and reports say it (absent when an earlier attempt had committed). */
  performanceMetrics?: ImportMetrics
}

/** Each phase's time and rate: reading the file into COPY, finding repeats, finishing and committing. */
export interface ImportMetrics {
  processingTimeMs: number
  peakMemoryMB: number
  recordsProcessed: number
  rowsPerSecond: number
  phases: { readAndCopyMs: number; readRowsPerSecond: number; duplicatesMs: number; commitMs: number }
}

/** Share of the progress bar for reading the file; the rest is the database's final steps. */
const READ_SHARE = 95
/**
 * A DKT row's size in the file, on the short side (bank CSVs run 80 to 120 bytes a row, XLSX
 * about 50 zipped), so that the rows a file suggests are at least the rows it holds: the
 * fingerprint table is presized from them, and one that has to double finds more false
 * candidates afterwards (fingerprints.ts).
 */
const BYTES_PER_ROW: Record<FileKind, number> = { csv: 80, xlsx: 50 }
/** COPY text is sent in pieces of about this many characters (one CopyData message each). */
const COPY_PIECE = 65536

export async function importDktFile(
  input: DktImportInput,
  deps: DktImportDeps,
  options: { maxFingerprintSlots?: number } = {},
): Promise<DktImportResult> {
  const { signal } = deps
  const phase = deps.trace ?? untraced
  const earlier = await earlierAttempt(deps, input)
  if (earlier) return earlier
  signal.throwIfAborted()
  const startedAt = performance.now()
  const memory = peakMemory()
  const problems = createProblemLog(deps.storage, `imports/${input.jobId}/problems.csv`)
  const loader = new LoteLoader({
    loteId: input.loteId,
    onError: input.onError,
    addProblem: (p) => problems.add(p),
    maxFingerprintSlots: options.maxFingerprintSlots,
    expectedRows: Math.floor(input.size / BYTES_PER_ROW[input.kind]),
  })
  const client = await deps.pool.connect()
  let keepProblems = false
  let copyOpen = false
  let clientBroken = false
  try {
    await client.query('BEGIN')
    await client.query(INSERT_LOTE, [input.loteId, input.userId, input.jobId, input.fileName, input.sha256, input.size])
    const copy = client.query(copyFrom(COPY_ROWS))
    copyOpen = true
    const source = await deps.storage.get(input.fileKey)
    const stopReading = () => source.destroy(signal.reason as Error)
    signal.addEventListener('abort', stopReading, { once: true })
    const progress = readProgress(input.size, deps.progress)
    let bytes = 0
    // The rows as COPY text into PostgreSQL: pipeline() waits for room, ends the COPY, and
    // fails with whichever side fails first (a bad file, a refused row, a lost connection).
    async function* copyText(): AsyncGenerator<string> {
      for await (const batch of readRows(source, input.kind, (n) => (bytes += n))) {
        for (const row of batch) loader.accept(row)
        if (loader.pendingCopyText >= COPY_PIECE) yield loader.takeCopyText()
        await problems.flush()
        progress(bytes, loader.rowsRead)
      }
      signal.throwIfAborted()
      if (!loader.sawHeader) throw new JobError('DKT_EMPTY', 'the file has no rows (not even a header)')
      const rest = loader.takeCopyText()
      if (rest) yield rest
    }
    await phase('dkt-import read-and-copy', async (span) => {
      try {
        await pipeline(copyText, copy)
      } finally {
        signal.removeEventListener('abort', stopReading)
        span.set({ 'faena.rows.read': loader.rowsRead, 'faena.bytes.read': bytes })
      }
    })
    copyOpen = false
    progress(bytes, loader.rowsRead, true)
    const copiedAt = performance.now()
    memory.sample()

    const { rowsRead, rowsInvalid } = loader
    if (rowsInvalid > 0 && input.onError === 'reject') {
      const file = await problems.close()
      keepProblems = true
      throw new JobError(
        'DKT_INVALID_ROWS',
        `${rowsInvalid} of ${rowsRead} rows are invalid; nothing was imported (send onError=skip to import the valid ones)`,
        {
          rowsRead,
          rowsInvalid,
          problemCount: problems.count,
          problems: sortedFirst(problems.first) as never,
          problemsFile: file as never,
        },
      )
    }
    if (loader.rowsLoaded === 0) {
      throw new JobError(
        'DKT_NO_ROWS',
        rowsRead === 0 ? 'the file has a header but no rows' : 'no row of the file is valid',
      )
    }

    deps.progress(READ_SHARE, 'checking repeated rows', { processedItems: rowsRead, totalItems: rowsRead })
    const duplicates = await phase('dkt-import duplicates', async (span) => {
      const n = await removeRepeatedRows(client, input.loteId, loader, problems)
      span.set({ 'faena.rows.duplicate': n })
      return n
    })
    const checkedAt = performance.now()
    signal.throwIfAborted()
    const summary: LoteSummary = {
      fileName: input.fileName,
      rowsRead,
      rowsImported: loader.rowsLoaded - duplicates,
      rowsInvalid,
      rowsDuplicate: duplicates,
      dateFrom: loader.dateFrom,
      dateTo: loader.dateTo,
      totals: loader.totals(),
    }
    const file = await phase('dkt-import commit', async (span) => {
      span.set({ 'faena.rows.imported': summary.rowsImported })
      await client.query(FINISH_LOTE, [
        input.loteId,
        rowsRead,
        summary.rowsImported,
        rowsInvalid,
        duplicates,
        summary.dateFrom,
        summary.dateTo,
        JSON.stringify(summary.totals),
        problems.count,
      ])
      const kept = await problems.close()
      keepProblems = true
      signal.throwIfAborted()
      if (!(await confirmClaim(client, input.jobId, input.attempt))) {
        throw new JobError(
          'LEASE_LOST',
          'this attempt no longer holds the job (its lease expired); nothing was imported by it',
        )
      }
      await client.query('COMMIT')
      return kept
    })
    const endedAt = performance.now()
    deps.progress(100, `imported ${summary.rowsImported} rows`, { processedItems: rowsRead, totalItems: rowsRead })
    const perSecond = (rows: number, ms: number) => (ms > 0 ? Math.round((rows * 1000) / ms) : 0)
    memory.sample()
    const performanceMetrics: ImportMetrics = {
      processingTimeMs: Math.round(endedAt - startedAt),
      peakMemoryMB: memory.mb,
      recordsProcessed: rowsRead,
      rowsPerSecond: perSecond(rowsRead, endedAt - startedAt),
      phases: {
        readAndCopyMs: Math.round(copiedAt - startedAt),
        readRowsPerSecond: perSecond(rowsRead, copiedAt - startedAt),
        duplicatesMs: Math.round(checkedAt - copiedAt),
        commitMs: Math.round(endedAt - checkedAt),
      },
    }
    return {
      loteId: input.loteId,
      ...summary,
      problemCount: problems.count,
      problems: sortedFirst(problems.first),
      problemsFile: file ? { key: file.key, bytes: file.size } : null,
      performanceMetrics,
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

/**
 * An earlier attempt of this job that committed its lote but died before the job was marked
 * COMPLETED: its lote is the result (the problems CSV, if any, is still in storage).
 */
async function earlierAttempt(deps: DktImportDeps, input: DktImportInput): Promise<DktImportResult | null> {
  const {
    rows: [lote],
  } = await deps.pool.query(LOTE_OF_JOB, [input.jobId])
  if (!lote) return null
  const problemsKey = `imports/${input.jobId}/problems.csv`
  const problemsBytes = await deps.storage.size(problemsKey)
  return {
    loteId: lote.id,
    fileName: lote.file_name,
    rowsRead: lote.rows_read,
    rowsImported: lote.rows_imported,
    rowsInvalid: lote.rows_invalid,
    rowsDuplicate: lote.rows_duplicate,
    dateFrom: lote.date_from,
    dateTo: lote.date_to,
    totals: lote.totals,
    problemCount: lote.problem_count,
    problems: [], // the CSV has them all
    problemsFile: problemsBytes === null ? null : { key: problemsKey, bytes: problemsBytes },
  }
}

/**
 * Deletes the rows that repeat an earlier line (exactly compared, among the fingerprint's
 * candidates or, if its table filled up, across the lote), reports each, and takes them out of
 * the totals. Returns how many there were.
 */
async function removeRepeatedRows(
  client: pg.PoolClient,
  loteId: string,
  loader: LoteLoader,
  problems: ProblemLog,
): Promise<number> {
  const candidates = loader.duplicateCandidates()
  if (candidates?.length === 0) return 0
  await client.query(CREATE_DUPLICATES)
  await client.query(removeDuplicates(candidates !== null), candidates ? [loteId, candidates] : [loteId])
  const { rows: removed } = await client.query(DUPLICATE_TOTALS)
  loader.removeDuplicates(removed)
  await client.query(`DECLARE dkt_dups NO SCROLL CURSOR FOR ${DUPLICATES}`)
  let count = 0
  for (;;) {
    const { rows } = await client.query('FETCH 10000 FROM dkt_dups')
    if (rows.length === 0) break
    for (const d of rows)
      problems.add({ line: d.linea, column: '*', value: '', reason: `duplicate of line ${d.primera}: imported once` })
    count += rows.length
    await problems.flush()
  }
  await client.query('CLOSE dkt_dups')
  return count
}

/** Progress while reading: by bytes (the row total is estimated from them), every 1% or second. */
function readProgress(size: number, report: DktImportDeps['progress']) {
  let lastReport = 0
  let lastPercent = -1
  return (bytes: number, rows: number, force = false) => {
    const fraction = size > 0 ? Math.min(1, bytes / size) : 0
    const percent = Math.floor(fraction * READ_SHARE)
    const now = Date.now()
    if (!force && percent === lastPercent && now - lastReport < 1000) return
    lastPercent = percent
    lastReport = now
    const estimate = fraction > 0 ? Math.max(rows, Math.round(rows / fraction)) : rows
    report(percent, `reading: ${rows} rows`, { processedItems: rows, totalItems: estimate })
  }
}

function sortedFirst(first: RowProblem[]): RowProblem[] {
  return [...first].sort((a, b) => a.line - b.line).slice(0, PROBLEMS_IN_RESULT)
}
