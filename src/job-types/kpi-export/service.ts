// KPI exports on behalf of a caller (main thread): the audit row, the job and the report row,
// in one transaction.

import type { Database } from '../../db/database.js'
import { ValidationError } from '../../errors.js'
import type { Caller } from '../../jobs/caller.js'
import type { Idempotency } from '../../jobs/idempotency.js'
import type { JobService } from '../../jobs/job-service.js'
import type { JobView } from '../../jobs/job-view.js'
import { reportKey } from '../../reports/report-key.js'
import type { KpiFilters } from './kpi-sql.js'

export interface KpiExportRequest {
  filters: KpiFilters
  format: 'xlsx' | 'csv'
  columns?: string[] | undefined
  /** Told of the job's end (a webhook). */
  callbackUrl?: string | undefined
}

export type KpiExportService = ReturnType<typeof createKpiExportService>

export function createKpiExportService(db: Database, jobs: JobService) {
  return {
    /** 202 material: the job, and the audit row's id (idExport) that follows it. */
    async submit(
      caller: Caller,
      req: KpiExportRequest,
      clientIp: string | null,
      idempotency?: Idempotency,
    ): Promise<{ job: JobView; idExport: string; replayed: boolean }> {
      const { from, to } = req.filters
      if (from > to)
        throw new ValidationError(`filters.to: ${to} is before filters.from ${from}`, { field: 'filters.to' })
      const replayed = await jobs.replay(caller, idempotency)
      if (replayed)
        return {
          job: replayed,
          idExport: String((replayed.parameters as { idExport: string }).idExport),
          replayed: true,
        }
      const fileName = `kpi_${from}_${to}.${req.format}`
      return db.prisma.$transaction(async (tx) => {
        const audit = await tx.kpiAuditoriaExport.create({
          data: { userId: caller.userId, clientIp, filters: { ...req.filters }, format: req.format },
        })
        const idExport = String(audit.idExport)
        const job = await jobs.create(
          caller,
          {
            type: 'kpi-export',
            parameters: { idExport, filters: req.filters, format: req.format, columns: req.columns, fileName },
            ...(req.callbackUrl === undefined ? {} : { callbackUrl: req.callbackUrl }),
          },
          { viaRoute: true, tx, idempotency },
        )
        await tx.report.create({
          data: {
            jobId: job.id,
            userId: caller.userId,
            kind: 'kpi-export',
            storageKey: reportKey(job.id, fileName),
            fileName,
            format: req.format,
          },
        })
        await tx.kpiAuditoriaExport.update({ where: { idExport: audit.idExport }, data: { jobId: job.id } })
        return { job, idExport, replayed: false }
      })
    },
  }
}
