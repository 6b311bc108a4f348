// Exports KPI snapshots (kpi_snapshot_diario) to an XLSX or CSV file in storage. Submitted
// through POST /jobs/kpi-export, which records the audit row and the report row first.
import Type, { type Static } from 'typebox'
import { KpiColumnsSchema, KpiFiltersSchema, KpiFormatSchema } from '../../src/reports/kpi-request.js'
import { exportKpi, type KpiExportResult } from '../../src/reports/kpi-export.js'
import type { JsonValue, Processor } from '../processor.js'

export const parameters = Type.Object(
  {
    idExport: Type.String({ pattern: '^[0-9]+$' }),
    filters: KpiFiltersSchema,
    format: KpiFormatSchema,
    columns: Type.Optional(KpiColumnsSchema),
    fileName: Type.String({ minLength: 1, maxLength: 200 }),
  },
  { additionalProperties: false },
)

const kpiExport: Processor<Static<typeof parameters>, KpiExportResult & JsonValue> = async (p, ctx) => {
  const result = await exportKpi(
    { ...p, jobId: ctx.jobId },
    { pool: ctx.resources.db(), storage: await ctx.resources.storage(), signal: ctx.signal, progress: ctx.progress },
  )
  return result as KpiExportResult & JsonValue
}

export default kpiExport
