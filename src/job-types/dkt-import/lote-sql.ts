// The SQL of a DKT import, all in one transaction (import-file.ts): the lote row first, its rows
// COPYed straight into resumen_tarjeta, then the exact check of the rows the fingerprints
// flagged as possible repeats, then the lote's final figures. Nothing is visible before COMMIT.
//
// resumen_tarjeta has no foreign key to lote: checking one per COPYed row more than doubled the
// load time (the README, DKT imports). Rows are written only here, with their lote in the same transaction,
// and removed with it (dkt-service.ts).

export const INSERT_LOTE = `
INSERT INTO lote (id, user_id, job_id, file_name, file_sha256, file_size, rows_read, rows_imported, rows_invalid, rows_duplicate, totals)
VALUES ($1, $2, $3, $4, $5, $6, 0, 0, 0, 0, '[]')`

export const COPY_ROWS =
  'COPY resumen_tarjeta (lote_id, linea, tarjeta, fecha, comercio, comprobante, cuota_numero, cuota_total, importe, moneda, titular) FROM STDIN'

export const CREATE_DUPLICATES = `
CREATE TEMP TABLE dkt_duplicates (linea int NOT NULL, primera int NOT NULL, moneda "Moneda" NOT NULL, importe numeric(15,2) NOT NULL) ON COMMIT DROP`

/**
 * Deletes every row of lote $1 whose key (same card, date, voucher, installment and amount) an
 * earlier line of the lote has, and records it in dkt_duplicates. `among` limits the search to
 * the lines in $2, which must hold every row that shares a key with another (fingerprints.ts).
 */
export function removeDuplicates(among: boolean): string {
  return `
WITH keyed AS (
  SELECT id, linea, moneda, importe,
         min(linea) OVER (PARTITION BY tarjeta, fecha, comprobante, cuota_numero, cuota_total, importe) AS primera
    FROM resumen_tarjeta
   WHERE lote_id = $1${among ? ' AND linea = ANY($2::int[])' : ''}
), removed AS (
  DELETE FROM resumen_tarjeta r USING keyed k
   WHERE r.id = k.id AND k.linea <> k.primera
  RETURNING k.linea, k.primera, k.moneda, k.importe
)
INSERT INTO dkt_duplicates SELECT linea, primera, moneda, importe FROM removed`
}

export const DUPLICATE_TOTALS = `
SELECT moneda, (sum(importe) * 100)::bigint::text AS cents, count(*)::int AS rows FROM dkt_duplicates GROUP BY moneda`

/** Every removed repeat, with the line it repeats, in file order (read through a cursor). */
export const DUPLICATES = 'SELECT linea, primera FROM dkt_duplicates ORDER BY linea'

export const FINISH_LOTE = `
UPDATE lote SET rows_read = $2, rows_imported = $3, rows_invalid = $4, rows_duplicate = $5,
                date_from = $6, date_to = $7, totals = $8::jsonb, problem_count = $9
 WHERE id = $1`

/** A lote and its rows, if $2 (the owner; null for an admin) owns it. Counts the lote. */
export const DELETE_LOTE = `
WITH lote_gone AS (DELETE FROM lote WHERE id = $1 AND ($2::text IS NULL OR user_id = $2) RETURNING id),
     rows_gone AS (DELETE FROM resumen_tarjeta WHERE lote_id IN (SELECT id FROM lote_gone))
SELECT id FROM lote_gone`

/** The lote an earlier attempt of this job committed, if any (an import runs at most once). */
export const LOTE_OF_JOB = `
SELECT id, file_name, rows_read, rows_imported, rows_invalid, rows_duplicate, problem_count,
       date_from::text AS date_from, date_to::text AS date_to, totals
  FROM lote WHERE job_id = $1`

/** A lote as the API shows it (LoteView): dates as YYYY-MM-DD, sizes as numbers. */
const LOTE_VIEW = `
SELECT id, job_id AS "jobId", user_id AS "userId", file_name AS "fileName", file_sha256 AS "fileSha256",
       file_size::float8 AS "fileSize", rows_read AS "rowsRead", rows_imported AS "rowsImported",
       rows_invalid AS "rowsInvalid", rows_duplicate AS "rowsDuplicate",
       to_char(date_from, 'YYYY-MM-DD') AS "dateFrom", to_char(date_to, 'YYYY-MM-DD') AS "dateTo", totals,
       to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "createdAt"
  FROM lote`

/** $1: the owner, or null for every user's (an admin). */
export const LIST_LOTES = `${LOTE_VIEW}
 WHERE $1::text IS NULL OR user_id = $1
 ORDER BY created_at DESC, id DESC
 LIMIT $2 OFFSET $3`

export const COUNT_LOTES = 'SELECT count(*)::int AS n FROM lote WHERE $1::text IS NULL OR user_id = $1'

export const GET_LOTE = `${LOTE_VIEW} WHERE id = $1 AND ($2::text IS NULL OR user_id = $2)`

/** The latest lote of this user's file: a repeat upload is refused naming it. */
export const LATEST_LOTE_OF_FILE = `
SELECT id, job_id AS "jobId", created_at AS "createdAt" FROM lote
 WHERE user_id = $1 AND file_sha256 = $2
 ORDER BY created_at DESC LIMIT 1`

export const EXISTING_LOTES = 'SELECT id FROM lote WHERE id = ANY($1::text[])'

/**
 * The active unforced import of file $2 by user $1: what processing_job_dkt_active_file_idx
 * (its migration 0001) refused a second one for. Goes with that index (expand, then contract).
 */
export const ACTIVE_IMPORT_OF_FILE = `
SELECT id FROM processing_job
 WHERE user_id = $1 AND (parameters->>'sha256') = $2 AND type = 'dkt-import'
   AND status IN ('QUEUED', 'PROCESSING') AND (parameters->>'force') IS DISTINCT FROM 'true'`
