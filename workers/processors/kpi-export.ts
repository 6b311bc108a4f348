// Exports KPI snapshots (kpi_snapshot_diario) to an XLSX or CSV file in storage. Submitted
// through POST /jobs/kpi-export, which records the audit row and the report row first.
import Type, { type Static } from 'typebox'
import { KPI_COLUMN_KEYS } from '../../src/reports/kpi-columns.js'
import { exportKpi, type KpiExportResult } from '../../src/reports/kpi-export.js'
import type { JsonValue, Processor } from '../processor.js'

const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' })

export const parameters = Type.Object(
  {
    idExport: Type.String({ pattern: '^[0-9]+$' }),
    filters: Type.Object(
      { from: Day, to: Day, sucursal: Type.Optional(Type.String()), indicador: Type.Optional(Type.String()) },
      { additionalProperties: false },
    ),
    format: Type.Union([Type.Literal('xlsx'), Type.Literal('csv')]),
    columns: Type.Optional(Type.Array(Type.Union(KPI_COLUMN_KEYS.map((k) => Type.Literal(k))))),
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
