// Writes DKT files of N rows to disk, streamed (a million rows never sit in memory).

import { once } from 'node:events'
import { createWriteStream } from 'node:fs'
import ExcelJS from 'exceljs'

export const HEADER = ['Tarjeta', 'Fecha', 'Comercio', 'Comprobante', 'Cuota', 'Importe', 'Moneda', 'Titular']

export function row(i: number): string[] {
  const day = String((i % 28) + 1).padStart(2, '0')
  return [
    `4507990000${String(i % 1_000_000).padStart(6, '0')}`,
    `${day}/03/2026`,
    `Comercio numero ${i % 997}`,
    `C${i}`,
    i % 3 === 0 ? '1/3' : '',
    `${(i % 100000) + 1},${String(i % 100).padStart(2, '0')}`,
    i % 5 === 0 ? 'USD' : 'ARS',
    `Titular ${i % 1013}`,
  ]
}

export async function writeCsv(path: string, rows: number): Promise<void> {
  const out = createWriteStream(path)
  const write = async (s: string) => {
    if (!out.write(s)) await once(out, 'drain')
  }
  await write(`${HEADER.join(';')}\r\n`)
  for (let i = 0; i < rows; i++) await write(`${row(i).join(';')}\r\n`)
  out.end()
  await once(out, 'finish')
}

export async function writeXlsx(path: string, rows: number): Promise<void> {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useSharedStrings: false })
  const sheet = wb.addWorksheet('DKT')
  sheet.addRow(HEADER).commit()
  for (let i = 0; i < rows; i++) {
    sheet.addRow(row(i)).commit()
    if (i % 1000 === 0) await new Promise((ok) => setImmediate(ok))
  }
  sheet.commit()
  await wb.commit()
}
