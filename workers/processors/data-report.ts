// Turns the rows a client sent (POST /jobs/report: a JSON body or a JSON/NDJSON file, already
// in storage) into an XLSX or CSV report, optionally zipped. The stored rows are removed once
// the report is made; until then a retry can read them again.
import Type, { type Static } from 'typebox'
import { buildDataReport, type DataReportResult } from '../../src/reports/data-report.js'
import { DataReportOptionsSchema } from '../../src/reports/data-request.js'
import type { JsonValue, Processor } from '../processor.js'

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
    columns: Type.Optional(Type.Array(Type.Object({ key: Type.String(), header: Type.String() }, { additionalProperties: false }), { minItems: 1 })),
    format: Type.Union([Type.Literal('xlsx'), Type.Literal('csv')]),
    fileName: Type.String({ minLength: 1, maxLength: 200 }),
    innerName: Type.Union([Type.String({ minLength: 1, maxLength: 200 }), Type.Null()]),
  },
  { additionalProperties: false },
)

const dataReport: Processor<Static<typeof parameters>, DataReportResult & JsonValue> = async (p, ctx) => {
  const storage = await ctx.resources.storage()
  const result = await buildDataReport({ ...p, jobId: ctx.jobId }, { storage, signal: ctx.signal, progress: ctx.progress })
  await storage.delete(p.input.key).catch(() => {}) // the retention sweep gets it otherwise
  return result as DataReportResult & JsonValue
}

export default dataReport
