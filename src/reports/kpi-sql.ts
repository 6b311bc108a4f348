// The SQL of a KPI export. Filter values never become SQL text: they are bound as parameters
// of set_config() (transaction-local settings), which the query reads with current_setting(),
// so that COPY ... TO STDOUT, which takes no parameters, can use them. Dates come out as
// YYYY-MM-DD whatever the server's DateStyle.
import type { KpiColumn } from './kpi-columns.js'

export interface KpiFilters {
  from: string
  to: string
  sucursal?: string | undefined
  indicador?: string | undefined
}

export const SET_FILTERS = `
SELECT set_config('faena.kpi_from', $1, true), set_config('faena.kpi_to', $2, true),
       set_config('faena.kpi_sucursal', $3, true), set_config('faena.kpi_indicador', $4, true),
       set_config('DateStyle', 'ISO, YMD', true)`

export const filterValues = (f: KpiFilters) => [f.from, f.to, f.sucursal ?? '', f.indicador ?? '']

const WHERE = `
 WHERE fecha BETWEEN current_setting('faena.kpi_from')::date AND current_setting('faena.kpi_to')::date
   AND (current_setting('faena.kpi_sucursal') = '' OR sucursal = current_setting('faena.kpi_sucursal'))
   AND (current_setting('faena.kpi_indicador') = '' OR indicador = current_setting('faena.kpi_indicador'))`

export const COUNT_ROWS = `SELECT count(*)::int AS n FROM kpi_snapshot_diario ${WHERE}`

/** The rows, oldest idLog first, out of COPY: `cells` are the SELECT list, `options` COPY's. */
const copyOut = (cells: readonly string[], options = '') =>
  `COPY (SELECT ${cells.join(', ')} FROM kpi_snapshot_diario ${WHERE} ORDER BY id_log) TO STDOUT${options}`

/** In COPY's text format (dates as YYYY-MM-DD: see SET_FILTERS). */
export const copyRowsAsText = (columns: readonly KpiColumn[]) => copyOut(columns.map((c) => c.sql))

/**
 * As CSV made by PostgreSQL itself. Text that a spreadsheet would take for a formula (starting
 * with = + - @, tab or CR) gets a leading apostrophe.
 */
export const copyRowsAsCsv = (columns: readonly KpiColumn[]) =>
  copyOut(
    columns.map((c) => (c.type === 'text' ? `CASE WHEN ${c.sql} ~ '^[-=+@\\t\\r]' THEN '''' || ${c.sql} ELSE ${c.sql} END` : c.sql)),
    ' WITH (FORMAT csv)',
  )
