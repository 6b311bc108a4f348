// What a data report's `dataFile` is, by its first bytes: a JSON array of rows or NDJSON (one
// row object per line). Anything else is refused before it is stored.
import { ValidationError } from '../../errors.js'
import { UnsupportedFileError } from '../../storage/store-upload.js'
import type { StoredRows } from './json-body-intake.js'

export function dataFileKind(head: Buffer): StoredRows['kind'] {
  const text = head
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart()
  if (text === '') throw new ValidationError('dataFile: is empty', { field: 'dataFile' })
  if (text.startsWith('[')) return 'json-array'
  if (text.startsWith('{')) return 'ndjson'
  throw new UnsupportedFileError(
    `dataFile is neither a JSON array nor NDJSON: it starts with ${JSON.stringify(text.slice(0, 20))}`,
  )
}
