import Type from 'typebox'
import { CallbackUrl, CreatedJob } from '../../http/schemas/job.js'
import { KpiColumnsSchema, KpiFiltersSchema, KpiFormatSchema } from './kpi-request.js'

export const KpiExportBody = Type.Object(
  {
    filters: KpiFiltersSchema,
    format: Type.Union(KpiFormatSchema.anyOf, { default: 'xlsx' }),
    columns: Type.Optional(KpiColumnsSchema),
    callbackUrl: Type.Optional(CallbackUrl),
  },
  { additionalProperties: false },
)

export const CreatedExport = Type.Object(
  {
    ...CreatedJob.properties,
    idExport: Type.String({ description: 'the audit row of this request (kpi_auditoria_export)' }),
  },
  {
    examples: [
      {
        jobId: '019ae0c2-8d44-7e10-b5a9-3f0c6e7d2a18',
        status: 'QUEUED',
        type: 'kpi-export',
        createdAt: '2026-11-22T15:26:31.120Z',
        progress: 0,
        idExport: '1',
      },
    ],
  },
)
