import Type from 'typebox'
import { KpiColumnsSchema, KpiFiltersSchema, KpiFormatSchema } from '../../reports/kpi-request.js'
import { CreatedJob } from './job.js'

export const KpiExportBody = Type.Object(
  {
    filters: KpiFiltersSchema,
    format: Type.Union(KpiFormatSchema.anyOf, { default: 'xlsx' }),
    columns: Type.Optional(KpiColumnsSchema),
  },
  { additionalProperties: false },
)

export const CreatedExport = Type.Object({
  ...CreatedJob.properties,
  idExport: Type.String({ description: 'the audit row of this request (kpi_auditoria_export)' }),
})
