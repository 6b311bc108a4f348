// data-report: rows a client sent (JSON, NDJSON) to an XLSX or CSV file with a download link.
// Submitted through its own route, which stores the rows first; the processor removes them
// once the report is made.
import Type from 'typebox'
import type { JobTypeDefinition } from '../../jobs/registry.js'
import { reportFileOf } from '../../reports/report-key.js'
import { reportsSchema } from '../../reports/schema.js'
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
  // Its report row (the report table, shared with the other types that write report files).
  schema: [reportsSchema],
  files: (job) => {
    const p = job.parameters as DataReportParameters
    const input = { key: p.input.key, kind: 'input', bytes: p.input.size }
    return job.status === 'COMPLETED' ? [reportFileOf(job, p.fileName)] : [input, reportFileOf(job, p.fileName)]
  },
  // Its own settings, read from the environment at start (a bad value stops the start).
  settings: Type.Object({
    MAX_REPORT_BODY_BYTES: Type.Integer({
      default: 100 * 1024 * 1024,
      minimum: 1,
      description:
        'largest JSON body of POST /jobs/report (413 beyond, nothing kept); files go as multipart up to MAX_UPLOAD_BYTES',
    }),
  }),
  setup: (context) => {
    const { storage, config, settings } = context
    const reports = createDataReportService(context)
    return {
      tags: [{ name: 'reports', description: 'KPI exports and data reports: files with a download link' }],
      routes: async (app) =>
        app.register(dataReportRoutes, {
          reports,
          storage,
          maxBodyBytes: settings.MAX_REPORT_BODY_BYTES as number,
          maxUploadBytes: config.MAX_UPLOAD_BYTES,
        }),
    }
  },
}
