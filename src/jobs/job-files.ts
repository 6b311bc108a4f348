// A finished job's result file (the one its type's files() marks `download`), as a freshly
// signed link: GET /jobs/:id/download. An expired link in a result is never a dead end.

import type { Database } from '../db/database.js'
import { ConflictError, FaenaError, NotFoundError } from '../errors.js'
import { downloadFileOf } from '../queue/job-files.js'
import type { SignedUrl, Storage } from '../storage/storage.js'
import type { Caller } from './caller.js'
import type { JobService } from './job-service.js'

export async function downloadLink(
  db: Database,
  storage: Storage,
  jobs: JobService,
  caller: Caller,
  jobId: string,
): Promise<SignedUrl> {
  const job = await jobs.get(caller, jobId) // 404 unless the caller may see the job
  const file = await downloadFileOf(db.pool, jobId)
  if (!file) throw new NotFoundError('file of job', jobId)
  if (job.status !== 'COMPLETED') {
    throw new ConflictError('REPORT_NOT_READY', `job ${jobId} has no file to download: it is ${job.status}`, {
      status: job.status,
    })
  }
  if ((await storage.size(file.key)) === null)
    throw new FaenaError('REPORT_GONE', `the file of job ${jobId} is no longer kept`, 410)
  return storage.signedUrl(file.key, file.fileName ? { fileName: file.fileName } : {})
}
