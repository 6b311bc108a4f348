import Type from 'typebox'
import { DataReportOptionsSchema } from './data-request.js'

export const DataReportBody = Type.Object(
  {
    ...DataReportOptionsSchema.properties,
    rows: Type.Array(Type.Record(Type.String(), Type.Unknown()), {
      description:
        'one object per row; numbers stay numbers, ISO dates (YYYY-MM-DD, YYYY-MM-DDTHH:MM:SS) become dates in XLSX, objects and arrays are written as JSON text',
      examples: [[{ sucursal: 'Centro', fecha: '2026-03-01', total: 1520.5 }]],
    }),
  },
  { additionalProperties: false },
)
