// The records of a CSV text stream, parsed by PapaParse (about 4x csv-parse's speed here), as
// an async generator of record batches that the consumer pulls: the text stream is paused while
// batches wait, so a slow COPY holds back the read instead of filling the memory.
//
// PapaParse's streaming has known defects, each met here:
// - it guesses the line ending from the first chunk and keeps it (mholt/PapaParse#1132): the
//   caller passes `newline`, sniffed from the file's head;
// - it decodes bytes chunk by chunk, breaking characters cut at a boundary (#1132): it is given
//   text, decoded by the caller;
// - its pause() buffers the whole rest of the stream (#1132): the text stream is paused instead;
// - it reports InvalidQuotes for a row cut at a chunk boundary that it then parses whole from the
//   next chunk (#1103): an error counts only when its row is among the rows it returned;
// - a quote never closed makes it re-read the growing rest of the file on every chunk: a record
//   longer than MAX_RECORD_CHARS fails the read.
import { pipeline, type Readable } from 'node:stream'
import Papa from 'papaparse'

/** No DKT record comes near this; a longer one is a quote left open. */
export const MAX_RECORD_CHARS = 1024 * 1024
/** Batches parsed ahead of the consumer before the text stream is paused. */
const AHEAD = 4

/** What is wrong at the first record the generator did not yield (the caller knows its line). */
export class CsvProblem extends Error {}

export interface CsvFormat {
  delimiter: string
  newline: '\n' | '\r\n' | '\r'
}

/**
 * Each batch holds the records of one chunk of text, in order. A malformed record fails the
 * generator with a CsvProblem once every record before it has been yielded.
 */
export async function* csvRecords(
  bytes: Readable,
  decoder: NodeJS.ReadWriteStream,
  format: CsvFormat,
): AsyncGenerator<string[][]> {
  const text = pipeline(bytes, decoder, (err) => err && fail(err)) as unknown as Readable
  const ready: string[][][] = []
  let failure: Error | null = null
  let finished = false
  let wake: (() => void) | null = null
  let received = 0
  const fail = (err: Error) => {
    failure ??= err
    wake?.()
  }
  text.on('data', (s: string) => (received += s.length))
  Papa.parse<string[]>(text, {
    delimiter: format.delimiter,
    newline: format.newline,
    chunk(results) {
      const { data, errors, meta } = results
      const error = errors.find((e) => e.type === 'Quotes' && (e.row ?? 0) < data.length)
      if (error) return stop(data.slice(0, error.row), new CsvProblem(quoteProblem(error.code)))
      if (received - meta.cursor > MAX_RECORD_CHARS)
        return stop(data, new CsvProblem(`a record runs past ${MAX_RECORD_CHARS} characters (a quote never closed?)`))
      if (data.length) ready.push(data)
      if (ready.length >= AHEAD) text.pause()
      wake?.()
    },
    complete() {
      finished = true
      wake?.()
    },
    error: fail,
  })
  function stop(good: string[][], err: Error) {
    if (good.length) ready.push(good)
    fail(err)
    text.destroy()
  }
  try {
    for (;;) {
      const batch = ready.shift()
      if (batch) {
        if (ready.length < AHEAD && text.isPaused()) text.resume()
        yield batch
      } else if (failure) throw failure
      else if (finished) return
      else await new Promise<void>((resolve) => (wake = resolve))
      wake = null
    }
  } finally {
    text.destroy()
  }
}

function quoteProblem(code: string): string {
  return code === 'MissingQuotes' ? 'a quote is never closed' : 'a closing quote is followed by more text'
}

/** The line ending of the file, from its head: the first one found (`\n` when there is none). */
export function detectNewline(head: string): CsvFormat['newline'] {
  const lf = head.indexOf('\n')
  if (lf > 0 && head[lf - 1] === '\r') return '\r\n'
  if (lf >= 0) {
    const cr = head.indexOf('\r')
    return cr >= 0 && cr < lf ? '\r' : '\n'
  }
  return head.includes('\r') ? '\r' : '\n'
}
