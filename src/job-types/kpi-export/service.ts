// KPI exports on behalf of a caller (main thread): the audit row, the job and the report row,
// in one transaction.

import { ValidationError } from '../../errors.js'
import type { Caller } from '../../jobs/caller.js'
import type { Idempotency } from '../../jobs/idempotency.js'
import type { JobTypeContext } from '../../jobs/job-type-context.js'
import type { JobView } from '../../jobs/job-view.js'
import { insertReport } from '../../reports/report-row.js'
import type { KpiFilters } from './kpi-sql.js'

export interface KpiExportRequest {
  filters: KpiFilters
  format: 'xlsx' | 'csv'
  columns?: string[] | undefined
  /** Told of the job's end (a webhook). */
  callbackUrl?: string | undefined
}

const INSERT_AUDIT = `
INSERT INTO kpi_auditoria_export (user_id, client_ip, filters, format) VALUES ($1, $2, $3::jsonb, $4)
RETURNING id_export`

export type KpiExportService = ReturnType<typeof createKpiExportService>

export function createKpiExportService({ transaction, jobs }: Pick<JobTypeContext, 'transaction' | 'jobs'>) {
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
      return transaction(async (tx) => {
        const { rows } = await tx.query({
          text: INSERT_AUDIT,
          values: [caller.userId, clientIp, JSON.stringify(req.filters), req.format],
        })
        const idExport = String(rows[0].id_export)
        const job = await jobs.create(
          caller,
          {
            type: 'kpi-export',
            parameters: { idExport, filters: req.filters, format: req.format, columns: req.columns, fileName },
            ...(req.callbackUrl === undefined ? {} : { callbackUrl: req.callbackUrl }),
          },
          { viaRoute: true, tx, idempotency },
        )
        await insertReport(tx, {
          jobId: job.id,
          userId: caller.userId,
          kind: 'kpi-export',
          fileName,
          format: req.format,
        })
        await tx.query({
          text: 'UPDATE kpi_auditoria_export SET job_id = $1 WHERE id_export = $2',
          values: [job.id, idExport],
        })
        return { job, idExport, replayed: false }
      })
    },
  }
}
