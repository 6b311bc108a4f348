// The JSON body of POST /jobs/report, taken as it arrives and never held whole: a streaming
// parser checks it ({reportType, userName?, columns?, format?, compress?, rows: [{...}, ...]})
// while its rows go to storage as NDJSON, one line per row, for the job to read. A body that
// is not JSON, has an unknown or malformed field, a row that is not an object, or is too large
// is refused with a 4xx that names the problem, and nothing is kept.
import { createHash, randomUUID } from 'node:crypto'
import { once } from 'node:events'
import type { PassThrough, Readable } from 'node:stream'
import { Tokenizer, TokenParser, TokenType } from '@streamparser/json'
import { FaenaError, ValidationError } from '../../errors.js'
import type { Storage } from '../../storage/storage.js'
import { storeProduced } from '../../storage/store-produced.js'
import { UploadTooLargeError } from '../../storage/store-upload.js'
import { type DataReportOptions, DataReportOptionsSchema, parseDataReportOptions } from './data-request.js'

/** Rows stored for a data report's job to read. */
export interface StoredRows {
  key: string
  /** NDJSON (one object per line) or a JSON array of objects. */
  kind: 'ndjson' | 'json-array'
  size: number
  /** Known when the rows came in the body; a file's rows are counted by the job. */
  rows?: number
}

/** Nesting that a cell's value may have; deeper is refused (and would only be JSON text). */
const MAX_DEPTH = 32
const OPTION_KEYS = Object.keys(DataReportOptionsSchema.properties)

export class InvalidJsonError extends FaenaError {
  constructor(reason: string) {
    super('INVALID_JSON', `the body is not valid JSON: ${reason}`, 400)
  }
}

/** The rows stored, the report's options, and the SHA-256 of the body as received. */
export async function storeJsonBody(
  storage: Storage,
  source: Readable,
  maxBytes: number,
): Promise<{ rows: StoredRows; options: DataReportOptions; sha256: string }> {
  const key = `uploads/${randomUUID()}.ndjson`
  const envelope: Record<string, unknown> = {}
  let rows = 0
  let out: PassThrough | undefined
  let options!: DataReportOptions
  const parser = new TokenParser({ paths: ['$.rows.*', ...OPTION_KEYS.map((k) => `$.${k}`)], keepStack: false })
  parser.onValue = ({ value, key: at, stack }) => {
    if (stack.length === 1) {
      envelope[at as string] = value
      return
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new ValidationError(`rows.${at}: must be an object (one row: {"column": value, ...})`, {
        field: `rows.${at}`,
      })
    }
    rows++
    out!.write(`${JSON.stringify(value)}\n`)
  }
  const shape = shapeCheck()
  const tokenizer = new Tokenizer()
  tokenizer.onToken = (t) => {
    shape(t.token, t.value)
    parser.write(t)
  }
  tokenizer.onEnd = () => {
    if (!parser.isEnded) parser.end() // fails when the document is incomplete
  }
  // Errors are thrown out of write()/end() (the parsers' own become a 400 INVALID_JSON).
  parser.onError = (err) => {
    throw err instanceof FaenaError ? err : new InvalidJsonError(err.message)
  }
  tokenizer.onError = parser.onError
  const hash = createHash('sha256')
  const object = await storeProduced(storage, { key, contentType: 'application/x-ndjson' }, async (body) => {
    out = body
    let bytes = 0
    for await (const chunk of source) {
      bytes += (chunk as Buffer).length
      hash.update(chunk as Buffer)
      if (bytes > maxBytes) throw new UploadTooLargeError(maxBytes, 'MAX_REPORT_BODY_BYTES', 'the body')
      tokenizer.write(chunk as Buffer)
      if (body.writableNeedDrain) await once(body, 'drain')
    }
    if (bytes === 0) throw new ValidationError('(body): is empty; send a JSON object with `reportType` and `rows`')
    tokenizer.end()
    if (!shape.sawRows()) throw new ValidationError('rows: is required', { field: 'rows' })
    // Checked once the whole body is read (the options may come after the rows), and before the
    // upload completes: refused options leave nothing stored.
    options = parseDataReportOptions(envelope)
    body.end()
  })
  return { rows: { key, kind: 'ndjson', size: object.size, rows }, options, sha256: hash.digest('hex') }
}

/** The parts of the body's shape the token parser does not check: top-level keys, `rows` an array, depth. */
function shapeCheck() {
  let depth = 0
  let expectKey = false
  let pendingKey: string | null = null
  let sawRows = false
  const check = (token: TokenType, value: unknown) => {
    if (depth === 0 && token !== TokenType.LEFT_BRACE) {
      throw new ValidationError('(body): must be a JSON object with `reportType` and `rows`')
    }
    if (pendingKey !== null && token !== TokenType.COLON) {
      if (pendingKey === 'rows' && token !== TokenType.LEFT_BRACKET)
        throw new ValidationError('rows: must be an array of objects', { field: 'rows' })
      pendingKey = null
    }
    switch (token) {
      case TokenType.LEFT_BRACE:
      case TokenType.LEFT_BRACKET:
        if (++depth > MAX_DEPTH) throw new ValidationError(`(body): nested deeper than ${MAX_DEPTH} levels`)
        expectKey = depth === 1 && token === TokenType.LEFT_BRACE
        return
      case TokenType.RIGHT_BRACE:
      case TokenType.RIGHT_BRACKET:
        depth--
        return
      case TokenType.COMMA:
        expectKey = depth === 1
        return
      case TokenType.STRING:
        if (depth === 1 && expectKey) {
          const key = value as string
          expectKey = false
          if (key === 'rows') {
            if (sawRows) throw new ValidationError('rows: appears twice', { field: 'rows' })
            sawRows = true
          } else if (!OPTION_KEYS.includes(key)) {
            throw new ValidationError(`${key}: is not a known field`, { field: key })
          }
          pendingKey = key
        }
        return
      default:
        return
    }
  }
  return Object.assign(check, { sawRows: () => sawRows })
}
