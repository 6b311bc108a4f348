// data-report: rows a client sent (JSON, NDJSON) to an XLSX or CSV file with a download link.
// Submitted through its own route, which stores the rows first; the processor removes them
// once the report is made.
import type { JobTypeDefinition } from '../../jobs/registry.js'
import { reportFileOf } from '../../reports/report-key.js'
import { XLSX_WRITER_YOUNG_GENERATION_MB } from '../../reports/workbook-writer.js'
import { type DataReportParameters, parameters } from './parameters.js'
import dataReportRoutes from './routes.js'
import { createDataReportService } from './service.js'

export const dataReport: JobTypeDefinition = {
  name: 'data-report',
  parameters,
  processor: new URL('./processor.js', import.meta.url),
  description: 'turns rows a client sent (JSON, NDJSON) into an XLSX or CSV file with a download link',
  submittedThrough: 'POST /jobs/report',
  // Reads its stored rows and writes a new file each time: safe to run again after a crash.
  defaults: { maxAttempts: 3, timeoutMs: 2 * 3_600_000 },
  youngGenerationMb: XLSX_WRITER_YOUNG_GENERATION_MB,
  files: (job) => {
    const p = job.parameters as DataReportParameters
    const input = { key: p.input.key, kind: 'input', bytes: p.input.size }
    return job.status === 'COMPLETED' ? [reportFileOf(job, p.fileName)] : [input, reportFileOf(job, p.fileName)]
  },
  setup: ({ db, storage, jobs, config }) => {
    const reports = createDataReportService(db, storage, jobs)
    return {
      tags: [{ name: 'reports', description: 'KPI exports and data reports: files with a download link' }],
      routes: async (app) =>
        app.register(dataReportRoutes, {
          reports,
          storage,
          maxBodyBytes: config.MAX_REPORT_BODY_BYTES,
          maxUploadBytes: config.MAX_UPLOAD_BYTES,
        }),
    }
  },
}
