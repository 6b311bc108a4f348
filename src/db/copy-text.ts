// PostgreSQL's COPY text format, both ways: tab-separated fields, one row per line, \N for
// NULL, and backslash, tab, newline and carriage return (and, read back, \b \f \v) escaped.
import { StringDecoder } from 'node:string_decoder'

const SPECIAL = /[\\\t\n\r]/
const escapeText = (v: string) =>
  SPECIAL.test(v) ? v.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r') : v

export function copyLine(values: readonly (string | number | null)[]): string {
  let line = ''
  for (let i = 0; i < values.length; i++) {
    const v = values[i]
    if (i > 0) line += '\t'
    line += v === null || v === undefined ? '\\N' : typeof v === 'number' ? String(v) : escapeText(v)
  }
  return `${line}\n`
}

const UNESCAPED: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' }

/** One line of COPY ... TO STDOUT (without its newline) as its fields, null for \N. */
export function copyFields(line: string): (string | null)[] {
  const fields: (string | null)[] = line.split('\t')
  if (!line.includes('\\')) return fields
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!
    if (f === '\\N') fields[i] = null
    else if (f.includes('\\')) fields[i] = f.replace(/\\(.)/g, (_, c: string) => UNESCAPED[c] ?? c)
  }
  return fields
}

/**
 * The lines of a COPY ... TO STDOUT stream (without their newlines), in batches: the complete
 * lines of each chunk. Each line becomes fields (copyFields) when its row is wanted, so that a
 * batch's rows are not all held as fields while the first ones are written: values that live
 * long enough to survive a minor GC are copied, and promoted to the old generation if they
 * survive two. Pulling drives the query: a consumer that stops pulling stops PostgreSQL at its
 * socket.
 */
export async function* copyLines(stream: AsyncIterable<Buffer>): AsyncGenerator<string[]> {
  const decoder = new StringDecoder('utf8')
  let rest = ''
  for await (const chunk of stream) {
    const lines = (rest + decoder.write(chunk)).split('\n')
    rest = lines.pop()!
    if (lines.length) yield lines
  }
  rest += decoder.end()
  if (rest) throw new Error('COPY output ended in the middle of a row')
}
