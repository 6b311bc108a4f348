// Retention: finished jobs past RETENTION_DAYS go with their report rows and every stored file
// their types declare (job_file); recent or unfinished jobs, their files and the audit rows
// stay; expired idempotency keys go.
import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import t from 'tap'
import { recordFiles } from '../../src/queue/job-files.js'
import { startTestFaena, type TestFaena } from '../support/faena.js'
import { S3_CREDENTIALS, startS3 } from '../support/s3.js'

const put = (f: TestFaena, key: string) => f.faena.storage.put(key, Readable.from([`content of ${key}`]))

async function job(
  f: TestFaena,
  id: string,
  status: string,
  daysAgo: number,
  fields: { type?: string; parameters?: unknown; result?: unknown; error?: unknown } = {},
) {
  await f.faena.db.pool.query(
    `INSERT INTO processing_job (id, type, user_id, status, parameters, result, error, completed_at, updated_at, created_at)
     VALUES ($1, $2, 'alice', $3::"JobStatus", $4, $5, $6, CASE WHEN $3::text IN ('COMPLETED', 'FAILED', 'CANCELLED') THEN now() - make_interval(days => $7) END, now() - make_interval(days => $7), now() - make_interval(days => $7, mins => 1))`,
    [
      id,
      fields.type ?? 'noop',
      status,
      JSON.stringify(fields.parameters ?? {}),
      JSON.stringify(fields.result ?? null),
      JSON.stringify(fields.error ?? null),
      daysAgo,
    ],
  )
  // The files its type declares, as the core records them when a job is created and ends.
  const facts = {
    id,
    type: fields.type ?? 'noop',
    status: status as 'COMPLETED',
    parameters: fields.parameters ?? {},
    result: fields.result ?? null,
    error: fields.error ?? null,
  }
  await recordFiles(f.faena.db.pool, id, f.faena.registry.files(facts))
}

async function report(f: TestFaena, jobId: string, key: string) {
  await f.faena.db.pool.query(
    `INSERT INTO report (id, job_id, user_id, kind, storage_key, file_name, format, status) VALUES ($1, $1, 'alice', 'kpi-export', $2, 'f.csv', 'csv', 'COMPLETED')`,
    [jobId, key],
  )
  await put(f, key)
}

t.test('a sweep deletes old finished jobs with their files and report rows, and keeps everything else', async (t) => {
  const f = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 0, RETENTION_DAYS: 7 } })
  await f.faena.retention.settled() // the sweep made at start: this test makes its own
  const db = f.faena.db.pool

  await job(f, 'old-export', 'COMPLETED', 8, { type: 'kpi-export', parameters: { fileName: 'kpi.csv' } })
  await report(f, 'old-export', 'reports/old-export/kpi.csv')
  await db.query(
    `INSERT INTO kpi_auditoria_export (user_id, filters, format, codigo_estado, job_id) VALUES ('alice', '{}', 'csv', 1, 'old-export')`,
  )
  await db.query(
    `INSERT INTO idempotency_key (user_id, key, request_hash, job_id, expires_at) VALUES ('alice', 'live', 'h', 'old-export', now() + interval '1 hour')`,
  )

  await job(f, 'old-import', 'FAILED', 30, {
    type: 'dkt-import',
    parameters: { fileKey: 'uploads/11111111-1111-1111-1111-111111111111' },
    error: { code: 'DKT_INVALID_ROWS', message: 'x', details: { problemsFile: { key: 'problems/old-import.csv' } } },
  })
  await put(f, 'uploads/11111111-1111-1111-1111-111111111111')
  await put(f, 'problems/old-import.csv')

  await job(f, 'old-report', 'CANCELLED', 9, {
    type: 'data-report',
    parameters: { input: { key: 'uploads/22222222-2222-2222-2222-222222222222.ndjson', size: 10 }, fileName: 'r.xlsx' },
  })
  await put(f, 'uploads/22222222-2222-2222-2222-222222222222.ndjson')

  await job(f, 'recent', 'COMPLETED', 6, { type: 'kpi-export', parameters: { fileName: 'kpi.csv' } })
  await report(f, 'recent', 'reports/recent/kpi.csv')
  await db.query(
    `INSERT INTO idempotency_key (user_id, key, request_hash, job_id, expires_at) VALUES ('alice', 'expired', 'h', 'recent', now() - interval '1 second')`,
  )
  await job(f, 'old-running', 'PROCESSING', 40)
  await job(f, 'old-queued', 'QUEUED', 40)

  const swept = await f.faena.retention.sweepOnce()
  // Five declared files: the export's report, the import's upload and problems CSV, the data
  // report's stored rows and the report it never wrote (declared so that a partial one goes too).
  t.same(swept, { jobs: 3, files: 5, keys: 1, partials: 0 })

  const ids = (await db.query('SELECT id FROM processing_job ORDER BY id')).rows.map((r) => r.id)
  t.same(ids, ['old-queued', 'old-running', 'recent'], 'recent and unfinished jobs stay')
  t.same(
    (await db.query('SELECT job_id FROM report')).rows,
    [{ job_id: 'recent' }],
    "the old job's report row went with it",
  )
  for (const key of [
    'reports/old-export/kpi.csv',
    'uploads/11111111-1111-1111-1111-111111111111',
    'problems/old-import.csv',
    'uploads/22222222-2222-2222-2222-222222222222.ndjson',
  ]) {
    t.equal(await f.faena.storage.size(key), null, `${key} removed`)
  }
  t.ok(await f.faena.storage.size('reports/recent/kpi.csv'), "the recent job's file stays")
  t.same(
    (await db.query('SELECT job_id, codigo_estado FROM kpi_auditoria_export')).rows,
    [{ job_id: 'old-export', codigo_estado: 1 }],
    'audit rows are kept',
  )
  t.same(
    (await db.query('SELECT key FROM idempotency_key')).rows,
    [],
    "the old job's key went with it, the expired one too",
  )
  t.same(
    (await db.query('SELECT job_id, key FROM job_file')).rows,
    [{ job_id: 'recent', key: 'reports/recent/kpi.csv' }],
    'file rows went with their jobs',
  )

  t.same(
    await f.faena.retention.sweepOnce(),
    { jobs: 0, files: 0, keys: 0, partials: 0 },
    'a second sweep finds nothing',
  )
})

t.test(
  'a sweep walks past many batches, and keeps the jobs among them that are active or ended recently',
  async (t) => {
    const f = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 0, RETENTION_DAYS: 7 } })
    await f.faena.retention.settled()
    // 600 jobs created about 20 days ago, one a minute: every 7th is still queued, every 11th
    // (not queued) ended only yesterday (a long wait, a late re-run); the rest ended long ago.
    await f.faena.db.pool.query(
      `INSERT INTO processing_job (id, type, user_id, parameters, status, created_at, completed_at)
     SELECT 'j' || g, 'noop', 'alice', '{}',
            (CASE WHEN g % 7 = 0 THEN 'QUEUED' ELSE 'COMPLETED' END)::"JobStatus",
            now() - interval '20 days' + make_interval(mins => g),
            CASE WHEN g % 7 = 0 THEN NULL
                 WHEN g % 11 = 0 THEN now() - interval '1 day'
                 ELSE now() - interval '20 days' + make_interval(mins => g + 1) END
       FROM generate_series(1, 600) g`,
    )
    const kept = Array.from({ length: 600 }, (_, i) => i + 1).filter((g) => g % 7 === 0 || g % 11 === 0)
    t.match(await f.faena.retention.sweepOnce(), { jobs: 600 - kept.length })
    const { rows } = await f.faena.db.pool.query(`SELECT substr(id, 2)::int AS g FROM processing_job ORDER BY 1`)
    t.same(
      rows.map((r) => r.g),
      kept,
    )
  },
)

t.test('RETENTION_DAYS=0 keeps everything', async (t) => {
  const f = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 0, RETENTION_DAYS: 0 } })
  await job(f, 'ancient', 'COMPLETED', 3650)
  t.equal(
    (await f.faena.db.pool.query('SELECT count(*)::int AS n FROM processing_job')).rows[0].n,
    1,
    'not swept at start',
  )
})

t.test(
  'partial uploads left by a dead process go once untouched for ABANDONED_UPLOAD_MS; live ones stay',
  async (t) => {
    const f = await startTestFaena(t, { config: { WORKER_CONCURRENCY: 0, ABANDONED_UPLOAD_MS: 3_600_000 } })
    await f.faena.retention.settled() // the sweep made at start: this test makes its own
    const dir = join(f.config.DATA_DIR, 'files', 'reports', 'dead-job')
    mkdirSync(dir, { recursive: true })
    const old = join(dir, 'kpi.xlsx.partial-0123456789ab')
    const live = join(dir, 'kpi.xlsx.partial-ba9876543210')
    writeFileSync(old, 'half a file')
    writeFileSync(live, 'being written')
    const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000)
    utimesSync(old, twoHoursAgo, twoHoursAgo)
    t.match(await f.faena.retention.sweepOnce(), { partials: 1 })
    t.notOk(existsSync(old), 'the abandoned partial is gone')
    t.ok(existsSync(live), 'the one still being written stays')
  },
)

t.test('an S3-compatible server that cannot list multipart uploads: said once, not at every sweep', async (t) => {
  const s3 = await startS3(t) // s3rver answers ListMultipartUploads with NotImplemented
  process.env.AWS_ACCESS_KEY_ID = S3_CREDENTIALS.accessKeyId
  process.env.AWS_SECRET_ACCESS_KEY = S3_CREDENTIALS.secretAccessKey
  const lines: Record<string, unknown>[] = []
  const f = await startTestFaena(t, {
    config: {
      WORKER_CONCURRENCY: 0,
      RETENTION_DAYS: 7,
      STORAGE: 's3',
      S3_BUCKET: s3.bucket,
      S3_ENDPOINT: s3.endpoint,
      S3_FORCE_PATH_STYLE: true,
    },
    logLines: (l) => lines.push(l),
  })
  await f.faena.retention.settled()
  t.same(await f.faena.retention.sweepOnce(), { jobs: 0, files: 0, keys: 0, partials: 0 })
  await f.faena.retention.sweepOnce()
  const told = lines.filter((l) => /cannot list multipart uploads/.test(String(l.msg)))
  t.equal(told.length, 1, 'one warning for three sweeps')
  t.equal(lines.filter((l) => /could not be listed/.test(String(l.msg))).length, 0)
})
