// COPY's text format, both ways, against a real PostgreSQL: what copyLine writes, PostgreSQL
// reads back as the same values; what PostgreSQL's COPY TO writes, copyLines and copyFields read as the same
// values, however the stream is cut.

import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import pg from 'pg'
import { from as copyFrom, to as copyTo } from 'pg-copy-streams'
import t from 'tap'
import { copyFields, copyLine, copyLines } from '../../src/db/copy-text.js'
import { createTestDatabase } from '../support/database.js'

const VALUES: (string | null)[][] = [
  ['plain', null, 'tab\there', 'new\nline', 'cr\rhere'],
  ['back\\slash', '\\N as text', 'Panadería Ñandú € 漢字 😀', '', '\\t is not a tab'],
  ['\b\f\v', 'ends with \\', null, null, 'x'],
]

t.test('a round trip through PostgreSQL keeps every value, cut anywhere', async (t) => {
  const client = new pg.Client({ connectionString: await createTestDatabase(t) })
  await client.connect()
  t.teardown(() => client.end())
  await client.query('CREATE TABLE copy_round (a text, b text, c text, d text, e text, n int)')
  const lines = VALUES.map((v, i) => copyLine([...v, i]))
  await pipeline(Readable.from(lines), client.query(copyFrom('COPY copy_round FROM STDIN')))
  const { rows } = await client.query({ text: 'SELECT a, b, c, d, e FROM copy_round ORDER BY n', rowMode: 'array' })
  t.same(rows, VALUES, 'copyLine: PostgreSQL reads the values written')

  const chunks: Buffer[] = []
  for await (const c of client.query(copyTo('COPY (SELECT a, b, c, d, e FROM copy_round ORDER BY n) TO STDOUT')))
    chunks.push(c as Buffer)
  const out = Buffer.concat(chunks)
  for (const size of [1, 2, 3, 5, 64, out.length]) {
    const parts = Array.from({ length: Math.ceil(out.length / size) }, (_, i) => out.subarray(i * size, (i + 1) * size))
    const got: (string | null)[][] = []
    for await (const lines of copyLines(Readable.from(parts))) got.push(...lines.map(copyFields))
    t.same(got, VALUES, `copyLines: chunks of ${size} bytes`)
  }
})

t.test('a stream that stops in the middle of a row is an error, not a shorter file', async (t) => {
  const rows = async () => {
    for await (const _ of copyLines(Readable.from([Buffer.from('a\tb\nc\t')])));
  }
  await t.rejects(rows(), /middle of a row/)
  t.same(copyFields('1\t\\N\t'), ['1', null, ''])
})
