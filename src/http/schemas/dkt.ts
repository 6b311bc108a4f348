import Type from 'typebox'
import { LOTE_EXAMPLE, page } from './examples.js'
import { PageOf, PageQuery } from './page.js'

export const Lote = Type.Object(
  {
    id: Type.String(),
    jobId: Type.String(),
    userId: Type.String(),
    fileName: Type.String(),
    fileSha256: Type.String(),
    fileSize: Type.Integer(),
    rowsRead: Type.Integer(),
    rowsImported: Type.Integer(),
    rowsInvalid: Type.Integer({ description: 'left out (onError=skip)' }),
    rowsDuplicate: Type.Integer({ description: 'repeated within the file, imported once' }),
    dateFrom: Type.Union([Type.String({ format: 'date' }), Type.Null()]),
    dateTo: Type.Union([Type.String({ format: 'date' }), Type.Null()]),
    totals: Type.Array(Type.Object({ moneda: Type.String(), importe: Type.String({ description: 'exact decimal' }), rows: Type.Integer() })),
    createdAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'Lote', examples: [LOTE_EXAMPLE] },
)

export const LoteParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$', examples: [LOTE_EXAMPLE.id] }) })

export const ListQuery = PageQuery({})

export const LoteList = PageOf(Type.Ref('Lote'), page(LOTE_EXAMPLE))

/** The multipart form of POST /jobs/dkt-import, for the documentation (parsed by hand). */
export const DktUploadForm = Type.Object({
  file: Type.String({ format: 'binary', description: 'the DKT file, CSV or XLSX' }),
  onError: Type.Optional(Type.Union([Type.Literal('reject'), Type.Literal('skip')], { default: 'reject' })),
  force: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')], { default: 'false' })),
})
