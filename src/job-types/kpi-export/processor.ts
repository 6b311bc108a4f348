// Exports KPI snapshots (kpi_snapshot_diario) to an XLSX or CSV file in storage. Submitted
// through POST /jobs/kpi-export, which records the audit row and the report row first.

import type { JsonValue, Processor } from '../../jobs/processor.js'
import { exportKpi, type KpiExportResult } from './kpi-export.js'
import type { KpiExportParameters } from './parameters.js'

const kpiExport: Processor<KpiExportParameters, KpiExportResult & JsonValue> = async (p, ctx) => {
  const result = await exportKpi(
    { ...p, jobId: ctx.jobId },
    {
      pool: ctx.resources.db(),
      storage: await ctx.resources.storage(),
      signal: ctx.signal,
      progress: ctx.progress,
      trace: ctx.trace,
    },
  )
  return result as KpiExportResult & JsonValue
}

export default kpiExport
