// SIGKILL while an import, an export and a batch of short jobs run: another process takes over.
// Every job ends exactly once in a final state, the import's rows are there once or not at all,
// and no orphan object remains in storage.
import { readdirSync } from 'node:fs'
import { join, relative } from 'node:path'
import t from 'tap'
import { createTokenService } from '../../src/auth/tokens.js'
import { seedKpi } from '../../src/job-types/kpi-export/kpi-seed.js'
import { csvBytes, dktRow, HEADER } from '../support/dkt-files.js'
import { startTestFaena, TEST_SECRET } from '../support/faena.js'
import { multipartBody } from '../support/multipart.js'
import { startServerProcess } from '../support/server-process.js'
import { sharedSetup } from '../support/shared-setup.js'
import { waitFor } from '../support/wait.js'

const LEASES = { LEASE_MS: 1500, LEASE_RENEW_MS: 300 }
const FINAL = ['COMPLETED', 'FAILED', 'CANCELLED']

t.test(
  'SIGKILL with an import, an export and short jobs running: each ends once, rows once or not at all, no orphan file',
  async (t) => {
    const { url, dataDir, pool } = await sharedSetup(t, 'crash-all')
    await seedKpi(pool, 200_000)

    const first = await startServerProcess(t, {
      DATABASE_URL: url,
      DATA_DIR: dataDir,
      WORKER_CONCURRENCY: '4',
      LEASE_MS: '1500',
      LEASE_RENEW_MS: '300',
    })
    const auth = { authorization: `Bearer ${createTokenService(TEST_SECRET).sign('alice')}` }
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${first.base}${path}`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
      t.equal(res.status, 202, `${path}: 202`)
      return ((await res.json()) as { jobId: string }).jobId
    }
    const rows = 200_000
    const upload = multipartBody(
      {},
      { name: 'big.csv', content: csvBytes([HEADER, ...Array.from({ length: rows }, (_, i) => dktRow(i))]) },
    )
    const importRes = await fetch(`${first.base}/jobs/dkt-import`, {
      method: 'POST',
      body: upload.payload,
      headers: { ...upload.headers, ...auth },
    })
    t.equal(importRes.status, 202)
    const importId = ((await importRes.json()) as { jobId: string }).jobId
    const exportId = await post('/jobs/kpi-export', {
      filters: { from: '2020-01-01', to: '2029-12-31' },
      format: 'xlsx',
    })
    const shortIds: string[] = []
    for (let i = 0; i < 10; i++)
      shortIds.push(await post('/jobs', { type: 'sleep', parameters: { ms: 200, steps: 2 } }))
    const all = [importId, exportId, ...shortIds]

    await waitFor('the import and the export to be working on their rows', async () => {
      const { rows: busy } = await pool.query(
        `SELECT id FROM processing_job WHERE id = ANY($1) AND status = 'PROCESSING' AND processed_items > 0`,
        [[importId, exportId]],
      )
      return busy.length === 2
    })
    await first.kill()

    const second = await startTestFaena(t, {
      databaseUrl: url,
      config: { DATA_DIR: dataDir, WORKER_CONCURRENCY: 4, ...LEASES, ABANDONED_UPLOAD_MS: 1000 },
    })
    await waitFor(
      'every job to reach a final state',
      async () => {
        const { rows: left } = await pool.query(
          `SELECT id FROM processing_job WHERE id = ANY($1) AND status NOT IN ('COMPLETED', 'FAILED', 'CANCELLED')`,
          [all],
        )
        return left.length === 0
      },
      120_000,
    )

    const { rows: jobs } = await pool.query(
      `SELECT id, type, status, attempts, max_attempts, error, result, parameters FROM processing_job WHERE id = ANY($1)`,
      [all],
    )
    t.equal(jobs.length, all.length, 'every job is there, once')
    for (const j of jobs) {
      t.ok(FINAL.includes(j.status), `${j.type} ${j.id}: ${j.status}`)
      t.ok(j.attempts <= j.max_attempts, `${j.id}: ${j.attempts} of ${j.max_attempts} attempts`)
      if (j.status === 'FAILED')
        t.match(j.error, { code: 'ABANDONED' }, `${j.id} failed only because its process died with no attempt left`)
    }
    const byId = new Map(jobs.map((j) => [j.id, j]))
    t.equal(byId.get(importId).status, 'COMPLETED', 'the import ran again (3 attempts allowed)')
    t.equal(byId.get(exportId).status, 'COMPLETED', 'the export ran again')

    const { rows: lotes } = await pool.query('SELECT id, rows_imported FROM lote')
    t.equal(lotes.length, 1, 'one lote')
    t.equal((await pool.query('SELECT count(*)::int AS n FROM resumen_tarjeta')).rows[0].n, rows, 'every row once')
    t.equal(lotes[0].rows_imported, rows)
    t.match((await pool.query('SELECT status FROM report WHERE job_id = $1', [exportId])).rows[0], {
      status: 'COMPLETED',
    })

    // Every stored file is named by a job; what the killed process was writing is swept.
    const { rows: owned } = await pool.query<{ key: string }>('SELECT key FROM job_file')
    const named = new Set(owned.map((f) => f.key))
    const filesRoot = join(dataDir, 'files')
    const stored = () =>
      readdirSync(filesRoot, { recursive: true, withFileTypes: true })
        .filter((d) => d.isFile())
        .map((d) => relative(filesRoot, join(d.parentPath, d.name)))
    await waitFor('the partial files of the killed process to be swept', async () => {
      await second.faena.retention.sweepOnce()
      return stored().every((k) => !k.includes('.partial-'))
    })
    t.same(
      stored().filter((k) => !named.has(k)),
      [],
      'no orphan file',
    )
  },
)
