// A data report's cells from the JSON values clients send: numbers stay numbers, ISO dates
// become dates in XLSX, objects and arrays are written as JSON text, and no text is ever run
// as a formula (XLSX strings never are; CSV text gets a leading apostrophe when it must).
import { defuseFormula } from '../../text/formula-safety.js'

/** Excel refuses longer cell text. */
export const MAX_CELL_TEXT = 32767

export type XlsxCell = string | number | boolean | Date | null

export const DATE_FORMATS = { date: 'yyyy-mm-dd', dateTime: 'yyyy-mm-dd hh:mm:ss' } as const

const ISO_DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/
const ISO_DATE_TIME =
  /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,9})?)?(Z|[+-]([01]\d|2[0-3]):?[0-5]\d)?$/

/** Cells of one row; `onTruncated` hears of text cut to Excel's limit. */
export function xlsxCells(
  row: Record<string, unknown>,
  keys: string[],
  onTruncated: () => void,
): { cells: XlsxCell[]; dates: (keyof typeof DATE_FORMATS | null)[] | null } {
  let dates: (keyof typeof DATE_FORMATS | null)[] | null = null
  const cells = keys.map((key, i): XlsxCell => {
    const v = row[key]
    switch (typeof v) {
      case 'number':
        return Number.isFinite(v) ? v : null
      case 'boolean':
        return v
      case 'string': {
        const date = isoDate(v)
        if (date) {
          dates ??= new Array(keys.length).fill(null)
          dates[i] = date.kind
          return date.value
        }
        if (v.length <= MAX_CELL_TEXT) return v
        onTruncated()
        return v.slice(0, MAX_CELL_TEXT)
      }
      case 'undefined':
        return null
      default:
        if (v === null) return null
        return jsonText(v, onTruncated)
    }
  })
  return { cells, dates }
}

/** Text cells of one CSV record. */
export function csvCells(row: Record<string, unknown>, keys: string[]): string[] {
  return keys.map((key) => {
    const v = row[key]
    if (v === null || v === undefined) return ''
    if (typeof v === 'string') return defuseFormula(v)
    if (typeof v === 'number') return Number.isFinite(v) ? String(v) : ''
    if (typeof v === 'boolean') return v ? 'true' : 'false'
    return defuseFormula(JSON.stringify(v))
  })
}

/** The keys of the first rows, in the order they first appear. */
export function keysOf(rows: Record<string, unknown>[]): string[] {
  const seen = new Set<string>()
  for (const r of rows) for (const k of Object.keys(r)) seen.add(k)
  return [...seen]
}

function isoDate(v: string): { kind: keyof typeof DATE_FORMATS; value: Date } | null {
  if (v.length < 10 || v.length > 35 || v.charCodeAt(4) !== 45 /* - */) return null
  const kind = ISO_DATE.test(v) ? 'date' : ISO_DATE_TIME.test(v) ? 'dateTime' : null
  if (!kind) return null
  // Excel has no time zones: a cell shows the wall-clock time as written, whatever its offset.
  const value = new Date(kind === 'date' ? `${v}T00:00:00Z` : `${v.replace(/(Z|[+-]\d\d:?\d\d)$/, '')}Z`)
  // 2026-02-31 matches the pattern but is not a day: keep such text as it is.
  if (Number.isNaN(value.getTime()) || (kind === 'date' && value.toISOString().slice(0, 10) !== v)) return null
  return { kind, value }
}

function jsonText(v: unknown, onTruncated: () => void): string {
  const text = JSON.stringify(v)
  if (text.length <= MAX_CELL_TEXT) return text
  onTruncated()
  return text.slice(0, MAX_CELL_TEXT)
}
