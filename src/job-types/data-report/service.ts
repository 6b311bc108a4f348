// Data reports on behalf of a caller (main thread): the job and its report row, for rows that
// are already stored.
import type { Caller } from '../../jobs/caller.js'
import type { Idempotency } from '../../jobs/idempotency.js'
import type { JobTypeContext } from '../../jobs/job-type-context.js'
import type { JobView } from '../../jobs/job-view.js'
import { insertReport } from '../../reports/report-row.js'
import { type DataReportOptions, dataReportFileNames, toDataColumns } from './data-request.js'
import type { StoredRows } from './json-body-intake.js'

export type DataReportService = ReturnType<typeof createDataReportService>

export function createDataReportService({
  transaction,
  storage,
  jobs,
}: Pick<JobTypeContext, 'transaction' | 'storage' | 'jobs'>) {
  return {
    /**
     * 202 material for a data report whose rows are already stored; they are removed if it is
     * refused, or if an earlier request with the same Idempotency-Key made the job (`replayed`).
     */
    async submit(
      caller: Caller,
      rows: StoredRows,
      options: DataReportOptions,
      idempotency?: Idempotency,
    ): Promise<{ job: JobView; replayed: boolean }> {
      const format = options.format ?? 'xlsx'
      const { fileName, innerName } = dataReportFileNames(options, new Date())
      try {
        const replayed = await jobs.replay(caller, idempotency)
        if (replayed) {
          await storage.delete(rows.key)
          return { job: replayed, replayed: true }
        }
        return await transaction(async (tx) => {
          const job = await jobs.create(
            caller,
            {
              type: 'data-report',
              parameters: {
                input: rows,
                reportType: options.reportType,
                userName: options.userName,
                columns: options.columns ? toDataColumns(options.columns) : undefined,
                format,
                fileName,
                innerName,
              },
              ...(options.callbackUrl === undefined ? {} : { callbackUrl: options.callbackUrl }),
            },
            { viaRoute: true, tx, idempotency },
          )
          await insertReport(tx, {
            jobId: job.id,
            userId: caller.userId,
            kind: 'data-report',
            fileName,
            format,
          })
          return { job, replayed: false }
        })
      } catch (err) {
        await storage.delete(rows.key).catch(() => {})
        throw err
      }
    },
  }
}
