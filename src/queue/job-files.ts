// The job_file table: the files in storage that each job owns, whatever its type. Job types
// declare them (JobTypeDefinition.files); the core writes the declaration when a job is created
// and when it ends, and reads it here for retention, /stats and GET /jobs/:id/download.
import type { Queryable } from './types.js'

/** A file in storage that a job owns. */
export interface OwnedFile {
  key: string
  /** The job type's word for it (upload, report...); /stats sums bytes by kind. */
  kind: string
  /** The name a download of it gets. */
  fileName?: string | null
  /** Null while not known (not written yet). */
  bytes?: number | null
  /** The job's result file, served by GET /jobs/:id/download once the job is COMPLETED. */
  download?: boolean
}

/**
 * `update` (a guarded transition of one job, parameters $1..$n-1) with the job's files made
 * `files` in the same statement; `$n` holds filesParameter(files).
 */
export const transitionWithFiles = (update: string, n: number) =>
  `WITH done AS (${update} RETURNING id), ${replaceFilesOf(n)} SELECT id FROM done`

export const filesParameter = (files: OwnedFile[]) =>
  JSON.stringify(
    files.map((f) => ({
      key: f.key,
      kind: f.kind,
      file_name: f.fileName ?? null,
      bytes: f.bytes ?? null,
      download: f.download ?? false,
    })),
  )

/**
 * The statements that make a job's rows in job_file exactly `files`, as CTEs over the job ids a
 * preceding CTE named `done` returns (a transition guarded by its lock owner): files are kept
 * only for a transition that happened. `$n` is the parameter holding filesParameter(files).
 */
export const replaceFilesOf = (n: number) => `
gone AS (
  DELETE FROM job_file f USING done
   WHERE f.job_id = done.id
     AND f.key <> ALL (ARRAY(SELECT x.key FROM jsonb_to_recordset($${n}::jsonb) AS x(key text)))
), kept AS (
  INSERT INTO job_file (job_id, key, kind, file_name, bytes, download)
  SELECT done.id, x.key, x.kind, x.file_name, x.bytes, x.download
    FROM done, jsonb_to_recordset($${n}::jsonb) AS x(key text, kind text, file_name text, bytes bigint, download boolean)
  ON CONFLICT (job_id, key) DO UPDATE
     SET kind = EXCLUDED.kind, file_name = EXCLUDED.file_name, bytes = EXCLUDED.bytes, download = EXCLUDED.download
)`

/** Records the files a new job owns (in the transaction that creates it). */
export async function recordFiles(db: Queryable, jobId: string, files: OwnedFile[]): Promise<void> {
  if (files.length === 0) return
  await db.query({
    text: `WITH done AS (SELECT $1::text AS id), ${replaceFilesOf(2)} SELECT 1`,
    values: [jobId, filesParameter(files)],
  })
}

/** The keys of the files these jobs own. */
export async function filesOfJobs(db: Queryable, jobIds: string[]): Promise<Map<string, string[]>> {
  const { rows } = await db.query<{ job_id: string; key: string }>({
    text: `SELECT job_id, key FROM job_file WHERE job_id = ANY($1::text[])`,
    values: [jobIds],
  })
  const byJob = new Map<string, string[]>()
  for (const r of rows) byJob.set(r.job_id, [...(byJob.get(r.job_id) ?? []), r.key])
  return byJob
}

export interface DownloadFile {
  key: string
  fileName: string | null
}

/** The file GET /jobs/:id/download serves for this job, if its type declares one. */
export async function downloadFileOf(db: Queryable, jobId: string): Promise<DownloadFile | null> {
  const { rows } = await db.query<{ key: string; file_name: string | null }>({
    text: `SELECT key, file_name FROM job_file WHERE job_id = $1 AND download`,
    values: [jobId],
  })
  const row = rows[0]
  return row ? { key: row.key, fileName: row.file_name } : null
}

export interface StoredBytes {
  /** By the kinds job types give their files: files and bytes. */
  byKind: Record<string, { files: number; bytes: number }>
  total: number
}

/** The bytes of the files faena keeps, as recorded when they were stored. */
export async function storedBytes(db: Queryable): Promise<StoredBytes> {
  const { rows } = await db.query<{ kind: string; files: number; bytes: string }>(
    `SELECT kind, count(bytes)::int AS files, COALESCE(sum(bytes), 0)::text AS bytes FROM job_file GROUP BY kind ORDER BY kind`,
  )
  const byKind: StoredBytes['byKind'] = {}
  let total = 0
  for (const r of rows) {
    byKind[r.kind] = { files: r.files, bytes: Number(r.bytes) }
    total += Number(r.bytes)
  }
  return { byKind, total }
}
