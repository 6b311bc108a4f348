// kpi-export: daily KPI snapshots to an XLSX or CSV file with a download link. Submitted through
// its own route, which records the audit row (kpi_auditoria_export) and the report row first;
// both follow the job's final state through trigger processing_job_report_sync.
import type { JobTypeDefinition } from '../../jobs/registry.js'
import { reportFileOf } from '../../reports/report-key.js'
import { XLSX_WRITER_YOUNG_GENERATION_MB } from '../../reports/workbook-writer.js'
import { type KpiExportParameters, parameters } from './parameters.js'
import kpiExportRoutes from './routes.js'
import { createKpiExportService } from './service.js'

export const kpiExport: JobTypeDefinition = {
  name: 'kpi-export',
  parameters,
  processor: new URL('./processor.js', import.meta.url),
  description: 'exports KPI snapshots to an XLSX or CSV file with a download link',
  submittedThrough: 'POST /jobs/kpi-export',
  // A new file from a consistent snapshot each time: safe to run again after a crash.
  defaults: { maxAttempts: 3, timeoutMs: 2 * 3_600_000 },
  youngGenerationMb: XLSX_WRITER_YOUNG_GENERATION_MB,
  files: (job) => [reportFileOf(job, (job.parameters as KpiExportParameters).fileName)],
  setup: ({ db, jobs }) => {
    const exports = createKpiExportService(db, jobs)
    return {
      tags: [{ name: 'reports', description: 'KPI exports and data reports: files with a download link' }],
      routes: async (app) => app.register(kpiExportRoutes, { exports }),
    }
  },
}
