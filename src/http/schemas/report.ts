import Type from 'typebox'
import { KPI_COLUMN_KEYS } from '../../reports/kpi-columns.js'
import { CreatedJob } from './job.js'

const Day = Type.String({ format: 'date', description: 'YYYY-MM-DD', examples: ['2026-01-01'] })

export const KpiExportBody = Type.Object(
  {
    filters: Type.Object(
      {
        from: Day,
        to: Type.String({ format: 'date', description: 'YYYY-MM-DD, inclusive; not before `from`', examples: ['2026-03-31'] }),
        sucursal: Type.Optional(Type.String({ minLength: 1, maxLength: 100, examples: ['Centro'] })),
        indicador: Type.Optional(Type.String({ minLength: 1, maxLength: 100, examples: ['ventas'] })),
      },
      { additionalProperties: false },
    ),
    format: Type.Union([Type.Literal('xlsx'), Type.Literal('csv')], { default: 'xlsx' }),
    columns: Type.Optional(
      Type.Array(Type.Union(KPI_COLUMN_KEYS.map((k) => Type.Literal(k))), {
        minItems: 1,
        uniqueItems: true,
        description: 'columns and their order (all, in this order, by default)',
        examples: [['fecha', 'sucursal', 'indicador', 'valor', 'meta', 'cumplimiento']],
      }),
    ),
  },
  { additionalProperties: false },
)

export const CreatedExport = Type.Object({
  ...CreatedJob.properties,
  idExport: Type.String({ description: 'the audit row of this request (kpi_auditoria_export)' }),
})
