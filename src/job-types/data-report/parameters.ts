// The parameters of a `data-report` job: checked in the API process before the job is stored. Kept
// apart from the processor so that worker threads never load TypeBox.
import Type, { type Static } from 'typebox'
import { DataReportOptionsSchema } from './data-request.js'

const Options = DataReportOptionsSchema.properties

export const parameters = Type.Object(
  {
    input: Type.Object(
      {
        key: Type.String({ pattern: '^uploads/[0-9a-f-]{36}(\\.ndjson)?$' }),
        kind: Type.Union([Type.Literal('ndjson'), Type.Literal('json-array')]),
        size: Type.Integer({ minimum: 0 }),
        rows: Type.Optional(Type.Integer({ minimum: 0 })),
      },
      { additionalProperties: false },
    ),
    reportType: Options.reportType,
    userName: Options.userName,
    columns: Type.Optional(
      Type.Array(Type.Object({ key: Type.String(), header: Type.String() }, { additionalProperties: false }), {
        minItems: 1,
      }),
    ),
    format: Type.Union([Type.Literal('xlsx'), Type.Literal('csv')]),
    fileName: Type.String({ minLength: 1, maxLength: 200 }),
    innerName: Type.Union([Type.String({ minLength: 1, maxLength: 200 }), Type.Null()]),
  },
  { additionalProperties: false },
)

export type DataReportParameters = Static<typeof parameters>
