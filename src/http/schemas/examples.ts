// Examples shown in the OpenAPI document (and checked there by test/http/openapi.test.ts), in
// the shape the API answers. The core's examples use a made-up job type, `resize-images`: the
// core names none of the real ones (each type's own routes show its real examples).
export const EXAMPLE_JOB_ID = '019ae0c2-5b1e-7c3a-9f21-4d8e2b6a1c07'
const ID = EXAMPLE_JOB_ID

export const JOB_EXAMPLE = {
  id: ID,
  type: 'resize-images',
  status: 'PROCESSING',
  priority: 'NORMAL',
  progress: 42,
  processedItems: 7560,
  totalItems: 18000,
  message: 'resized 7560 images',
  userId: 'alice',
  parameters: { folder: 'uploads/2026-03', width: 640 },
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
  previousRuns: [],
  callbackUrl: null,
  scheduleId: null,
  scheduledFor: null,
}

export const CREATED_EXAMPLE = {
  jobId: ID,
  status: 'QUEUED',
  type: 'resize-images',
  createdAt: '2026-11-22T15:26:26.511Z',
  progress: 0,
}

export const page = <T>(item: T) => ({ data: [item], pagination: { total: 1, limit: 20, offset: 0, hasMore: false } })
