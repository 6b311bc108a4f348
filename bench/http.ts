// npm run bench:http [-- --clients 200 --seconds 30 --running 20]
//
// The API under polling load while jobs run: a faena server in a child process (against
// DATABASE_URL's server when set, else an embedded PostgreSQL) runs <running> jobs at once
// (sleep jobs, one worker thread each), and <clients> concurrent HTTP clients (autocannon, one
// connection each) poll GET /jobs/:id of those jobs for <seconds> seconds. Prints requests/s,
// latency percentiles and errors. Target (issue 5): no errors, p99 under 50 ms.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import autocannon from 'autocannon'
import { createTokenService } from '../src/auth/tokens.js'
import { openBenchServer } from './support/database.js'
import { BENCH_SECRET, startBenchServer } from './support/server.js'
import { fmt, parseFlags } from './support/stats.js'

const flags = parseFlags({ clients: 200, seconds: 30, running: 20 })
const token = createTokenService(BENCH_SECRET).sign('bench')
const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' }

const pg = await openBenchServer()
const dataDir = mkdtempSync(join(tmpdir(), 'faena-bench-http-'))
try {
  const url = await pg.newDatabase()
  const server = await startBenchServer({
    DATABASE_URL: url,
    DATA_DIR: dataDir,
    WORKER_CONCURRENCY: String(flags.running),
    RETENTION_DAYS: '0',
    ...(process.env.DATABASE_POOL_SIZE ? { DATABASE_POOL_SIZE: process.env.DATABASE_POOL_SIZE } : {}),
  })
  try {
    // Jobs that outlast the run, so that <running> are PROCESSING (and reporting progress) throughout.
    const ids: string[] = []
    for (let i = 0; i < flags.running!; i++) {
      const res = await fetch(`${server.base}/jobs`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ type: 'sleep', parameters: { ms: (flags.seconds! + 60) * 1000, steps: 1000 } }),
      })
      ids.push(((await res.json()) as { jobId: string }).jobId)
    }
    const running = async () => {
      const res = await fetch(`${server.base}/jobs?status=PROCESSING&limit=100`, { headers })
      return ((await res.json()) as { pagination: { total: number } }).pagination.total
    }
    for (let i = 0; (await running()) < flags.running!; i++) {
      if (i > 100) throw new Error('the jobs did not all start')
      await new Promise((ok) => setTimeout(ok, 100))
    }

    let next = 0
    const result = await autocannon({
      url: server.base,
      connections: flags.clients!,
      duration: flags.seconds!,
      headers,
      requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: `/jobs/${ids[next++ % ids.length]}` }) }],
    })
    const stillRunning = await running()
    const errors = result.errors + result.timeouts + result.non2xx
    console.log(`${flags.clients} clients polling GET /jobs/:id for ${flags.seconds} s while ${stillRunning} jobs run:`)
    console.log(`  ${fmt(result.requests.average)} requests/s (${fmt(result.requests.total)} in all)`)
    console.log(
      `  latency p50 ${result.latency.p50} ms, p90 ${result.latency.p90} ms, p99 ${result.latency.p99} ms, max ${result.latency.max} ms`,
    )
    console.log(
      `  errors ${errors} (connection errors ${result.errors}, timeouts ${result.timeouts}, non-2xx ${result.non2xx})`,
    )
    console.log(`  server peak RSS ${fmt(server.peakRssMb())} MB`)
    console.log(`target: no errors and p99 < 50 ms -> ${errors === 0 && result.latency.p99 < 50 ? 'met' : 'NOT met'}`)
  } finally {
    await server.stop()
  }
} finally {
  await pg.close()
  rmSync(dataDir, { recursive: true, force: true })
}
