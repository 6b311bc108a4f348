// A process killed in the middle of an import: PostgreSQL rolls the import back, another
// process's rescuer takes the job back once its lease expires, and the next attempt imports the
// file once.
import t from 'tap'
import { createTokenService } from '../../src/auth/tokens.js'
import { csvBytes, dktRow, HEADER } from '../support/dkt-files.js'
import { startTestFaena, TEST_SECRET } from '../support/faena.js'
import { waitForStatus } from '../support/jobs.js'
import { multipartBody } from '../support/multipart.js'
import { startServerProcess } from '../support/server-process.js'
import { sharedSetup } from '../support/shared-setup.js'
import { waitFor } from '../support/wait.js'

const LEASES = { LEASE_MS: '1500', LEASE_RENEW_MS: '300' }

t.test('SIGKILL mid-import: no rows left behind, the job runs again and imports the file once', async (t) => {
  const { url, dataDir, pool } = await sharedSetup(t, 'crash')
  const count = async (sql: string) => (await pool.query(sql)).rows[0].n as number

  const first = await startServerProcess(t, {
    DATABASE_URL: url,
    DATA_DIR: dataDir,
    WORKER_CONCURRENCY: '1',
    ...LEASES,
  })
  const rows = 200_000
  const { payload, headers } = multipartBody(
    {},
    { name: 'big.csv', content: csvBytes([HEADER, ...Array.from({ length: rows }, (_, i) => dktRow(i))]) },
  )
  const token = createTokenService(TEST_SECRET).sign('alice')
  const res = await fetch(`${first.base}/jobs/dkt-import`, {
    method: 'POST',
    body: payload,
    headers: { ...headers, authorization: `Bearer ${token}` },
  })
  t.equal(res.status, 202)
  const { jobId } = (await res.json()) as { jobId: string }
  await waitFor('the import to be reading rows', async () => {
    const {
      rows: [job],
    } = await pool.query('SELECT status, processed_items FROM processing_job WHERE id = $1', [jobId])
    return job.status === 'PROCESSING' && job.processed_items > 0
  })
  await first.kill()

  await waitFor(
    'PostgreSQL to roll the killed import back',
    async () =>
      (await count(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE state LIKE 'idle in transaction%' OR query LIKE 'COPY%'`,
      )) === 0,
  )
  t.equal(await count('SELECT count(*)::int AS n FROM resumen_tarjeta'), 0, 'no rows from the killed attempt')
  t.equal(await count('SELECT count(*)::int AS n FROM lote'), 0, 'no lote from the killed attempt')

  const second = await startTestFaena(t, {
    databaseUrl: url,
    config: { DATA_DIR: dataDir, LEASE_MS: 1500, LEASE_RENEW_MS: 300 },
  })
  // A lease to expire and 200,000 rows to import again: on a loaded 2-core machine that can
  // take longer than waitForStatus's default.
  const job = await waitForStatus(second.faena, jobId, 'COMPLETED', 90_000)
  t.equal(job.attempts, 2, 'the second attempt')
  t.match(job.result, { rowsImported: rows })
  t.equal(await count('SELECT count(*)::int AS n FROM lote'), 1, 'one lote')
  t.equal(await count('SELECT count(*)::int AS n FROM resumen_tarjeta'), rows, 'every row once')
})
