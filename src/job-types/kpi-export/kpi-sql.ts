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

/**
 * Each setting is read once per query, in a scalar subquery: written bare, current_setting()
 * would run for every row of the scan (a 1M-row count took 0.56 s that way, 0.28 s this way).
 */
const setting = (name: string, cast = '') => `(SELECT current_setting('faena.${name}')${cast})`

const WHERE = `
 WHERE fecha BETWEEN ${setting('kpi_from', '::date')} AND ${setting('kpi_to', '::date')}
   AND (${setting('kpi_sucursal')} = '' OR sucursal = ${setting('kpi_sucursal')})
   AND (${setting('kpi_indicador')} = '' OR indicador = ${setting('kpi_indicador')})`

/** The matching rows (n), and the table's size as last estimated by PostgreSQL (-1: never analysed). */
export const COUNT_ROWS = `
SELECT count(*)::int AS n,
       (SELECT reltuples::float8 FROM pg_class WHERE oid = 'kpi_snapshot_diario'::regclass) AS "tableRows"
  FROM kpi_snapshot_diario ${WHERE}`

/**
 * The share of the table from which an export walks the primary key. PostgreSQL cannot see the
 * filter values behind current_setting() when it plans, so it always fetches the matching rows
 * by date and sorts them by idLog before sending the first one: for 1M rows, 0.55 s of waiting
 * and a 95 MB sort on disk. Walking the primary key sends rows in idLog order as it reaches
 * them, and reads the whole table to do so (about 0.3 µs a row, serially), which the writer
 * (over 10 µs a row) hides once a tenth of the table or more is exported. Below that, the sort
 * is small and quick.
 */
export const WALK_SHARE = 0.1

/** Whether to walk the primary key (see WALK_SHARE); never on a table PostgreSQL has not sized. */
export const walksPrimaryKey = (rows: number, tableRows: number) => tableRows > 0 && rows >= tableRows * WALK_SHARE

/**
 * The walk, for the rest of the transaction: no sort, so the primary key's order is used, and no
 * parallel workers, which would only take CPU from the writer that consumes the rows at its pace.
 */
export const WALK_PRIMARY_KEY = `SELECT set_config('enable_sort', 'off', true), set_config('max_parallel_workers_per_gather', '0', true)`

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
    columns.map((c) =>
      c.type === 'text' ? `CASE WHEN ${c.sql} ~ '^[-=+@\\t\\r]' THEN '''' || ${c.sql} ELSE ${c.sql} END` : c.sql,
    ),
    ' WITH (FORMAT csv)',
  )
