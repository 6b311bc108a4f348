// Reports on behalf of a caller (main thread): submitting a KPI export (its audit row, its job
// and its report row in one transaction) or a data report (its job and report row), and fresh
// download links to finished files.
import { ConflictError, FaenaError, NotFoundError, ValidationError } from '../errors.js'
import type { Database } from '../db/database.js'
import type { Idempotency } from '../jobs/idempotency.js'
import type { Caller } from '../jobs/caller.js'
import type { JobService } from '../jobs/job-service.js'
import type { JobView } from '../jobs/job-view.js'
import type { SignedUrl, Storage } from '../storage/storage.js'
import type { KpiFilters } from './kpi-sql.js'
import { dataReportFileNames, toDataColumns, type DataReportOptions } from './data-request.js'
import type { StoredRows } from './json-body-intake.js'
import { reportKey } from './report-key.js'

export interface KpiExportRequest {
  filters: KpiFilters
  format: 'xlsx' | 'csv'
  columns?: string[] | undefined
}

export type ReportService = ReturnType<typeof createReportService>

export function createReportService(db: Database, storage: Storage, jobs: JobService) {
  return {
    /** 202 material: the job, and the audit row's id (idExport) that follows it. */
    async submitKpiExport(
      caller: Caller,
      req: KpiExportRequest,
      clientIp: string | null,
      idempotency?: Idempotency,
    ): Promise<{ job: JobView; idExport: string; replayed: boolean }> {
      const { from, to } = req.filters
      if (from > to) throw new ValidationError(`filters.to: ${to} is before filters.from ${from}`, { field: 'filters.to' })
      const replayed = await jobs.replay(caller, idempotency)
      if (replayed) return { job: replayed, idExport: String((replayed.parameters as { idExport: string }).idExport), replayed: true }
      const fileName = `kpi_${from}_${to}.${req.format}`
      return db.prisma.$transaction(async (tx) => {
        const audit = await tx.kpiAuditoriaExport.create({
          data: { userId: caller.userId, clientIp, filters: { ...req.filters }, format: req.format },
        })
        const idExport = String(audit.idExport)
        const job = await jobs.create(
          caller,
          { type: 'kpi-export', parameters: { idExport, filters: req.filters, format: req.format, columns: req.columns, fileName } },
          { viaRoute: true, tx, idempotency },
        )
        await tx.report.create({
          data: { jobId: job.id, userId: caller.userId, kind: 'kpi-export', storageKey: reportKey(job.id, fileName), fileName, format: req.format },
        })
        await tx.kpiAuditoriaExport.update({ where: { idExport: audit.idExport }, data: { jobId: job.id } })
        return { job, idExport, replayed: false }
      })
    },

    /**
     * 202 material for a data report whose rows are already stored; they are removed if it is
     * refused, or if an earlier request with the same Idempotency-Key made the job (`replayed`).
     */
    async submitDataReport(caller: Caller, rows: StoredRows, options: DataReportOptions, idempotency?: Idempotency): Promise<{ job: JobView; replayed: boolean }> {
      const format = options.format ?? 'xlsx'
      const { fileName, innerName } = dataReportFileNames(options, new Date())
      try {
        const replayed = await jobs.replay(caller, idempotency)
        if (replayed) {
          await storage.delete(rows.key)
          return { job: replayed, replayed: true }
        }
        return await db.prisma.$transaction(async (tx) => {
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
            },
            { viaRoute: true, tx, idempotency },
          )
          await tx.report.create({
            data: { jobId: job.id, userId: caller.userId, kind: 'data-report', storageKey: reportKey(job.id, fileName), fileName, format },
          })
          return { job, replayed: false }
        })
      } catch (err) {
        await storage.delete(rows.key).catch(() => {})
        throw err
      }
    },

    /** A freshly signed link to a finished job's file, for its owner or an admin. */
    async downloadUrl(caller: Caller, jobId: string): Promise<SignedUrl> {
      await jobs.get(caller, jobId) // 404 unless the caller may see the job
      const report = await db.prisma.report.findUnique({ where: { jobId } })
      if (!report) throw new NotFoundError('file of job', jobId)
      if (report.status !== 'COMPLETED') {
        throw new ConflictError('REPORT_NOT_READY', `job ${jobId} has no file to download: its report is ${report.status}`, { status: report.status })
      }
      if ((await storage.size(report.storageKey)) === null) {
        throw new FaenaError('REPORT_GONE', `the file of job ${jobId} is no longer kept`, 410)
      }
      return storage.signedUrl(report.storageKey, { fileName: report.fileName })
    },
  }
}
