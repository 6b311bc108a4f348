// The stored files a job refers to, wherever its type keeps them: an import's upload and its
// problems CSV, a data report's stored rows, a report's file. Retention removes them with the
// job; keep this list in step with the processors that store files.

interface JobFileRefs {
  parameters: unknown
  result: unknown
  error: unknown
  report_key: string | null
}

export function storedFilesOf(job: JobFileRefs): string[] {
  const p = job.parameters as { fileKey?: unknown; input?: { key?: unknown } } | null
  const r = job.result as { problemsFile?: { key?: unknown } } | null
  const e = job.error as { details?: { problemsFile?: { key?: unknown } } } | null
  const keys = [p?.fileKey, p?.input?.key, r?.problemsFile?.key, e?.details?.problemsFile?.key, job.report_key]
  return [...new Set(keys.filter((k): k is string => typeof k === 'string' && k.length > 0))]
}
