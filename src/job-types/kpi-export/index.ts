// kpi-export: daily KPI snapshots to an XLSX or CSV file with a download link. Submitted through
// its own route, which records the audit row (kpi_auditoria_export) and the report row first;
// both follow the job's final state through triggers (audit-sync.ts, src/reports/report-sync.ts).
import type { JobTypeDefinition } from '../../jobs/registry.js'
import { reportFileOf } from '../../reports/report-key.js'
import { reportsSchema } from '../../reports/schema.js'
import { XLSX_WRITER_YOUNG_GENERATION_MB } from '../../reports/workbook-writer.js'
import { auditSyncTrigger } from './audit-sync.js'
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
  // Its report row (shared table), then its own tables (the snapshots, the audit rows) and the
  // trigger that keeps each audit row in step with its job.
  schema: [
    reportsSchema,
    {
      name: 'kpi-export',
      migrations: new URL('./migrations/', import.meta.url),
      sqlObjects: [auditSyncTrigger],
    },
  ],
  files: (job) => [reportFileOf(job, (job.parameters as KpiExportParameters).fileName)],
  setup: (context) => {
    const exports = createKpiExportService(context)
    return {
      tags: [{ name: 'reports', description: 'KPI exports and data reports: files with a download link' }],
      routes: async (app) => app.register(kpiExportRoutes, { exports }),
    }
  },
}
