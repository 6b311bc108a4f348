// The report row of a job that writes a report file, recorded with the job in the route's
// transaction. Its status then follows the job (report-sync.ts).
import { v7 as uuidv7 } from 'uuid'
import { reportKey } from './report-key.js'

interface Queryable {
  query(q: { text: string; values?: unknown[] }): Promise<{ rows: unknown[] }>
}

export interface NewReport {
  jobId: string
  userId: string
  /** The job type that writes it. */
  kind: string
  fileName: string
  format: string
}

const INSERT = `
INSERT INTO report (id, job_id, user_id, kind, storage_key, file_name, format)
VALUES ($1, $2, $3, $4, $5, $6, $7)`

export async function insertReport(db: Queryable, r: NewReport): Promise<void> {
  await db.query({
    text: INSERT,
    values: [uuidv7(), r.jobId, r.userId, r.kind, reportKey(r.jobId, r.fileName), r.fileName, r.format],
  })
}
