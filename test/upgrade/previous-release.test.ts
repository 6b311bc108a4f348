// A rolling upgrade: nodes of the previous release (scripts/previous-release.mjs, built from this
// repository's history) keep working while a node of this release migrates their database, and
// after, until they are stopped. Jobs run across the migration, then both releases take every
// kind of job through their own routes; none is lost, every report and audit row follows its
// job, and the old node logs no error.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { createTokenService } from '../../src/auth/tokens.js'
import { databaseUrl, withClient } from '../../src/db/ensure-database.js'
import { SCHEMA_VERSION } from '../../src/db/schema-version.js'
import { csvBytes, dktRow, HEADER } from '../support/dkt-files.js'
import { upload } from '../support/dkt-upload.js'
import { startTestFaena, TEST_SECRET } from '../support/faena.js'
import { startServerProcess } from '../support/server-process.js'
import { waitFor } from '../support/wait.js'

const previous = process.env.FAENA_PREVIOUS_RELEASE
const adminUrl = () => process.env.FAENA_TEST_ADMIN_URL!

t.test('previous-release nodes keep running jobs while this release migrates their database', async (t) => {
  if (!previous) throw new Error('run the suite with `npm test` (it builds the previous release)')
  const name = `faena_t_upgrade_${Date.now().toString(36)}`
  await withClient(adminUrl(), (c) => c.query(`CREATE DATABASE "${name}"`))
  t.teardown(() => withClient(adminUrl(), (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)))
  const url = databaseUrl(adminUrl(), name)
  // One file store for both releases: a job added on one node may run on the other.
  const shared = mkdtempSync(join(tmpdir(), 'faena-upgrade-'))
  t.teardown(() => rmSync(shared, { recursive: true, force: true }))

  // The database as the previous release makes it, and one of its nodes at work.
  const old = await startServerProcess(
    t,
    { DATABASE_URL: url, DATA_DIR: shared, WORKER_CONCURRENCY: '2' },
    { serverJs: join(previous, 'dist', 'src', 'server.js'), cwd: previous },
  )
  const tokens = createTokenService(TEST_SECRET)
  const call = async (base: string, path: string, body: unknown, user: string): Promise<string> => {
    const form = body instanceof FormData
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${tokens.sign(user)}`,
        ...(form ? {} : { 'content-type': 'application/json' }),
      },
      body: form ? body : JSON.stringify(body),
    })
    const json = (await res.json()) as { jobId?: string; code?: string; message?: string }
    t.equal(res.status, 202, `${path} on the old node: ${JSON.stringify(json)}`)
    return json.jobId!
  }
  const dktUpload = (rows: string[][]) => {
    const form = new FormData()
    form.set('file', new Blob([csvBytes(rows)]), 'resumen.csv')
    return form
  }
  const jobs: string[] = []
  for (let i = 0; i < 4; i++)
    jobs.push(await call(old.base, '/jobs', { type: 'sleep', parameters: { ms: 2000 } }, 'ana'))

  // This release's node arrives, migrates while those run, and takes work too.
  const now = await startTestFaena(t, { databaseUrl: url, config: { DATA_DIR: shared } })
  const { rows: versions } = await withClient(url, (c) => c.query('SELECT version FROM faena_schema'))
  t.same(versions, [{ version: SCHEMA_VERSION }], 'migrated to this release')
  const runningAcross = await withClient(url, (c) =>
    c.query(`SELECT count(*)::int AS n FROM processing_job WHERE id = ANY($1) AND status <> 'QUEUED'`, [jobs]),
  )
  t.ok(runningAcross.rows[0].n > 0, 'the old node had jobs under way while the new one migrated')

  // The old node, over HTTP: each kind of job through its own route, once its threads are free
  // (a node starts a job where it is added when it has a thread free: these run on it).
  await waitFor(
    'the first jobs to end',
    async () =>
      (
        await withClient(url, (c) =>
          c.query(`SELECT count(*)::int AS n FROM processing_job WHERE id = ANY($1) AND status = 'COMPLETED'`, [jobs]),
        )
      ).rows[0].n === jobs.length,
    30_000,
  )
  const oldJobs = jobs.length
  const january = { filters: { from: '2020-01-01', to: '2020-01-31' }, format: 'csv' }
  jobs.push(await call(old.base, '/jobs', { type: 'noop' }, 'ana'))
  jobs.push(await call(old.base, '/jobs/dkt-import', dktUpload([HEADER, dktRow(1), dktRow(2)]), 'ana'))
  jobs.push(await call(old.base, '/jobs/kpi-export', january, 'ana'))
  // The new node, in process, the same.
  const bea = now.as('bea')
  for (const [path, body] of [
    ['/jobs', { type: 'noop' }],
    ['/jobs', { type: 'sleep', parameters: { ms: 10 } }],
    ['/jobs/kpi-export', january],
  ] as const) {
    const res = await bea.post(path, body)
    t.equal(res.statusCode, 202, `${path} on the new node`)
    jobs.push(res.json().jobId)
  }
  const oldNoop = jobs[oldJobs]!
  const imported = await upload(now, 'bea', { name: 'resumen.csv', content: csvBytes([HEADER, dktRow(3)]) })
  t.equal(imported.statusCode, 202, 'a DKT upload on the new node')
  jobs.push(imported.json().jobId)

  const ended = await waitFor(
    'every job to end',
    async () => {
      const { rows } = await withClient(url, (c) =>
        c.query<{ status: string; n: number }>(
          `SELECT status, count(*)::int AS n FROM processing_job WHERE id = ANY($1) GROUP BY status`,
          [jobs],
        ),
      )
      return rows.every((r) => r.status !== 'QUEUED' && r.status !== 'PROCESSING') && rows
    },
    60_000,
  )
  t.same(ended, [{ status: 'COMPLETED', n: jobs.length }], 'every job completed, on whichever node')
  const followers = await withClient(url, (c) =>
    c.query(`SELECT (SELECT array_agg(DISTINCT status::text) FROM report) AS reports,
                    (SELECT array_agg(DISTINCT codigo_estado) FROM kpi_auditoria_export) AS audits,
                    (SELECT count(*)::int FROM lote) AS lotes`),
  )
  t.same(followers.rows[0], { reports: ['COMPLETED'], audits: [1], lotes: 2 }, 'report and audit rows followed')
  const errors = old.lines.filter((l) => {
    const level = (JSON.parse(l) as { level?: number }).level ?? 0
    return level >= 50
  })
  t.same(errors, [], 'the old node logged no error')
  const completedOnOld = old.lines
    .map((l) => JSON.parse(l) as { event?: string; jobId?: string })
    .filter((l) => l.event === 'job.completed')
    .map((l) => l.jobId)
  // A job added through POST /jobs on a node with a free thread starts there: the noop ran on the
  // old node, whose SQL (the enqueue's older form, the claim, the completion) met the new schema.
  t.ok(completedOnOld.includes(oldNoop), 'the old node ran a job added after the migration')
})
