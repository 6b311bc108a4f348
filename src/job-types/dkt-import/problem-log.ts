// The problems of an import: the first 100 kept for the job's result, every one of them
// streamed as CSV to storage (only if there is any), never all held in memory.
import { once } from 'node:events'
import { PassThrough } from 'node:stream'
import type { Storage, StoredObject } from '../../storage/storage.js'
import { defuseFormula } from '../../text/formula-safety.js'
import type { RowProblem } from './normalize.js'

export const PROBLEMS_IN_RESULT = 100

const csvCell = (s: string | number) => {
  const safe = defuseFormula(String(s))
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe
}

export interface ProblemLog {
  /** Records a problem; call flush() now and then to follow the storage's pace. */
  add(p: RowProblem): void
  /** Resolves once the CSV's buffer has room again. */
  flush(): Promise<void>
  readonly count: number
  readonly first: RowProblem[]
  /** Finishes the CSV; resolves to the stored object, or null when there was no problem. */
  close(): Promise<StoredObject | null>
  /** Drops the CSV (nothing stays in storage). */
  discard(): Promise<void>
}

export function createProblemLog(storage: Storage, key: string): ProblemLog {
  let out: PassThrough | undefined
  let upload: Promise<StoredObject> | undefined
  const abort = new AbortController()
  let count = 0
  const first: RowProblem[] = []

  const open = () => {
    out = new PassThrough()
    out.write('\uFEFFline,column,value,reason\r\n')
    upload = storage.put(key, out, { contentType: 'text/csv; charset=utf-8', signal: abort.signal })
    upload.catch(() => {}) // observed in close()/discard()
  }

  return {
    get count() {
      return count
    },
    first,
    add(p) {
      count++
      if (first.length < PROBLEMS_IN_RESULT) first.push(p)
      if (!out) open()
      out!.write(`${[p.line, p.column, p.value, p.reason].map(csvCell).join(',')}\r\n`)
    },
    async flush() {
      // A failed upload never drains: its error ends the wait.
      if (out?.writableNeedDrain) await Promise.race([once(out, 'drain'), upload])
    },
    async close() {
      if (!out) return null
      out.end()
      return upload!
    },
    async discard() {
      if (!out) return
      abort.abort(new Error('import abandoned'))
      out.destroy()
      await upload!.catch(() => {})
      await storage.delete(key).catch(() => {})
    },
  }
}

type ProblemsFile = { key: string; bytes: number } | null | undefined

/** The problems CSV an import's job names: in its result, or in its error when the rows were refused. */
export function problemsFileOf(job: { result: unknown; error: unknown }): { key: string; bytes: number } | null {
  const fromResult = (job.result as { problemsFile?: ProblemsFile } | null)?.problemsFile
  const fromError = (job.error as { details?: { problemsFile?: ProblemsFile } } | null)?.details?.problemsFile
  return fromResult ?? fromError ?? null
}
