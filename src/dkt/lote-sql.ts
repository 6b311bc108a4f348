// The SQL of a DKT import, all in one transaction (import-file.ts). Rows are COPYed into a
// temporary staging table (no WAL, dropped at commit), then moved into resumen_tarjeta with
// DISTINCT ON the duplicate key, so repeated rows are found exactly, by PostgreSQL, whatever
// the file size, without holding a set of millions of keys in memory.

export const CREATE_STAGING = `
CREATE TEMP TABLE dkt_staging (
  linea int NOT NULL, tarjeta text NOT NULL, fecha date NOT NULL, comercio text NOT NULL,
  comprobante text NOT NULL, cuota_numero int, cuota_total int, importe numeric(15,2) NOT NULL,
  moneda "Moneda" NOT NULL, titular text
) ON COMMIT DROP`

export const COPY_STAGING = 'COPY dkt_staging (linea, tarjeta, fecha, comercio, comprobante, cuota_numero, cuota_total, importe, moneda, titular) FROM STDIN'

export const INSERT_LOTE = `
INSERT INTO lote (id, user_id, job_id, file_name, file_sha256, file_size, rows_read, rows_imported, rows_invalid, rows_duplicate, totals)
VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, 0, '[]')`

/** The duplicate key: same card, date, voucher, installment and amount. The first line wins. */
const KEY = 'tarjeta, fecha, comprobante, cuota_numero, cuota_total, importe'

export const MOVE_ROWS = `
INSERT INTO resumen_tarjeta (lote_id, linea, tarjeta, fecha, comercio, comprobante, cuota_numero, cuota_total, importe, moneda, titular)
SELECT DISTINCT ON (${KEY}) $1, linea, tarjeta, fecha, comercio, comprobante, cuota_numero, cuota_total, importe, moneda, titular
  FROM dkt_staging
 ORDER BY ${KEY}, linea`

/** Every repeated row, with the line it repeats, in file order (a cursor reads it in pages). */
export const DUPLICATES = `
SELECT linea, primera FROM (
  SELECT linea, min(linea) OVER (PARTITION BY ${KEY}) AS primera FROM dkt_staging
) d WHERE linea <> primera ORDER BY linea`

export const FINISH_LOTE = `
WITH stats AS (
  SELECT count(*)::int AS n, min(fecha) AS date_from, max(fecha) AS date_to FROM resumen_tarjeta WHERE lote_id = $1
), totals AS (
  SELECT COALESCE(jsonb_agg(jsonb_build_object('moneda', moneda, 'importe', importe::text, 'rows', n) ORDER BY moneda), '[]') AS totals
    FROM (SELECT moneda, sum(importe) AS importe, count(*)::int AS n FROM resumen_tarjeta WHERE lote_id = $1 GROUP BY moneda) t
)
UPDATE lote SET rows_imported = stats.n, rows_duplicate = $2, date_from = stats.date_from, date_to = stats.date_to, totals = totals.totals
  FROM stats, totals WHERE lote.id = $1
RETURNING lote.rows_imported, lote.date_from::text AS date_from, lote.date_to::text AS date_to, lote.totals`
