// Turns the rows of a DKT file into COPY text for resumen_tarjeta and keeps what the lote
// records of them: counts, date range, totals per currency, problems, and the lines that may
// repeat an earlier one (checked exactly in SQL once loaded). Synchronous and free of I/O, so
// the import awaits once per batch of rows, not once per row.

import { copyLine } from '../../db/copy-text.js'
import { JobError } from '../../errors.js'
import { DEFAULT_MAX_SLOTS, FingerprintSet, slotsFor } from './fingerprints.js'
import { type ColumnIndex, DKT_LAYOUT, type DktField, mapHeader } from './layout.js'
import { centsToDecimal, type Moneda, normalizeRow, type RowProblem } from './normalize.js'
import type { Row } from './read-rows.js'

export interface LoteLoaderOptions {
  loteId: string
  onError: 'reject' | 'skip'
  addProblem(p: RowProblem): void
  /** Fingerprint table size limit (a power of two); beyond it the whole lote is checked in SQL. */
  maxFingerprintSlots?: number
  /**
   * Rows the file probably has: the fingerprint table starts at its size, instead of doubling
   * its way there (each doubling briefly holds the old table and the new one, twice the size).
   */
  expectedRows?: number
}

export interface LoteTotal {
  moneda: Moneda
  /** Exact decimal, e.g. "-1234.50". */
  importe: string
  rows: number
}

export class LoteLoader {
  rowsRead = 0
  rowsInvalid = 0
  /** Rows COPYed so far (duplicates included; they are removed after the check). */
  rowsLoaded = 0
  dateFrom: string | null = null
  dateTo: string | null = null
  #index: ColumnIndex<DktField> | null = null
  #copy = ''
  readonly #fingerprints: FingerprintSet
  /** Pairs: line first seen with a fingerprint, line that repeated it. */
  readonly #candidates: number[] = []
  readonly #totals = new Map<Moneda, Total>()

  constructor(private readonly options: LoteLoaderOptions) {
    this.#fingerprints = new FingerprintSet(
      options.maxFingerprintSlots ?? DEFAULT_MAX_SLOTS,
      slotsFor(options.expectedRows ?? 0),
    )
  }

  get sawHeader(): boolean {
    return this.#index !== null
  }

  /** With onError=reject, one invalid row means nothing is imported: rows are only checked. */
  get loading(): boolean {
    return this.rowsInvalid === 0 || this.options.onError === 'skip'
  }

  accept(row: Row): void {
    if (!this.#index) {
      this.#index = headerIndex(row)
      return
    }
    this.rowsRead++
    const r = normalizeRow(row.cells, this.#index, row.line)
    if (!r.record) {
      this.rowsInvalid++
      for (const p of r.problems) this.options.addProblem(p)
      return
    }
    if (!this.loading) return
    const rec = r.record
    const importe = centsToDecimal(rec.cents)
    const key = `${rec.tarjeta}\t${rec.fecha}\t${rec.comprobante}\t${rec.cuotaNumero ?? ''}/${rec.cuotaTotal ?? ''}\t${importe}`
    const first = this.#fingerprints.add(key, row.line)
    if (first > 0) this.#candidates.push(first, row.line)
    const total = this.#totals.get(rec.moneda)
    if (total) {
      total.pending += rec.cents
      if (total.pending > FOLD_AT || total.pending < -FOLD_AT) foldTotal(total)
      total.rows++
    } else this.#totals.set(rec.moneda, { cents: 0n, pending: rec.cents, rows: 1 })
    if (this.dateFrom === null || rec.fecha < this.dateFrom) this.dateFrom = rec.fecha
    if (this.dateTo === null || rec.fecha > this.dateTo) this.dateTo = rec.fecha
    this.rowsLoaded++
    this.#copy += copyLine([
      this.options.loteId,
      row.line,
      rec.tarjeta,
      rec.fecha,
      rec.comercio,
      rec.comprobante,
      rec.cuotaNumero,
      rec.cuotaTotal,
      importe,
      rec.moneda,
      rec.titular,
    ])
  }

  get pendingCopyText(): number {
    return this.#copy.length
  }

  takeCopyText(): string {
    const text = this.#copy
    this.#copy = ''
    return text
  }

  /**
   * The lines to check exactly for repeats: every flagged line and the line it matched. Null
   * when the fingerprint table filled up: then the whole lote must be checked.
   */
  duplicateCandidates(): number[] | null {
    if (this.#fingerprints.full) return null
    return [...new Set(this.#candidates)].sort((a, b) => a - b)
  }

  /** Takes the rows the exact check removed out of the totals. */
  removeDuplicates(removed: { moneda: Moneda; cents: string; rows: number }[]): void {
    for (const r of removed) {
      const total = this.#totals.get(r.moneda)!
      foldTotal(total)
      total.cents -= BigInt(r.cents)
      total.rows -= r.rows
    }
  }

  totals(): LoteTotal[] {
    return [...this.#totals]
      .filter(([, t]) => t.rows > 0)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([moneda, t]) => ({ moneda, importe: centsToDecimal(t.cents + BigInt(t.pending)), rows: t.rows }))
  }
}

/**
 * A currency's sum: a bigint, plus the rows added since it was last folded into it, summed as
 * a double while that stays exact (each row is under 10^15 cents, so a sum under FOLD_AT plus
 * one more row stays under 2^53). A bigint addition per row cost a tenth of the loader's time.
 */
interface Total {
  cents: bigint
  pending: number
  rows: number
}

const FOLD_AT = 4e15

function foldTotal(t: Total): void {
  t.cents += BigInt(t.pending)
  t.pending = 0
}

function headerIndex(row: Row): ColumnIndex<DktField> {
  const header = mapHeader(DKT_LAYOUT, row.cells)
  if (header.ok) return header.index
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
