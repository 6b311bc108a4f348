// The DKT file layout: which columns exist, what their headers may be called, which are
// required. Headers match case- and accent-insensitively, in any order; other columns are
// ignored. Another layout is another FileLayout value, not new code.

export type DktField = 'tarjeta' | 'fecha' | 'comercio' | 'comprobante' | 'cuota' | 'importe' | 'moneda' | 'titular'

export interface ColumnSpec<F extends string = string> {
  field: F
  /** Header names, already normalised (see normalizeHeader). */
  aliases: string[]
  required: boolean
}

export interface FileLayout<F extends string = string> {
  name: string
  columns: ColumnSpec<F>[]
}

export const DKT_LAYOUT: FileLayout<DktField> = {
  name: 'DKT',
  columns: [
    { field: 'tarjeta', aliases: ['tarjeta', 'nro tarjeta', 'numero tarjeta', 'numero de tarjeta'], required: true },
    { field: 'fecha', aliases: ['fecha', 'fecha operacion', 'fecha de operacion'], required: true },
    { field: 'comercio', aliases: ['comercio', 'establecimiento'], required: true },
    {
      field: 'comprobante',
      aliases: ['comprobante', 'nro comprobante', 'numero comprobante', 'cupon'],
      required: true,
    },
    { field: 'cuota', aliases: ['cuota', 'cuotas', 'plan cuotas'], required: false },
    { field: 'importe', aliases: ['importe', 'monto'], required: true },
    { field: 'moneda', aliases: ['moneda', 'divisa'], required: false },
    { field: 'titular', aliases: ['titular', 'nombre titular'], required: false },
  ],
}

/** "  Número de  Tarjeta " -> "numero de tarjeta" */
export function normalizeHeader(h: string): string {
  return h
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .replace(/^\uFEFF/, '')
    .toLowerCase()
    .replace(/[_.]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
}

export type ColumnIndex<F extends string> = Partial<Record<F, number>>

/** Where each field is in the header row, or the list of what is wrong with the header. */
export function mapHeader<F extends string>(
  layout: FileLayout<F>,
  header: string[],
): { ok: true; index: ColumnIndex<F> } | { ok: false; missing: string[]; duplicated: string[] } {
  const normalized = header.map((h) => normalizeHeader(h ?? ''))
  const index: ColumnIndex<F> = {}
  const missing: string[] = []
  const duplicated: string[] = []
  for (const col of layout.columns) {
    const at = normalized.flatMap((h, i) => (col.aliases.includes(h) ? [i] : []))
    if (at.length > 1) duplicated.push(col.field)
    if (at.length === 0) {
      if (col.required) missing.push(col.field)
    } else index[col.field] = at[0]!
  }
  return missing.length || duplicated.length ? { ok: false, missing, duplicated } : { ok: true, index }
}
