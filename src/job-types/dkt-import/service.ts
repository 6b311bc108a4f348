// DKT imports on behalf of a caller (main thread): accepting an upload, submitting its import
// job, and the lotes that imports produce (list, read, undo).

import { ConflictError, NotFoundError } from '../../errors.js'
import { type Caller, hasRole, ownerUnless, requireOperatorFor } from '../../jobs/caller.js'
import type { Idempotency } from '../../jobs/idempotency.js'
import type { JobTypeContext } from '../../jobs/job-type-context.js'
import type { JobView } from '../../jobs/job-view.js'
import { type PageQuery, toPage } from '../../jobs/page.js'
import type { StoredUpload } from '../../storage/store-upload.js'
import type { FileKind } from './file-kind.js'
import type { LoteSummary } from './import-file.js'
import {
  ACTIVE_IMPORT_OF_FILE,
  COUNT_LOTES,
  DELETE_LOTE,
  EXISTING_LOTES,
  GET_LOTE,
  LATEST_LOTE_OF_FILE,
  LIST_LOTES,
} from './lote-sql.js'
import { problemsFileOf } from './problem-log.js'

export interface LoteView extends LoteSummary {
  id: string
  jobId: string
  userId: string
  fileSha256: string
  fileSize: number
  createdAt: string
}

export type DktService = ReturnType<typeof createDktService>

export function createDktService({ pool, storage, jobs }: Pick<JobTypeContext, 'pool' | 'storage' | 'jobs'>) {
  /** The user whose lotes the caller sees; null: everyone's (an admin). */
  const owner = (caller: Caller) => ownerUnless(caller, 'viewer')

  /** 409 if this user already has a lote of the file (one still being imported: importInProgress). */
  async function refuseImported(caller: Caller, sha256: string): Promise<void> {
    const { rows } = await pool.query<{ id: string; jobId: string; createdAt: Date }>(LATEST_LOTE_OF_FILE, [
      caller.userId,
      sha256,
    ])
    const previous = rows[0]
    if (previous) {
      throw new ConflictError(
        'DKT_ALREADY_IMPORTED',
        `this file was already imported into lote ${previous.id} on ${previous.createdAt.toISOString()}; send force=true to import it again`,
        { loteId: previous.id, jobId: previous.jobId },
      )
    }
  }

  /**
   * The 409 for another active import of the same file by the same user, or null for any other
   * error. Its unique key refuses it (409 JOB_DUPLICATE from the job service, naming the job),
   * or, for imports that nodes of the release of 2026-12-07 added without a key,
   * processing_job_dkt_active_file_idx (which may fire first).
   */
  async function importInProgress(err: unknown, caller: Caller, sha256: string): Promise<ConflictError | null> {
    const e = err as { code?: unknown; constraint?: unknown }
    let jobId: string | null
    if (err instanceof ConflictError && err.code === 'JOB_DUPLICATE') {
      jobId = (err.details as { jobId?: string | null } | undefined)?.jobId ?? null
    } else if (e?.code === '23505' && e.constraint === 'processing_job_dkt_active_file_idx') {
      jobId = (await pool.query<{ id: string }>(ACTIVE_IMPORT_OF_FILE, [caller.userId, sha256])).rows[0]?.id ?? null
    } else return null
    return new ConflictError(
      'DKT_IMPORT_IN_PROGRESS',
      jobId
        ? `this file is already being imported by job ${jobId}; send force=true to import it again`
        : 'this file is being imported by another request of yours; send force=true to import it again',
      { jobId },
    )
  }

  return {
    /**
     * Submits the import of a stored upload. Unless forced, a file this user already imported
     * into a lote, or is importing now, is a 409 naming that lote or job. Two identical uploads
     * at the same moment: the type's unique key (user and SHA-256) lets one in.
     * A request repeated with its Idempotency-Key gets its first job back (`replayed`) and this
     * upload is discarded. The caller discards the upload when this throws.
     */
    async submitImport(
      caller: Caller,
      upload: StoredUpload<FileKind>,
      opts: {
        onError: 'reject' | 'skip'
        force: boolean
        idempotency?: Idempotency | undefined
        callbackUrl?: string | undefined
      },
    ): Promise<{ job: JobView; replayed: boolean }> {
      const replayed = await jobs.replay(caller, opts.idempotency)
      if (replayed) {
        await storage.delete(upload.key)
        return { job: replayed, replayed: true }
      }
      try {
        if (!opts.force) await refuseImported(caller, upload.sha256)
        const job = await jobs.create(
          caller,
          {
            type: 'dkt-import',
            parameters: {
              fileKey: upload.key,
              fileName: upload.fileName,
              sha256: upload.sha256,
              size: upload.size,
              kind: upload.kind,
              onError: opts.onError,
              force: opts.force,
            },
            ...(opts.callbackUrl === undefined ? {} : { callbackUrl: opts.callbackUrl }),
          },
          { viaRoute: true, idempotency: opts.idempotency },
        )
        return { job, replayed: false }
      } catch (err) {
        throw (await importInProgress(err, caller, upload.sha256)) ?? err
      }
    },

    /** A fresh signed link to the CSV of every problem an import found. */
    async problemsFileUrl(caller: Caller, jobId: string) {
      const job = await jobs.get(caller, jobId)
      const key = problemsFileOf(job)?.key
      if (job.type !== 'dkt-import' || typeof key !== 'string') {
        throw new NotFoundError('problems file of job', jobId)
      }
      return storage.signedUrl(key, { fileName: `problemas-${jobId}.csv` })
    },

    /** For each view, whether the lote its import created has since been undone (`loteDeleted`). */
    async loteStates(views: JobView[]): Promise<Record<string, unknown>[]> {
      const loteOf = (v: JobView) =>
        v.status === 'COMPLETED' ? (v.result as { loteId?: unknown } | null)?.loteId : undefined
      const ids = views.map(loteOf).filter((id): id is string => typeof id === 'string')
      const alive =
        ids.length === 0
          ? new Set<string>()
          : new Set((await pool.query<{ id: string }>(EXISTING_LOTES, [ids])).rows.map((l) => l.id))
      return views.map((v) => {
        const id = loteOf(v)
        return typeof id === 'string' ? { loteDeleted: !alive.has(id) } : {}
      })
    },

    async discardUpload(upload: StoredUpload<FileKind>): Promise<void> {
      await storage.delete(upload.key)
    },

    async listLotes(caller: Caller, q: PageQuery) {
      const [page, count] = await Promise.all([
        pool.query<LoteView>(LIST_LOTES, [owner(caller), q.limit, q.offset]),
        pool.query<{ n: number }>(COUNT_LOTES, [owner(caller)]),
      ])
      return toPage(page.rows, count.rows[0]!.n, q)
    },

    async getLote(caller: Caller, id: string): Promise<LoteView> {
      const lote = (await pool.query<LoteView>(GET_LOTE, [id, owner(caller)])).rows[0]
      if (!lote) throw new NotFoundError('lote', id)
      return lote
    },

    /** Removes the lote and all its rows, in one statement (rows have no foreign key: lote-sql.ts). */
    async deleteLote(caller: Caller, id: string): Promise<void> {
      const seen = hasRole(caller, 'viewer') && (await pool.query<LoteView>(GET_LOTE, [id, null])).rows[0]
      if (seen) requireOperatorFor(caller, seen.userId, "undoing another user's lote")
      const { rowCount } = await pool.query(DELETE_LOTE, [id, ownerUnless(caller, 'operator')])
      if (rowCount === 0) throw new NotFoundError('lote', id)
    },
  }
}
