import t from 'tap'
import { DKT_LAYOUT, mapHeader } from '../../src/job-types/dkt-import/layout.js'
import {
  centsToDecimal,
  maskCard,
  normalizeRow,
  parseCuota,
  parseFecha,
  parseImporte,
  parseMoneda,
} from '../../src/job-types/dkt-import/normalize.js'

t.test('headers match case- and accent-insensitively, in any order', async (t) => {
  const m = mapHeader(DKT_LAYOUT, ['IMPORTE', 'Número de Tarjeta', 'fecha', 'COMERCIO', 'Comprobante', 'otra cosa'])
  t.same(m, { ok: true, index: { importe: 0, tarjeta: 1, fecha: 2, comercio: 3, comprobante: 4 } })
  t.same(mapHeader(DKT_LAYOUT, ['tarjeta', 'fecha', 'monto']), {
    ok: false,
    missing: ['comercio', 'comprobante'],
    duplicated: [],
  })
  t.same(mapHeader(DKT_LAYOUT, ['tarjeta', 'fecha', 'comercio', 'comprobante', 'importe', 'monto']), {
    ok: false,
    missing: [],
    duplicated: ['importe'],
  })
})

t.test('a full card number is never kept: first 6 and last 4 only', async (t) => {
  t.equal(maskCard('4507990000001234'), '450799******1234')
  t.equal(maskCard('4507 9900 0000 1234'), '450799******1234')
  t.equal(maskCard('4507-99XX-XXXX-1234'), '450799******1234')
  t.equal(maskCard('XXXXXXXXXXXX1234'), '************1234')
  t.equal(maskCard('4507990000001234567'), '450799*********4567')
  for (const bad of ['', '1234', '4507990000001234567890', '4507ab0000001234', '450799000000123X'])
    t.equal(maskCard(bad), null, bad)
})

t.test('dates: dd/mm/yyyy and yyyy-mm-dd, checked against the calendar', async (t) => {
  t.equal(parseFecha('05/03/2026'), '2026-03-05')
  t.equal(parseFecha('5/3/2026'), '2026-03-05')
  t.equal(parseFecha('2026-03-05'), '2026-03-05')
  t.equal(parseFecha('29/02/2024'), '2024-02-29')
  for (const bad of ['29/02/2026', '31/04/2026', '2026-13-01', '03/05/26', 'ayer', '', '00/01/2026'])
    t.equal(parseFecha(bad), null, bad)
})

t.test('amounts are exact, in either notation, refunds negative', async (t) => {
  const cases: [string, number | null][] = [
    ['1.234,56', 123456],
    ['1234,56', 123456],
    ['1234.56', 123456],
    ['1,234.56', 123456],
    ['1.234.567,8', 123456780],
    ['-1.234,56', -123456],
    ['(12,50)', -1250],
    ['12', 1200],
    ['0,01', 1],
    ['$ 1.000,00', 100000],
    ['1.234.567', 123456700],
    ['1,2,3', null],
    ['12,345', null],
    ['1.2.3,4', null],
    ['abc', null],
    ['', null],
    ['1e5', null],
    ['12.', 1200],
  ]
  for (const [raw, cents] of cases) t.equal(parseImporte(raw), cents, raw)
  t.equal(centsToDecimal(123456n), '1234.56')
  t.equal(centsToDecimal(-5n), '-0.05')
  t.equal(centsToDecimal(90071992547409930n), '900719925474099.30', 'beyond float precision, still exact')
  t.equal(parseImporte('9.999.999.999.999,99'), 999999999999999, 'the largest amount, exact')
  t.equal(centsToDecimal(999999999999999), '9999999999999.99')
  t.equal(centsToDecimal(-5), '-0.05')
  t.equal(centsToDecimal(1200), '12.00')
})

t.test('installments, currencies', async (t) => {
  t.same(parseCuota('1/3'), { numero: 1, total: 3 })
  t.same(parseCuota('01/03'), { numero: 1, total: 3 })
  t.equal(parseCuota(''), null)
  t.equal(parseCuota('4/3'), 'invalid')
  t.equal(parseCuota('uno'), 'invalid')
  t.equal(parseMoneda(''), 'ARS')
  t.equal(parseMoneda('usd'), 'USD')
  t.equal(parseMoneda('U$S'), 'USD')
  t.equal(parseMoneda('EUR'), null)
})

t.test('a row is normalised, or every problem in it is reported with line, column, value', async (t) => {
  const index = { tarjeta: 0, fecha: 1, comercio: 2, comprobante: 3, cuota: 4, importe: 5, moneda: 6, titular: 7 }
  const ok = normalizeRow(
    ['4507990000001234', '05/03/2026', '  Café   La  Esquina ', ' 0001 ', '01/03', '1.234,56', '', ' Ana  María '],
    index,
    7,
  )
  t.same(ok.record, {
    tarjeta: '450799******1234',
    fecha: '2026-03-05',
    comercio: 'Café La Esquina',
    comprobante: '0001',
    cuotaNumero: 1,
    cuotaTotal: 3,
    cents: 123456n,
    moneda: 'ARS',
    titular: 'Ana María',
  })
  const bad = normalizeRow(['123', '31/02/2026', '', 'X', '', '12,345', 'EUR', ''], index, 9)
  t.equal(bad.record, null)
  t.same(
    bad.problems.map((p) => [p.line, p.column, p.value]),
    [
      [9, 'tarjeta', '123'],
      [9, 'fecha', '31/02/2026'],
      [9, 'comercio', ''],
      [9, 'importe', '12,345'],
      [9, 'moneda', 'EUR'],
    ],
  )
  t.match(bad.problems[0]!.reason, /card number/)
})
