// One row in PostgreSQL's COPY text format: tab-separated, \N for NULL, with backslash, tab,
// newline and carriage return escaped.
const SPECIAL = /[\\\t\n\r]/
const escape = (v: string) =>
  SPECIAL.test(v) ? v.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r') : v

export function copyLine(values: readonly (string | number | null)[]): string {
  let line = ''
  for (let i = 0; i < values.length; i++) {
    const v = values[i]
    if (i > 0) line += '\t'
    line += v === null || v === undefined ? '\\N' : typeof v === 'number' ? String(v) : escape(v)
  }
  return `${line}\n`
}
