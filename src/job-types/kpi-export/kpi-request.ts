// What a KPI export may ask for, in one place: the route validates requests against it and the
// kpi-export job type its parameters, so the two cannot drift apart.
import Type from 'typebox'
import { KPI_COLUMN_KEYS } from './kpi-columns.js'

const Day = (description: string, example: string) => Type.String({ format: 'date', description, examples: [example] })

export const KpiFiltersSchema = Type.Object(
  {
    from: Day('YYYY-MM-DD', '2026-01-01'),
    to: Day('YYYY-MM-DD, inclusive; not before `from`', '2026-03-31'),
    sucursal: Type.Optional(Type.String({ minLength: 1, maxLength: 100, examples: ['Centro'] })),
    indicador: Type.Optional(Type.String({ minLength: 1, maxLength: 100, examples: ['ventas'] })),
  },
  { additionalProperties: false },
)

export const KpiFormatSchema = Type.Union([Type.Literal('xlsx'), Type.Literal('csv')])

export const KpiColumnsSchema = Type.Array(Type.Union(KPI_COLUMN_KEYS.map((k) => Type.Literal(k))), {
  minItems: 1,
  uniqueItems: true,
  description: 'columns and their order (all, in this order, by default)',
  examples: [['fecha', 'sucursal', 'indicador', 'valor', 'meta', 'cumplimiento']],
})
