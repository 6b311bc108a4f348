// Repeated rows: fingerprints flag candidates while the file streams, PostgreSQL compares them
// exactly. The same file gives the same lote whether the fingerprint table holds every row or
// fills up early (then the whole lote is compared in SQL).
import { createHash, randomUUID } from 'node:crypto'
import t from 'tap'
import { FingerprintSet } from '../../src/job-types/dkt-import/fingerprints.js'
import { type DktImportResult, importDktFile } from '../../src/job-types/dkt-import/import-file.js'
import { CREATE_DUPLICATES, removeDuplicates } from '../../src/job-types/dkt-import/lote-sql.js'
import { csvBytes, dktRow, HEADER, readableOf } from '../support/dkt-files.js'
import { startTestFaena, type TestFaena } from '../support/faena.js'

t.test('fingerprint set: new keys give 0, repeats the first line; it grows, and stops at its limit', async (t) => {
  const set = new FingerprintSet(1 << 20, 16)
  let fresh = 0
  for (let i = 0; i < 50_000; i++) if (set.add(`key ${i}`, i + 2) === 0) fresh++
  t.equal(fresh, 50_000, 'distinct keys are all new')
  let firstLines = 0
  for (let i = 0; i < 50_000; i++) if (set.add(`key ${i}`, 1_000_000 + i) === i + 2) firstLines++
  t.equal(firstLines, 50_000, 'every repeat points at its first line, across 12 doublings')
  t.notOk(set.full)

  const small = new FingerprintSet(16, 16)
  for (let i = 0; i < 12; i++) small.add(`k${i}`, i + 2)
  t.notOk(small.full, '12 of 16 slots')
  t.equal(small.add('k12', 14), 0)
  t.ok(small.full, 'the 13th would pass the load limit: full')
  t.equal(small.add('k0', 99), 0, 'once full, nothing is flagged (the caller checks everything)')
})

t.test('fingerprint set presized for the file: distinct keys are not confused (both hash halves count)', async (t) => {
  // 700,000 keys sharing 32 bits of hash by chance: about 57 pairs (n^2 / 2^33). With the slot
  // picked by the other half, a pair is confused only if it also probes the same slots.
  const set = new FingerprintSet(1 << 20, 1 << 20)
  let candidates = 0
  for (let i = 0; i < 700_000; i++)
    if (set.add(`4507990000${i}\t2026-03-01\tC${i}\t/\t${i}.00`, i + 2) !== 0) candidates++
  t.equal(candidates, 0)
})

async function importRows(f: TestFaena, rows: string[][], maxFingerprintSlots?: number): Promise<DktImportResult> {
  const content = csvBytes(rows)
  const jobId = randomUUID()
  // The import confirms its claim on the job before it commits.
  await f.faena.db.pool.query(
    `INSERT INTO processing_job (id, type, status, user_id, attempts) VALUES ($1, 'dkt-import', 'PROCESSING', 'alice', 1)`,
    [jobId],
  )
  const stored = await f.faena.storage.put(`uploads/test/${jobId}`, readableOf(content))
  return importDktFile(
    {
      jobId,
      attempt: 1,
      userId: 'alice',
      loteId: randomUUID(),
      fileKey: stored.key,
      fileName: 'dups.csv',
      sha256: createHash('sha256').update(content).digest('hex'),
      size: content.length,
      kind: 'csv',
      onError: 'skip',
    },
    { pool: f.faena.db.pool, storage: f.faena.storage, signal: new AbortController().signal, progress: () => {} },
    { maxFingerprintSlots },
  )
}

t.test('the same lote whether the fingerprints hold every row or fill up after 12', async (t) => {
  const f = await startTestFaena(t)
  // 300 rows: every 7th repeats row i-50 (same key, another merchant name: still a repeat).
  const body = Array.from({ length: 300 }, (_, i) =>
    i >= 50 && i % 7 === 0 ? [...dktRow(i - 50).slice(0, 2), 'Otro comercio', ...dktRow(i - 50).slice(3)] : dktRow(i),
  )
  // Same card, date, voucher and installment, another amount: not a repeat.
  body.push([...dktRow(3).slice(0, 5), '999,99', ...dktRow(3).slice(6)])
  const rows = [HEADER, ...body]
  const expectedDuplicates = body.filter((_, i) => i >= 50 && i % 7 === 0 && i < 300).length

  const results = []
  for (const slots of [undefined, 16]) {
    const r = await importRows(f, rows, slots)
    results.push(r)
    t.equal(r.rowsDuplicate, expectedDuplicates, `slots ${slots ?? 'default'}: every repeat found`)
    t.equal(r.rowsImported, 301 - expectedDuplicates)
    t.same(
      r.problems.slice(0, 2).map((p) => [p.line, p.reason]),
      [
        [2 + 56, 'duplicate of line 8: imported once'],
        [2 + 63, 'duplicate of line 15: imported once'],
      ],
    )
    const stored = await f.faena.db.pool.query(
      'SELECT count(*)::int AS n, sum(importe)::text AS s FROM resumen_tarjeta WHERE lote_id = $1',
      [r.loteId],
    )
    t.equal(stored.rows[0].n, r.rowsImported, 'the table holds what the lote says')
    const fromTotals = r.totals.reduce((sum, x) => sum + Number(x.importe) * 100, 0)
    t.equal(Math.round(Number(stored.rows[0].s) * 100), Math.round(fromTotals), 'totals without the repeats')
  }
  const [a, b] = results.map(({ loteId, problemsFile, performanceMetrics, ...rest }) => rest) // ids, file keys and timings differ by run
  t.same(a, b, 'both paths give the same lote')
})

t.test('the exact check keeps candidates whose fingerprints met by chance', async (t) => {
  const f = await startTestFaena(t)
  const { pool } = f.faena.db
  const client = await pool.connect()
  t.teardown(() => client.release())
  const lote = 'l1'
  await client.query('BEGIN')
  // Lines 3 and 5 share line 2's fingerprint by chance (different keys); line 6 really repeats line 3.
  const row = (linea: number, comprobante: string, importe: string) =>
    client.query(
      `INSERT INTO resumen_tarjeta (lote_id, linea, tarjeta, fecha, comercio, comprobante, importe, moneda) VALUES ($1, $2, '450799******1234', '2026-03-05', 'x', $3, $4, 'ARS')`,
      [lote, linea, comprobante, importe],
    )
  await row(2, 'A', '1.00')
  await row(3, 'B', '1.00')
  await row(4, 'C', '1.00')
  await row(5, 'A', '2.00')
  await row(6, 'B', '1.00')
  await client.query(CREATE_DUPLICATES)
  await client.query(removeDuplicates(true), [lote, [2, 3, 5, 6]])
  t.same((await client.query('SELECT linea, primera FROM dkt_duplicates')).rows, [{ linea: 6, primera: 3 }])
  t.same(
    (await client.query('SELECT linea FROM resumen_tarjeta ORDER BY linea')).rows.map((r) => r.linea),
    [2, 3, 4, 5],
  )
  await client.query('ROLLBACK')
})
