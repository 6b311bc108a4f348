// The loader's sums: each row's cents are a safe integer, their sum for a currency is not.
import t from 'tap'
import { LoteLoader } from '../../src/job-types/dkt-import/lote-loader.js'
import { HEADER } from '../support/dkt-files.js'

t.test('totals stay exact past 2^53 cents, and after repeats are taken out', async (t) => {
  const loader = new LoteLoader({ loteId: '00000000-0000-0000-0000-000000000000', onError: 'reject', addProblem() {} })
  loader.accept({ line: 1, cells: HEADER })
  const row = (line: number, importe: string, moneda = 'ARS') => ({
    line,
    cells: ['4507990000001234', '05/03/2026', 'Comercio', `C${line}`, '', importe, moneda, ''],
  })
  // 20 rows of the largest amount: 199,999,999,999,999.80, over 2^53 cents (90,071,992,547,409.91).
  for (let i = 0; i < 20; i++) loader.accept(row(i + 2, '9.999.999.999.999,99'))
  loader.accept(row(22, '-0,01'))
  loader.accept(row(23, '12,5', 'USD'))
  t.same(loader.totals(), [
    { moneda: 'ARS', importe: '199999999999999.79', rows: 21 },
    { moneda: 'USD', importe: '12.50', rows: 1 },
  ])
  loader.removeDuplicates([{ moneda: 'ARS', cents: '999999999999999', rows: 1 }])
  t.same(loader.totals()[0], { moneda: 'ARS', importe: '189999999999999.80', rows: 20 })
})
