// Uploading DKT files to a test faena, and the files it keeps.
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { HEADER } from './dkt-files.js'
import type { TestFaena } from './faena.js'
import { multipartBody } from './multipart.js'

export function upload(
  f: TestFaena,
  user: string,
  file: { name: string; content: Buffer } | undefined,
  fields: Record<string, string> = {},
  extraHeaders: Record<string, string> = {},
) {
  const { payload, headers } = multipartBody(fields, file)
  return f.faena.app.inject({
    method: 'POST',
    url: '/jobs/dkt-import',
    payload,
    headers: { ...headers, ...extraHeaders, authorization: `Bearer ${f.token(user)}` },
  })
}

export const storedFiles = (f: TestFaena) =>
  readdirSync(join(f.config.DATA_DIR, 'files'), { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => d.name)

/** Four rows, one repeated (line 5 repeats line 2 as the bank might write it). */
export const SAMPLE_ROWS = [
  HEADER,
  ['4507 9900 0000 1234', '05/03/2026', '  Café   "La Esquina" ', '0001', '1/3', '1.234,56', 'ARS', 'José Pérez'],
  ['450799******9876', '2026-03-07', 'Librería Ñandú', '0002', '', '-50,00', 'ARS', ''],
  ['5411220000005678', '10/03/2026', 'Hotel; Centro', '0003', '02/06', '99.90', 'USD', 'Ana'],
  ['4507 9900 0000 1234', '05/03/2026', 'Café La Esquina', '0001', '01/03', '1234,56', 'ARS', 'José Pérez'],
]
