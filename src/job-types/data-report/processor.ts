// Turns the rows a client sent (POST /jobs/report: a JSON body or a JSON/NDJSON file, already
// in storage) into an XLSX or CSV report, optionally zipped. The stored rows are removed once
// the report is made; until then a retry can read them again.

import type { JsonValue, Processor } from '../../jobs/processor.js'
import { buildDataReport, type DataReportResult } from './data-report.js'
import type { DataReportParameters } from './parameters.js'

const dataReport: Processor<DataReportParameters, DataReportResult & JsonValue> = async (p, ctx) => {
  const storage = await ctx.resources.storage()
  const result = await buildDataReport(
    { ...p, jobId: ctx.jobId },
    { storage, signal: ctx.signal, progress: ctx.progress },
  )
  await storage.delete(p.input.key).catch(() => {}) // best effort: the report is made either way
  return result as DataReportResult & JsonValue
}

export default dataReport
