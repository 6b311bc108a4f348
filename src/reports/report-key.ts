// Where a report-producing job type keeps its file, and how it declares it (JobTypeDefinition.files).
import type { JobFacts, OwnedFile } from '../jobs/job-facts.js'

/** Where a job's report file is stored: one folder per job. */
export const reportKey = (jobId: string, fileName: string) => `reports/${jobId}/${fileName}`

/** The report file a job owns: downloadable, its size known once the job is COMPLETED. */
export function reportFileOf(job: JobFacts, fileName: string): OwnedFile {
  const bytes =
    job.status === 'COMPLETED' ? (job.result as { fileSizeBytes?: number } | null)?.fileSizeBytes : undefined
  return { key: reportKey(job.id, fileName), kind: 'report', fileName, bytes: bytes ?? null, download: true }
}
