// What every report does with its file, whatever makes the bytes: they go straight into
// storage as they are produced (no temp file, nothing whole in memory), optionally inside a
// ZIP, and a failure or a cancel aborts the upload so that no partial object remains. The
// result a completed report carries is built here too, the same for every kind.
import { PassThrough, type Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { Storage, StoredObject } from '../storage/storage.js'

/** What may wait between a writer and storage before the writer is paused. */
export const REPORT_BUFFER = 1024 * 1024

export const CONTENT_TYPES = {
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  csv: 'text/csv; charset=utf-8',
  zip: 'application/zip',
} as const

export interface ReportFileDeps {
  storage: Storage
  signal: AbortSignal
}

/**
 * Streams what `write` writes (and ends) into storage at `key`. `write` gets the stream to write
 * to and should wait for it to drain. On failure or abort nothing remains at `key`.
 */
export async function storeReportFile(
  deps: ReportFileDeps,
  file: { key: string; contentType: string },
  write: (body: PassThrough) => Promise<void>,
): Promise<StoredObject> {
  const body = new PassThrough({ highWaterMark: REPORT_BUFFER })
  const upload = new AbortController()
  const stopUpload = () => upload.abort(deps.signal.reason)
  deps.signal.addEventListener('abort', stopUpload, { once: true })
  const stored = deps.storage.put(file.key, body, { contentType: file.contentType, signal: upload.signal })
  stored.catch(() => {}) // awaited below
  try {
    await write(body)
    const object = await stored
    deps.signal.throwIfAborted()
    return object
  } catch (err) {
    upload.abort(err)
    body.destroy(err as Error)
    await stored.catch(() => {}) // the put removes what it wrote
    await deps.storage.delete(file.key).catch(() => {}) // in case it had finished
    throw err
  } finally {
    deps.signal.removeEventListener('abort', stopUpload)
  }
}

/**
 * A ZIP archive with one entry, written to `out`: write the entry's bytes to `entry` and end
 * it; `finished` settles once the archive is complete in `out`. `store` keeps already
 * compressed content (XLSX) as it is instead of deflating it again.
 */
export async function zipEntry(out: Writable, name: string, opts: { store: boolean }): Promise<{ entry: PassThrough; finished: Promise<void> }> {
  const { default: archiver } = await import('archiver')
  const archive = archiver('zip', { store: opts.store, zlib: { level: 6 } })
  const entry = new PassThrough({ highWaterMark: REPORT_BUFFER })
  archive.append(entry, { name, date: new Date() })
  const finished = pipeline(archive, out)
  entry.on('error', (err) => archive.destroy(err))
  void archive.finalize().catch(() => {}) // its failure reaches `finished`
  return { entry, finished }
}

/** The highest resident memory seen by the thread's process, sampled when asked. */
export function peakMemory() {
  let peak = process.memoryUsage.rss()
  return {
    sample: () => (peak = Math.max(peak, process.memoryUsage.rss())),
    get mb() {
      return Math.round(peak / 1024 / 1024)
    },
  }
}

export interface ReportResult {
  fileName: string
  fileSizeBytes: number
  format: 'xlsx' | 'csv'
  recordsProcessed: number
  downloadUrl: string
  expiresAt: string
  performanceMetrics: { processingTimeMs: number; peakMemoryMB: number; recordsProcessed: number }
}

/** The fields every completed report's result carries, with a first signed link to its file. */
export async function reportResult(
  storage: Storage,
  file: { key: string; fileName: string; format: 'xlsx' | 'csv'; size: number; records: number },
  run: { startedAt: number; peakMemoryMB: number },
): Promise<ReportResult> {
  const link = await storage.signedUrl(file.key, { fileName: file.fileName })
  return {
    fileName: file.fileName,
    fileSizeBytes: file.size,
    format: file.format,
    recordsProcessed: file.records,
    downloadUrl: link.url,
    expiresAt: link.expiresAt.toISOString(),
    performanceMetrics: { processingTimeMs: Math.round(performance.now() - run.startedAt), peakMemoryMB: run.peakMemoryMB, recordsProcessed: file.records },
  }
}
