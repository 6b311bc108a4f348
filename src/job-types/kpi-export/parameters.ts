// The parameters of a `kpi-export` job: checked in the API process before the job is stored. Kept
// apart from the processor so that worker threads never load TypeBox.
import Type, { type Static } from 'typebox'
import { KpiColumnsSchema, KpiFiltersSchema, KpiFormatSchema } from './kpi-request.js'

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

export type KpiExportParameters = Static<typeof parameters>
