// The columns a KPI export may contain, in their default order: the only names a request may
// use, each mapped to a fixed SQL column. Nothing from a request is ever spliced into SQL.

export type CellType = 'integer' | 'date' | 'text' | 'decimal'

export interface KpiColumn {
  key: string
  header: string
  sql: string
  type: CellType
  /**
   * Excel number format. Dates only: a styled cell costs ExcelJS about twice the time of a
   * plain one, and numbers read fine without.
   */
  numFmt?: string
}

export const KPI_COLUMNS: readonly KpiColumn[] = [
  { key: 'idLog', header: 'ID', sql: 'id_log', type: 'integer' },
  { key: 'fecha', header: 'Fecha', sql: 'fecha', type: 'date', numFmt: 'yyyy-mm-dd' },
  { key: 'sucursal', header: 'Sucursal', sql: 'sucursal', type: 'text' },
  { key: 'region', header: 'Región', sql: 'region', type: 'text' },
  { key: 'indicador', header: 'Indicador', sql: 'indicador', type: 'text' },
  { key: 'valor', header: 'Valor', sql: 'valor', type: 'decimal' },
  { key: 'meta', header: 'Meta', sql: 'meta', type: 'decimal' },
  { key: 'cumplimiento', header: 'Cumplimiento', sql: 'cumplimiento', type: 'decimal' },
  { key: 'variacion', header: 'Variación', sql: 'variacion', type: 'decimal' },
  { key: 'unidad', header: 'Unidad', sql: 'unidad', type: 'text' },
  { key: 'responsable', header: 'Responsable', sql: 'responsable', type: 'text' },
  { key: 'observacion', header: 'Observación', sql: 'observacion', type: 'text' },
]

export const KPI_COLUMN_KEYS = KPI_COLUMNS.map((c) => c.key)

/** The requested columns in the requested order (all of them when none are asked for). */
export function pickColumns(keys: readonly string[] | undefined): KpiColumn[] {
  if (!keys || keys.length === 0) return [...KPI_COLUMNS]
  return keys.map((k) => KPI_COLUMNS.find((c) => c.key === k)!)
}
