// Jobs and uploads when S3 goes away (s3rver stopped, then started again on the same port and
// directory). An export whose upload fails ends its attempt within seconds (it used to wait
// forever for the upload to take its bytes), is retried, and completes once S3 is back, or ends
// FAILED with STORAGE_UNAVAILABLE when its attempts run out. An upload into a dead S3 is a
// prompt 503, and nothing is kept.
import { readdir } from 'node:fs/promises'
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3'
import t, { type Test } from 'tap'
import type { Config } from '../../src/config/schema.js'
import { freePort } from '../../src/db/embedded-postgres.js'
import { seedKpi } from '../../src/job-types/kpi-export/kpi-seed.js'
import { csvBytes, dktRow, HEADER } from '../support/dkt-files.js'
import { startTestFaena } from '../support/faena.js'
import { jobRow, waitForStatus } from '../support/jobs.js'
import { S3_CREDENTIALS, startS3, type TestS3 } from '../support/s3.js'
import { waitFor } from '../support/wait.js'

process.env.AWS_ACCESS_KEY_ID = S3_CREDENTIALS.accessKeyId
process.env.AWS_SECRET_ACCESS_KEY = S3_CREDENTIALS.secretAccessKey

const s3Config = (s3: TestS3): Partial<Config> => ({
  STORAGE: 's3',
  S3_ENDPOINT: s3.endpoint,
  S3_BUCKET: s3.bucket,
  S3_FORCE_PATH_STYLE: true,
  AWS_REGION: 'us-east-1',
  S3_CONNECT_TIMEOUT_MS: 1000,
  S3_REQUEST_TIMEOUT_MS: 5000,
  S3_IDLE_TIMEOUT_MS: 2000,
})

const errorCode = (row: { error: unknown }) => (row.error as { code?: string } | null)?.code

async function exportOf(t: Test, rows: number, config: Partial<Config>) {
  const s3 = await startS3(t)
  const f = await startTestFaena(t, { config: { ...s3Config(s3), ...config } })
  await seedKpi(f.faena.db.pool, rows)
  return { s3, f }
}

t.test(
  'S3 stops in the middle of an export and comes back: the attempt fails, the job is retried and completes',
  async (t) => {
    // The retry waits 0.4 to 4 s (jittered): S3 is back long before it.
    const { s3, f } = await exportOf(t, 200_000, { RETRY_BASE_MS: 4000, RETRY_MAX_MS: 4000 })
    const res = await f
      .as('alice')
      .post('/jobs/kpi-export', { filters: { from: '2020-01-01', to: '2029-12-31' }, format: 'xlsx' })
    t.equal(res.statusCode, 202, res.body)
    const { jobId } = res.json()
    await waitFor(
      'the export to be writing rows',
      async () => ((await jobRow(f.faena, jobId)).processedItems ?? 0) > 0,
      30_000,
    )
    await s3.stop()
    const failed = await waitFor(
      'the attempt to fail',
      async () => {
        const row = await jobRow(f.faena, jobId)
        return row.status !== 'PROCESSING' ? row : null
      },
      30_000,
    )
    t.match(failed, { status: 'QUEUED', attempts: 1 }, 'the attempt ended and the job waits for its retry')
    t.equal(errorCode(failed), 'STORAGE_UNAVAILABLE', 'with a named code')
    await s3.start()
    const done = await waitForStatus(f.faena, jobId, 'COMPLETED', 60_000)
    t.equal(done.attempts, 2, 'completed by the second attempt')
    const result = done.result as { downloadUrl: string; fileSizeBytes: number; recordsProcessed: number }
    t.equal(result.recordsProcessed, 200_000)
    const file = await fetch(result.downloadUrl)
    t.equal(file.status, 200)
    t.equal((await file.arrayBuffer()).byteLength, result.fileSizeBytes, 'the whole file is in the bucket')
  },
)

t.test('S3 stays down: the export ends FAILED with STORAGE_UNAVAILABLE once its attempts run out', async (t) => {
  const { s3, f } = await exportOf(t, 2000, { RETRY_BASE_MS: 20, RETRY_MAX_MS: 50 })
  await s3.stop()
  const { jobId } = (
    await f.as('alice').post('/jobs/kpi-export', { filters: { from: '2020-01-01', to: '2020-01-31' }, format: 'csv' })
  ).json()
  const failed = await waitForStatus(f.faena, jobId, 'FAILED', 60_000)
  t.equal(errorCode(failed), 'STORAGE_UNAVAILABLE')
  t.equal(failed.attempts, failed.maxAttempts, 'after every attempt')
  t.match((failed.error as { message: string }).message, /file storage is unavailable/)
})

t.test(
  'S3 goes away while a DKT file streams in: a prompt 503 STORAGE_UNAVAILABLE, no job, nothing kept',
  async (t) => {
    const s3 = await startS3(t)
    const port = await freePort()
    const f = await startTestFaena(t, { config: { ...s3Config(s3), PORT: port } })
    await f.faena.listen()
    // A 12 MiB CSV sent in two halves: S3 goes away between them.
    const rows = [HEADER, ...Array.from({ length: 160_000 }, (_, i) => dktRow(i))]
    const csv = csvBytes(rows)
    const boundary = 'faenaoutage'
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\nContent-Type: text/csv\r\n\r\n`,
    )
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`)
    const half = Math.floor(csv.length / 2)
    let sendRest!: () => void
    const rest = new Promise<void>((ok) => (sendRest = ok))
    const body = new ReadableStream<Uint8Array>({
      async start(c) {
        c.enqueue(head)
        c.enqueue(csv.subarray(0, half))
        await rest
        c.enqueue(csv.subarray(half))
        c.enqueue(tail)
        c.close()
      },
    })
    const answer = fetch(`http://127.0.0.1:${port}/jobs/dkt-import`, {
      method: 'POST',
      body,
      duplex: 'half',
      headers: {
        'content-type': `multipart/form-data; boundary=${boundary}`,
        authorization: `Bearer ${f.token('alice')}`,
      },
    } as RequestInit)
    answer.catch(() => {}) // awaited below
    await waitFor('the upload to reach S3', async () => (await s3Files(s3)).length > 0, 30_000)
    await s3.stop()
    const stopped = Date.now()
    sendRest()
    const res = await answer
    t.comment(`answered ${Date.now() - stopped} ms after S3 stopped`)
    t.equal(res.status, 503)
    t.match(await res.json(), { statusCode: 503, code: 'STORAGE_UNAVAILABLE', message: /file storage is unavailable/ })
    t.equal(await f.faena.db.prisma.processingJob.count(), 0, 'no job was created')
    await s3.start()
    t.same(await s3Objects(s3), [], 'no object in the bucket')
  },
)

/** Every file s3rver holds, objects and multipart parts. */
async function s3Files(s3: TestS3): Promise<string[]> {
  const entries = await readdir(s3.directory, { recursive: true, withFileTypes: true })
  return entries.filter((d) => d.isFile() && !d.name.startsWith('.')).map((d) => d.name)
}

/** The bucket's objects, listed over S3. */
async function s3Objects(s3: TestS3): Promise<string[]> {
  const client = new S3Client({
    region: 'us-east-1',
    endpoint: s3.endpoint,
    forcePathStyle: true,
    credentials: S3_CREDENTIALS,
  })
  try {
    const out = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket }))
    return (out.Contents ?? []).map((o) => o.Key!)
  } finally {
    client.destroy()
  }
}
