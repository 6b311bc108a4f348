// DKT files made by the tests: CSV in any of the accepted encodings and delimiters, and XLSX
// written by ExcelJS, so that the reader is tested on real bytes.

import { PassThrough, Readable } from 'node:stream'
import ExcelJS from 'exceljs'
import iconv from 'iconv-lite'

export const HEADER = ['Tarjeta', 'Fecha', 'Comercio', 'Comprobante', 'Cuota', 'Importe', 'Moneda', 'Titular']

export function csvText(rows: string[][], delimiter = ';'): string {
  const quote = (c: string) => (/[";,\t\r\n]/.test(c) ? `"${c.replaceAll('"', '""')}"` : c)
  return `${rows.map((r) => r.map(quote).join(delimiter)).join('\r\n')}\r\n`
}

export function csvBytes(
  rows: string[][],
  opts: { delimiter?: string; encoding?: 'utf8' | 'utf8-bom' | 'win1252' } = {},
): Buffer {
  const text = csvText(rows, opts.delimiter)
  if (opts.encoding === 'win1252') return iconv.encode(text, 'win1252')
  return Buffer.from((opts.encoding === 'utf8-bom' ? '\uFEFF' : '') + text, 'utf8')
}

/** The bytes of an XLSX file made by ExcelJS's streaming writer; `write` adds the sheets. */
export async function workbookBytes(
  write: (wb: ExcelJS.stream.xlsx.WorkbookWriter) => void,
  opts: { useSharedStrings?: boolean } = {},
): Promise<Buffer> {
  const sink = new PassThrough()
  const chunks: Buffer[] = []
  sink.on('data', (c: Buffer) => chunks.push(c))
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: sink, useSharedStrings: opts.useSharedStrings ?? true })
  write(wb)
  await wb.commit()
  return Buffer.concat(chunks)
}

export function xlsxBytes(rows: (string | number | Date)[][]): Promise<Buffer> {
  return workbookBytes((wb) => {
    const sheet = wb.addWorksheet('DKT')
    for (const r of rows) sheet.addRow(r).commit()
    sheet.commit()
  })
}

/** A valid DKT row number i (distinct per i). */
export function dktRow(i: number): string[] {
  const day = String((i % 28) + 1).padStart(2, '0')
  return [
    `4507990000${String(i % 1_000_000).padStart(6, '0')}`,
    `${day}/03/2026`,
    `Comercio ${i % 97}`,
    `C${i}`,
    i % 3 === 0 ? '1/3' : '',
    `${(i % 1000) + 1},${String(i % 100).padStart(2, '0')}`,
    i % 5 === 0 ? 'USD' : 'ARS',
    `Titular ${i % 13}`,
  ]
}

export const readableOf = (b: Buffer) => Readable.from([b])
