// What a file is by its content, not its name: the first bytes decide.
import { UnsupportedFileError } from '../../storage/store-upload.js'

export type FileKind = 'csv' | 'xlsx'

export type Sniffed = { kind: FileKind } | { kind: null; reason: string }

const startsWith = (b: Buffer, sig: number[]) => sig.every((v, i) => b[i] === v)

export function sniffFileKind(head: Buffer): Sniffed {
  if (head.length === 0) return { kind: null, reason: 'the file is empty' }
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04])) {
    // An Office Open XML package names its parts in the first entries.
    const text = head.toString('latin1')
    return /\[Content_Types\]\.xml|xl\//.test(text)
      ? { kind: 'xlsx' }
      : { kind: null, reason: 'a ZIP archive that is not an XLSX workbook' }
  }
  if (startsWith(head, [0xd0, 0xcf, 0x11, 0xe0]))
    return { kind: null, reason: 'an XLS (Excel 97-2003) file: save it as XLSX or CSV' }
  if (startsWith(head, [0x25, 0x50, 0x44, 0x46])) return { kind: null, reason: 'a PDF file' }
  if (head.includes(0)) return { kind: null, reason: 'a binary file (it contains NUL bytes)' }
  // Text: every byte is printable or whitespace, in UTF-8 or Windows-1252.
  const controls = head.filter((b) => b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d).length
  if (controls > 0) return { kind: null, reason: 'a binary file (control characters)' }
  return { kind: 'csv' }
}

/** The sniffer of DKT uploads: CSV or XLSX, or a 415 that says what the file is instead. */
export function dktFileKind(head: Buffer): FileKind {
  const sniffed = sniffFileKind(head)
  if (sniffed.kind === null) throw new UnsupportedFileError(`the file is neither CSV nor XLSX: ${sniffed.reason}`)
  return sniffed.kind
}
