// The rows of a data report, read back from storage as a stream, in batches: NDJSON (what the
// JSON body was stored as, or an uploaded .ndjson) line by line, or a JSON array item by item.
// Nothing is held but the current batch. A row that is not an object, or text that is not
// JSON, fails the job with an error that says where.
import { createInterface } from 'node:readline'
import type { Readable } from 'node:stream'
import { JSONParser } from '@streamparser/json'
import { JobError } from '../../errors.js'
import { observe } from '../../storage/observe-stream.js'
import type { StoredRows } from './json-body-intake.js'

export type DataRow = Record<string, unknown>

const BATCH = 1000

export class InvalidDataError extends JobError {
  constructor(where: string, reason: string) {
    super('INVALID_DATA', `${where}: ${reason}`, { where })
  }
}

export function readDataRows(
  source: Readable,
  kind: StoredRows['kind'],
  onBytes?: (n: number) => void,
): AsyncGenerator<DataRow[]> {
  const counted = onBytes ? source.pipe(observe((c) => onBytes(c.length))) : source
  source.on('error', (err) => counted.destroy(err))
  return kind === 'ndjson' ? ndjsonRows(counted) : arrayRows(counted)
}

async function* ndjsonRows(source: Readable): AsyncGenerator<DataRow[]> {
  let line = 0
  let batch: DataRow[] = []
  for await (const text of createInterface({ input: source, crlfDelay: Infinity })) {
    line++
    const trimmed = line === 1 ? text.replace(/^\uFEFF/, '').trim() : text.trim()
    if (trimmed === '') continue
    let value: unknown
    try {
      value = JSON.parse(trimmed)
    } catch (err) {
      throw new InvalidDataError(`line ${line}`, `not valid JSON (${(err as Error).message})`)
    }
    batch.push(asRow(value, `line ${line}`))
    if (batch.length === BATCH) {
      yield batch
      batch = []
    }
  }
  if (batch.length > 0) yield batch
}

async function* arrayRows(source: Readable): AsyncGenerator<DataRow[]> {
  const parser = new JSONParser({ paths: ['$.*'], keepStack: false })
  let batch: DataRow[] = []
  parser.onValue = ({ value, key }) => batch.push(asRow(value, `item ${key as number}`))
  parser.onError = (err) => {
    throw err instanceof JobError ? err : new InvalidDataError('dataFile', `not a valid JSON array (${err.message})`)
  }
  for await (const chunk of source) {
    parser.write(chunk as Buffer)
    if (batch.length >= BATCH) {
      yield batch
      batch = []
    }
  }
  if (!parser.isEnded) parser.end() // fails when the array is incomplete
  if (batch.length > 0) yield batch
}

function asRow(value: unknown, where: string): DataRow {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new InvalidDataError(where, 'must be an object (one row: {"column": value, ...})')
  return value as DataRow
}
