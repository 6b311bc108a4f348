import Type from 'typebox'
import { EXAMPLE_JOB_ID, page } from '../../http/schemas/examples.js'
import { PageOf, PageQuery } from '../../http/schemas/page.js'

const LOTE_EXAMPLE = {
  id: '17342fd3-bf1b-4ae2-acfd-9b20bf8eb14b',
  jobId: EXAMPLE_JOB_ID,
  userId: 'alice',
  fileName: 'marzo.csv',
  fileSha256: '9f2c4d1e0b7a6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d',
  fileSize: 1194412,
  rowsRead: 18000,
  rowsImported: 18000,
  rowsInvalid: 0,
  rowsDuplicate: 0,
  dateFrom: '2026-03-01',
  dateTo: '2026-03-28',
  totals: [
    { moneda: 'ARS', importe: '7237204.80', rows: 14400 },
    { moneda: 'USD', importe: '1809181.20', rows: 3600 },
  ],
  createdAt: '2026-11-22T15:26:26.656Z',
}

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
    totals: Type.Array(
      Type.Object({
        moneda: Type.String(),
        importe: Type.String({ description: 'exact decimal' }),
        rows: Type.Integer(),
      }),
    ),
    createdAt: Type.String({ format: 'date-time' }),
  },
  { examples: [LOTE_EXAMPLE] },
)

export const LoteParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$', examples: [LOTE_EXAMPLE.id] }),
})

export const ListQuery = PageQuery({})

export const LoteList = PageOf(Lote, page(LOTE_EXAMPLE))

/** The multipart form of POST /jobs/dkt-import, for the documentation (parsed by hand). */
export const DktUploadForm = Type.Object({
  file: Type.String({ format: 'binary', description: 'the DKT file, CSV or XLSX' }),
  onError: Type.Optional(Type.Union([Type.Literal('reject'), Type.Literal('skip')], { default: 'reject' })),
  force: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')], { default: 'false' })),
})
