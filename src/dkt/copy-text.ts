// One row in PostgreSQL's COPY text format: tab-separated, \N for NULL, with backslash, tab,
// newline and carriage return escaped.
const escape = (v: string) =>
  /[\\\t\n\r]/.test(v) ? v.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r') : v

export function copyLine(values: readonly (string | number | null)[]): string {
  return `${values.map((v) => (v === null ? '\\N' : typeof v === 'number' ? String(v) : escape(v))).join('\t')}\n`
}
