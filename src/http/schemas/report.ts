import Type from 'typebox'
import { KpiColumnsSchema, KpiFiltersSchema, KpiFormatSchema } from '../../reports/kpi-request.js'
import { DataReportOptionsSchema } from '../../reports/data-request.js'
import { CreatedJob } from './job.js'

export const KpiExportBody = Type.Object(
  {
    filters: KpiFiltersSchema,
    format: Type.Union(KpiFormatSchema.anyOf, { default: 'xlsx' }),
    columns: Type.Optional(KpiColumnsSchema),
  },
  { additionalProperties: false },
)

export const CreatedExport = Type.Object(
  {
    ...CreatedJob.properties,
    idExport: Type.String({ description: 'the audit row of this request (kpi_auditoria_export)' }),
  },
  { examples: [{ jobId: 'cmwrzpax90001ga7d67qz0v2d', status: 'QUEUED', type: 'kpi-export', createdAt: '2026-11-22T15:26:31.120Z', progress: 0, idExport: '1' }] },
)

export const DataReportBody = Type.Object(
  {
    ...DataReportOptionsSchema.properties,
    rows: Type.Array(Type.Record(Type.String(), Type.Unknown()), {
      description: 'one object per row; numbers stay numbers, ISO dates (YYYY-MM-DD, YYYY-MM-DDTHH:MM:SS) become dates in XLSX, objects and arrays are written as JSON text',
      examples: [[{ sucursal: 'Centro', fecha: '2026-03-01', total: 1520.5 }]],
    }),
  },
  { additionalProperties: false },
)
