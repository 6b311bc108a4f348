// Behind a real PgBouncer in transaction mode (the pooler most deployments put in front of
// PostgreSQL), with and without DATABASE_DIRECT_URL: jobs complete, an import lands once, an
// export completes, a cancel lands, an API node and two worker processes share the jobs, and no
// process logs an error. With DATABASE_DIRECT_URL the poll and the heartbeat are too slow to
// matter, so jobs starting and cancels arriving prove that LISTEN works on the direct URL.
import t, { type Test } from 'tap'
import { seedKpi } from '../../src/job-types/kpi-export/kpi-seed.js'
import { createTestDatabase } from '../support/database.js'
import { csvBytes, dktRow, HEADER } from '../support/dkt-files.js'
import { startTestFaena } from '../support/faena.js'
import { openGates } from '../support/gates.js'
import { waitForStatus } from '../support/jobs.js'
import { multipartBody } from '../support/multipart.js'
import { startPgBouncer } from '../support/pgbouncer.js'
import { startServerProcess } from '../support/server-process.js'
import { waitFor } from '../support/wait.js'

type LogLine = Record<string, unknown> & { level: number; msg?: string }
const ERROR = 50

/** A test database, a pooler in front of it, and the settings of a node behind that pooler. */
async function pooled(t: Test, direct: boolean) {
  const directUrl = await createTestDatabase(t)
  const pooler = await startPgBouncer(t, directUrl)
  const url = pooler.url(new URL(directUrl).pathname.slice(1))
  // With the direct URL, a minute-long poll and heartbeat: only NOTIFY can start or cancel a job
  // within the test. Without it, the poll and the heartbeat are all there is.
  const timing = direct
    ? { DATABASE_DIRECT_URL: directUrl, POLL_INTERVAL_MS: 60_000, LEASE_RENEW_MS: 60_000, LEASE_MS: 120_000 }
    : { POLL_INTERVAL_MS: 100, LEASE_RENEW_MS: 200 }
  return { url, directUrl, timing }
}

const listenWarning = (lines: LogLine[]) =>
  lines.filter((l) => /LISTEN\/NOTIFY does not reach this process/.test(l.msg ?? ''))

for (const direct of [true, false]) {
  const mode = direct ? 'with DATABASE_DIRECT_URL' : 'without DATABASE_DIRECT_URL'

  t.test(`one node behind the pooler, ${mode}: jobs, an import, an export and a cancel`, async (t) => {
    const { url, timing } = await pooled(t, direct)
    const lines: LogLine[] = []
    const gates = openGates(t)
    const f = await startTestFaena(t, {
      databaseUrl: url,
      config: { ...timing, CANCEL_GRACE_MS: 60_000 },
      logLines: (l) => lines.push(l as LogLine),
    })
    t.equal(
      listenWarning(lines).length,
      direct ? 0 : 1,
      direct ? 'LISTEN works on the direct URL' : 'the log says that jobs start on the poll, and why',
    )

    const ids: string[] = []
    for (let i = 0; i < 20; i++)
      ids.push((await f.as(`u${i % 3}`).post('/jobs', { type: 'sleep', parameters: { ms: 5, steps: 1 } })).json().jobId)
    for (const id of ids) await waitForStatus(f.faena, id, 'COMPLETED')
    t.pass('20 jobs completed')

    const rows = [HEADER, ...Array.from({ length: 500 }, (_, i) => dktRow(i))]
    const { payload, headers } = multipartBody({}, { name: 'pooled.csv', content: csvBytes(rows) })
    const upload = await f.faena.app.inject({
      method: 'POST',
      url: '/jobs/dkt-import',
      payload,
      headers: { ...headers, authorization: `Bearer ${f.token('alice')}` },
    })
    t.equal(upload.statusCode, 202, upload.body)
    const imported = await waitForStatus(f.faena, upload.json().jobId, 'COMPLETED', 30_000)
    t.match(imported.result, { rowsImported: 500 })
    const landed = await f.faena.db.pool.query(
      'SELECT count(*)::int AS rows, count(DISTINCT lote_id)::int AS lotes FROM resumen_tarjeta',
    )
    t.same(landed.rows[0], { rows: 500, lotes: 1 }, 'the import landed once')

    await seedKpi(f.faena.db.pool, 2000)
    const exp = await f
      .as('alice')
      .post('/jobs/kpi-export', { filters: { from: '2020-01-01', to: '2020-12-31' }, format: 'xlsx' })
    t.equal(exp.statusCode, 202, exp.body)
    const exported = await waitForStatus(f.faena, exp.json().jobId, 'COMPLETED', 30_000)
    t.match(exported.result, { format: 'xlsx', recordsProcessed: Number, fileSizeBytes: Number })
    t.ok((exported.result as { recordsProcessed: number }).recordsProcessed > 0, 'rows were exported')

    const { jobId } = (
      await f.as('alice').post('/jobs', { type: 'gate', parameters: { key: `pooled-${direct}` } })
    ).json()
    await gates.next(`pooled-${direct}`, 'started')
    t.equal((await f.as('alice').delete(`/jobs/${jobId}`)).statusCode, 204)
    await gates.next(`pooled-${direct}`, 'cleaned-up')
    await waitForStatus(f.faena, jobId, 'CANCELLED')
    t.pass(direct ? 'the cancel arrived through NOTIFY' : 'the cancel arrived at the heartbeat')

    await f.faena.stop()
    t.same(
      lines.filter((l) => l.level >= ERROR),
      [],
      'no error was logged',
    )
  })

  t.test(`an API node and two worker processes behind the pooler, ${mode}: each job runs once`, async (t) => {
    const { url, directUrl, timing } = await pooled(t, direct)
    const api = await startTestFaena(t, { databaseUrl: url, config: { ...timing, ROLE: 'api' } })
    const env: Record<string, string> = {
      DATABASE_URL: url,
      ROLE: 'worker',
      WORKER_CONCURRENCY: '2',
      DATA_DIR: api.config.DATA_DIR,
      RETENTION_DAYS: '0',
    }
    for (const [k, v] of Object.entries(timing)) env[k] = String(v)
    if (direct) env.DATABASE_DIRECT_URL = directUrl
    const workers = [await startServerProcess(t, env), await startServerProcess(t, env)]

    const total = 40
    const ids: string[] = []
    for (let i = 0; i < total; i++)
      ids.push((await api.as('alice').post('/jobs', { type: 'sleep', parameters: { ms: 20, steps: 1 } })).json().jobId)
    const logs = () => workers.map((w) => w.lines.map((l) => JSON.parse(l) as LogLine))
    const completedBy = (lines: LogLine[]) =>
      lines.filter((l) => l.event === 'job.completed').map((l) => l.jobId as string)
    await waitFor(
      'both workers to log every completion',
      async () => logs().flatMap(completedBy).length === total,
      60_000,
    )
    const [a, b] = logs().map(completedBy) as [string[], string[]]
    t.ok(a.length > 0 && b.length > 0, `split between the two processes: ${a.length} and ${b.length}`)
    t.same([...a, ...b].sort(), [...ids].sort(), 'each job completed once')
    const attempts = await api.faena.db.prisma.processingJob.groupBy({ by: ['attempts', 'status'], _count: true })
    t.same(
      attempts.map((g) => [g.attempts, g.status, g._count]),
      [[1, 'COMPLETED', total]],
      'each claimed once',
    )
    for (const [i, lines] of logs().entries()) {
      t.same(
        lines.filter((l) => l.level >= ERROR),
        [],
        `worker ${i + 1} logged no error`,
      )
      t.equal(
        listenWarning(lines).length,
        direct ? 0 : 1,
        `worker ${i + 1} ${direct ? 'listens on the direct URL' : 'says it polls'}`,
      )
    }
  })
}
