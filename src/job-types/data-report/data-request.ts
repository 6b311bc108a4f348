// What a data report (POST /jobs/report, the older AsyncReports clients) may ask for, in one
// place: the route checks requests against it and the data-report job type its parameters.
import Type, { type Static } from 'typebox'
import { Compile } from 'typebox/compile'
import { ValidationError } from '../../errors.js'
import { CallbackUrl } from '../../http/schemas/job.js'
import { fieldErrors } from '../../schema-errors.js'
import { type DataColumn, MAX_COLUMNS } from './data-columns.js'

const Key = Type.String({ minLength: 1, maxLength: 200 })

export const DataColumnSchema = Type.Union([
  Key,
  Type.Object(
    { key: Key, header: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) },
    { additionalProperties: false },
  ),
])

export const DataReportOptionsSchema = Type.Object(
  {
    reportType: Type.String({
      minLength: 1,
      maxLength: 64,
      pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$',
      description: 'what the report is; names its file',
      examples: ['ventas-mensuales'],
    }),
    userName: Type.Optional(
      Type.String({ maxLength: 200, description: "shown as the workbook's author", examples: ['Ana Pérez'] }),
    ),
    columns: Type.Optional(
      Type.Array(DataColumnSchema, {
        minItems: 1,
        maxItems: MAX_COLUMNS,
        description:
          'row keys to write, in this order, each optionally with its header; by default the keys of the first 100 rows, in the order they appear',
        examples: [['sucursal', { key: 'total', header: 'Total ARS' }]],
      }),
    ),
    format: Type.Optional(Type.Union([Type.Literal('xlsx'), Type.Literal('csv')], { default: 'xlsx' })),
    compress: Type.Optional(Type.Boolean({ default: false, description: 'deliver the file inside a ZIP archive' })),
    callbackUrl: Type.Optional(CallbackUrl),
  },
  { additionalProperties: false },
)

export type DataReportOptions = Static<typeof DataReportOptionsSchema>

const checkOptions = Compile(DataReportOptionsSchema)

/** The options of a request, checked; a 400 naming the first field at fault otherwise. */
export function parseDataReportOptions(value: unknown): DataReportOptions {
  if (checkOptions.Check(value)) return value
  const fields = fieldErrors(checkOptions.Errors(value))
  const first = fields[0] ?? { field: '(body)', message: 'is invalid' }
  throw new ValidationError(`${first.field}: ${first.message}`, { fields })
}

/** The file a report is delivered in, and the name of the sheet or CSV inside a ZIP. */
export function dataReportFileNames(
  opts: DataReportOptions,
  day: Date,
): { fileName: string; innerName: string | null } {
  const base = `${opts.reportType}_${day.toISOString().slice(0, 10)}`
  const data = `${base}.${opts.format ?? 'xlsx'}`
  return opts.compress ? { fileName: `${base}.zip`, innerName: data } : { fileName: data, innerName: null }
}

export function toDataColumns(columns: Static<typeof DataColumnSchema>[]): DataColumn[] {
  return columns.map((c) => (typeof c === 'string' ? { key: c, header: c } : { key: c.key, header: c.header ?? c.key }))
}
