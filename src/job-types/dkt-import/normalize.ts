// The rules applied to every DKT row. Pure functions: raw text in, a clean record or a list of
// problems out. Amounts stay exact: integer cents (a row's amount has at most 13 integer
// digits, so its cents are a safe integer; sums go to bigint) and decimal strings.
import type { ColumnIndex, DktField } from './layout.js'

export type Moneda = 'ARS' | 'USD'

export interface DktRecord {
  /** Masked card number: first 6 and last 4 digits, the middle as asterisks. */
  tarjeta: string
  /** YYYY-MM-DD */
  fecha: string
  comercio: string
  comprobante: string
  cuotaNumero: number | null
  cuotaTotal: number | null
  /** Exact amount in cents (negative = refund): an integer under 10^15, exact in a double. */
  cents: number
  moneda: Moneda
  titular: string | null
}

export interface RowProblem {
  line: number
  column: string
  value: string
  reason: string
}

/** Single spaces between words, none around: most cells already are, and are returned as is. */
const collapse = (s: string) => (TIDY.test(s) ? s : s.replace(/\s+/g, ' ').trim())
const TIDY = /^(?:[^\s]+(?: [^\s]+)*)?$/

/** Full PAN or masked (450799******1234, 4507 99XX XXXX 1234): never returns the full number. */
export function maskCard(raw: string): string | null {
  if (PLAIN_PAN.test(raw)) return `${raw.slice(0, 6)}${'*'.repeat(raw.length - 10)}${raw.slice(-4)}`
  const compact = raw.replace(/[\s-]/g, '')
  if (!/^[0-9*xX#.]{13,19}$/.test(compact)) return null
  const first6 = compact.slice(0, 6)
  const last4 = compact.slice(-4)
  // The first six may be masked too in some exports; the last four never are.
  if (!/^(\d{6}|[*xX#.]{6})$/.test(first6) || !/^\d{4}$/.test(last4)) return null
  return `${/^\d/.test(first6) ? first6 : '******'}${'*'.repeat(compact.length - 10)}${last4}`
}

const PLAIN_PAN = /^\d{13,19}$/

/**
 * A file holds few distinct dates: each is parsed once. Bounded, so a file of random text does
 * not grow it without limit.
 */
const fechaCache = new Map<string, string | null>()

/** dd/mm/yyyy (also d/m/yyyy, dd-mm-yyyy) or yyyy-mm-dd, checked against the calendar. */
export function parseFecha(raw: string): string | null {
  let parsed = fechaCache.get(raw)
  if (parsed === undefined) {
    if (fechaCache.size >= 10_000) fechaCache.clear()
    parsed = parseFechaText(raw)
    fechaCache.set(raw, parsed)
  }
  return parsed
}

function parseFechaText(raw: string): string | null {
  const s = raw.trim()
  let y: number, m: number, d: number
  const dayFirst = /^(\d{1,2})[/-](\d{1,2})[/-](\d{4})$/.exec(s)
  const yearFirst = dayFirst ? null : /^(\d{4})-(\d{2})-(\d{2})(?:[ T]00:00(?::00(?:\.000)?)?Z?)?$/.exec(s)
  if (dayFirst) [d, m, y] = [Number(dayFirst[1]), Number(dayFirst[2]), Number(dayFirst[3])]
  else if (yearFirst) [y, m, d] = [Number(yearFirst[1]), Number(yearFirst[2]), Number(yearFirst[3])]
  else return null
  if (y < 1900 || y > 2999 || m < 1 || m > 12 || d < 1) return null
  const daysInMonth = new Date(Date.UTC(y, m, 0)).getUTCDate()
  if (d > daysInMonth) return null
  return `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`
}

/**
 * "1.234,56", "1234,56", "1234.56", "1,234.56", "-12", "(12,50)" -> cents. With both separators
 * the last one is the decimal mark; with only "," it is the decimal mark; with only "." it is
 * the decimal mark unless it groups thousands more than once ("1.234.567").
 */
export function parseImporte(raw: string): number | null {
  // The common shapes ("1234,56", "-12.5", "300") first, with the same result as the rules below.
  const plain = PLAIN_AMOUNT.exec(raw)
  if (plain) {
    const frac = plain[3]
    const cents = Number(plain[2]) * 100 + (frac === undefined ? 0 : Number(frac.length === 1 ? `${frac}0` : frac))
    return plain[1] ? -cents : cents
  }
  let s = raw
    .trim()
    .replace(/\s/g, '')
    .replace(/^\$|^(?:ARS|USD|U\$S|US\$)/i, '')
  let negative = false
  if (/^\(.*\)$/.test(s)) {
    negative = true
    s = s.slice(1, -1)
  }
  if (s.startsWith('-')) {
    negative = !negative
    s = s.slice(1)
  } else if (s.startsWith('+')) s = s.slice(1)
  if (!/^[\d.,]+$/.test(s) || !/\d/.test(s)) return null
  const lastDot = s.lastIndexOf('.')
  const lastComma = s.lastIndexOf(',')
  let intPart: string
  let frac = ''
  if (lastDot >= 0 && lastComma >= 0) {
    const decimal = lastDot > lastComma ? '.' : ','
    const group = decimal === '.' ? ',' : '.'
    const at = s.lastIndexOf(decimal)
    intPart = s.slice(0, at)
    frac = s.slice(at + 1)
    if (!new RegExp(`^\\d{1,3}(\\${group}\\d{3})*$`).test(intPart)) return null
    intPart = intPart.split(group).join('')
  } else if (lastComma >= 0 || lastDot >= 0) {
    const sep = lastComma >= 0 ? ',' : '.'
    const parts = s.split(sep)
    if (parts.length === 2) [intPart, frac] = [parts[0]!, parts[1]!]
    else if (sep === '.' && /^\d{1,3}(\.\d{3})+$/.test(s)) intPart = parts.join('')
    else return null
  } else intPart = s
  if (!/^\d+$/.test(intPart) || !/^\d{0,2}$/.test(frac) || intPart.length > 13) return null
  const cents = Number(intPart) * 100 + Number(frac.padEnd(2, '0'))
  return negative ? -cents : cents
}

const PLAIN_AMOUNT = /^(-?)(\d{1,13})(?:[.,](\d{1,2}))?$/

/** cents -> "1234.56" (what PostgreSQL's numeric reads): a row's safe integer, or a sum's bigint. */
export function centsToDecimal(cents: number | bigint): string {
  if (typeof cents === 'number') {
    const abs = Math.abs(cents)
    const frac = abs % 100
    return `${cents < 0 ? '-' : ''}${(abs - frac) / 100}.${frac < 10 ? '0' : ''}${frac}`
  }
  const sign = cents < 0n ? '-' : ''
  const abs = cents < 0n ? -cents : cents
  return `${sign}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`
}

export function parseMoneda(raw: string): Moneda | null {
  if (raw === 'ARS' || raw === 'USD') return raw
  const s = raw.trim().toUpperCase().replace(/\s/g, '')
  if (s === '' || s === 'ARS' || s === '$' || s === 'PESOS' || s === '$AR') return 'ARS'
  if (s === 'USD' || s === 'U$S' || s === 'US$' || s === 'U$D' || s === 'DOLARES' || s === 'DÓLARES') return 'USD'
  return null
}

/** "1/3", "01/03", "" -> installment number and total. */
export function parseCuota(raw: string): { numero: number; total: number } | null | 'invalid' {
  const s = raw.trim()
  if (s === '') return null
  const m = /^(\d{1,2})\s*(?:\/|de)\s*(\d{1,2})$/i.exec(s)
  if (!m) return 'invalid'
  const numero = Number(m[1])
  const total = Number(m[2])
  return numero >= 1 && total >= 1 && numero <= total ? { numero, total } : 'invalid'
}

const MAX_TEXT = 200

/** Applies every rule to one row; `line` is the row's line in the file (for problems). */
export function normalizeRow(
  cells: readonly string[],
  index: ColumnIndex<DktField>,
  line: number,
): { record: DktRecord; problems: [] } | { record: null; problems: RowProblem[] } {
  const problems: RowProblem[] = []
  const cell = (f: DktField) => {
    const i = index[f]
    return i === undefined ? '' : String(cells[i] ?? '')
  }
  const bad = (column: DktField, reason: string) =>
    problems.push({ line, column, value: cell(column).slice(0, 100), reason })

  const tarjeta = maskCard(cell('tarjeta'))
  if (!tarjeta) bad('tarjeta', 'not a card number (13 to 19 characters, first 6 and last 4 digits)')
  const fecha = parseFecha(cell('fecha'))
  if (!fecha) bad('fecha', 'not a date (dd/mm/yyyy or yyyy-mm-dd)')
  const comercio = collapse(cell('comercio'))
  if (!comercio) bad('comercio', 'empty')
  else if (comercio.length > MAX_TEXT) bad('comercio', `longer than ${MAX_TEXT} characters`)
  const comprobante = collapse(cell('comprobante'))
  if (!comprobante) bad('comprobante', 'empty')
  else if (comprobante.length > 50) bad('comprobante', 'longer than 50 characters')
  const cuota = parseCuota(cell('cuota'))
  if (cuota === 'invalid') bad('cuota', 'not an installment like 1/3')
  const cents = parseImporte(cell('importe'))
  if (cents === null) bad('importe', 'not an amount (1.234,56 or 1234.56, at most 2 decimals)')
  const moneda = parseMoneda(cell('moneda'))
  if (!moneda) bad('moneda', 'not ARS or USD')
  const titular = collapse(cell('titular'))
  if (titular.length > MAX_TEXT) bad('titular', `longer than ${MAX_TEXT} characters`)

  if (problems.length > 0) return { record: null, problems }
  return {
    record: {
      tarjeta: tarjeta!,
      fecha: fecha!,
      comercio,
      comprobante,
      cuotaNumero: cuota && cuota !== 'invalid' ? cuota.numero : null,
      cuotaTotal: cuota && cuota !== 'invalid' ? cuota.total : null,
      cents: cents!,
      moneda: moneda!,
      titular: titular || null,
    },
    problems: [],
  }
}
