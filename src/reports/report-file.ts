// What every report does with its file, whatever makes the bytes: they go straight into
// storage as they are produced (storeProduced: a failure or a cancel leaves no partial object),
// optionally inside a ZIP. The result a completed report carries is built here too, the same
// for every kind.
import { PassThrough, type Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { Storage } from '../storage/storage.js'
import { PRODUCED_BUFFER } from '../storage/store-produced.js'

/** What may wait between a writer and storage before the writer is paused. */
export const REPORT_BUFFER = PRODUCED_BUFFER

export const CONTENT_TYPES = {
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  csv: 'text/csv; charset=utf-8',
  zip: 'application/zip',
} as const

/**
 * A ZIP archive with one entry, written to `out`: write the entry's bytes to `entry` and end
 * it; `finished` settles once the archive is complete in `out`. `store` keeps already
 * compressed content (XLSX) as it is instead of deflating it again.
 */
export async function zipEntry(
  out: Writable,
  name: string,
  opts: { store: boolean },
): Promise<{ entry: PassThrough; finished: Promise<void> }> {
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
    performanceMetrics: {
      processingTimeMs: Math.round(performance.now() - run.startedAt),
      peakMemoryMB: run.peakMemoryMB,
      recordsProcessed: file.records,
    },
  }
}
