// Examples shown in the OpenAPI document (and checked there by test/http/openapi.test.ts): what
// the API really answers, taken from a session against a running server.
const ID = 'cmwrzp1hr0000ga7dqxjvm2vt'

export const JOB_EXAMPLE = {
  id: ID,
  type: 'dkt-import',
  status: 'PROCESSING',
  priority: 'NORMAL',
  progress: 42,
  processedItems: 7560,
  totalItems: 18000,
  message: 'read 7560 rows',
  userId: 'alice',
  parameters: { fileName: 'marzo.csv', kind: 'csv', size: 1194412, onError: 'reject', force: false },
  result: null,
  error: null,
  attempts: 1,
  maxAttempts: 3,
  timeoutMs: 3600000,
  runAt: '2026-11-22T15:26:26.511Z',
  createdAt: '2026-11-22T15:26:26.511Z',
  updatedAt: '2026-11-22T15:26:26.760Z',
  startedAt: '2026-11-22T15:26:26.528Z',
  completedAt: null,
  cancelRequestedAt: null,
  etaSeconds: 1,
  estimatedCompletionAt: '2026-11-22T15:26:27.760Z',
}

export const CREATED_EXAMPLE = { jobId: ID, status: 'QUEUED', type: 'dkt-import', createdAt: '2026-11-22T15:26:26.511Z', progress: 0 }

export const LOTE_EXAMPLE = {
  id: '17342fd3-bf1b-4ae2-acfd-9b20bf8eb14b',
  jobId: ID,
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
  totals: [{ moneda: 'ARS', importe: '7237204.80', rows: 14400 }, { moneda: 'USD', importe: '1809181.20', rows: 3600 }],
  createdAt: '2026-11-22T15:26:26.656Z',
}

export const page = <T>(item: T) => ({ data: [item], pagination: { total: 1, limit: 20, offset: 0, hasMore: false } })
