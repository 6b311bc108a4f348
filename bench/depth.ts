// npm run bench:depth [-- --jobs 1000000 --more 100000 --samples 20 --limit 2000000]
//
// The API over a deep queue: <jobs> QUEUED jobs of one user, inserted in one statement as a
// bulk enqueue would, on an API-only server (nothing runs them). Then ANALYZE, as autovacuum
// does sooner or later, and <more> jobs again in one statement: enqueueing must not turn
// quadratic whichever plan the new statistics pick. Then the median and worst of <samples>
// requests: another user's POST /jobs, the flooding user's POST (MAX_ACTIVE_JOBS_PER_USER is
// <limit>, so it is admitted: its cost is the limit's check at that depth, printed beside the
// same POST on the empty queue), the flooding user's first page and a page half-way (by offset
// and by cursor), GET /stats and a /metrics scrape.
// Targets (issue 18): pages and job creation under 50 ms, /stats and /metrics under 100 ms;
// (issue 30) the flooding user's POST at most 1.5x its empty-queue figure.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { createTokenService } from '../src/auth/tokens.js'
import { openBenchServer } from './support/database.js'
import { BENCH_SECRET, startBenchServer } from './support/server.js'
import { fmt, now, parseFlags, percentile } from './support/stats.js'

const flags = parseFlags({ jobs: 1_000_000, more: 100_000, samples: 20, limit: 2_000_000 })
const tokens = createTokenService(BENCH_SECRET)
const METRICS_TOKEN = 'bench-metrics-token-0123456789'
const auth = (user: string, admin = false) => ({
  authorization: `Bearer ${tokens.sign(user, { admin })}`,
  'content-type': 'application/json',
})

const INSERT = `INSERT INTO processing_job (id, type, user_id, parameters)
                SELECT $2 || g, 'noop', 'flood', '{}' FROM generate_series(1, $1::int) g`

async function timed(sql: string, values: unknown[], db: pg.Client): Promise<number> {
  const start = now()
  await db.query(sql, values)
  return (now() - start) / 1000
}

const bench = await openBenchServer()
const dataDir = mkdtempSync(join(tmpdir(), 'faena-bench-depth-'))
try {
  const url = await bench.newDatabase()
  const server = await startBenchServer({
    DATABASE_URL: url,
    DATA_DIR: dataDir,
    WORKER_CONCURRENCY: '0',
    RETENTION_DAYS: '0',
    METRICS_TOKEN,
    MAX_ACTIVE_JOBS_PER_USER: String(flags.limit),
    JOB_CREATION_PER_MINUTE: '100000',
  })
  const db = new pg.Client({ connectionString: url })
  await db.connect()
  try {
    const sample = async (what: string, target: number, request: () => Promise<Response>, expect = 200) => {
      const ms: number[] = []
      for (let i = 0; i < flags.samples!; i++) {
        const start = now()
        const res = await request()
        await res.arrayBuffer()
        ms.push(now() - start)
        if (res.status !== expect) throw new Error(`${what}: ${res.status}`)
      }
      ms.sort((a, b) => a - b)
      const p50 = percentile(ms, 50)
      console.log(
        `${what}: p50 ${fmt(p50, 1)} ms, max ${fmt(ms.at(-1)!, 1)} ms (target < ${target} ms: ${p50 < target ? 'met' : 'NOT met'})`,
      )
      return p50
    }
    const post = (user: string) => () =>
      fetch(`${server.base}/jobs`, { method: 'POST', headers: auth(user), body: JSON.stringify({ type: 'noop' }) })
    const get = (path: string, headers: Record<string, string>) => () => fetch(`${server.base}${path}`, { headers })
    for (let i = 0; i < 20; i++) await (await post('warm-up')()).arrayBuffer()
    const emptyPost = await sample("the flooding user's POST /jobs on an empty queue", 50, post('flood'), 202)
    const first = await timed(INSERT, [flags.jobs, 'a'], db)
    console.log(
      `enqueue ${fmt(flags.jobs!)} jobs of one user in one statement: ${fmt(first, 1)} s (${fmt(flags.jobs! / first)} jobs/s)`,
    )
    await db.query('ANALYZE processing_job')
    const more = await timed(INSERT, [flags.more, 'b'], db)
    console.log(
      `after ANALYZE, ${fmt(flags.more!)} more in one statement: ${fmt(more, 1)} s (${fmt(flags.more! / more)} jobs/s; ${fmt(flags.more! / more / (flags.jobs! / first), 2)}x the first rate)`,
    )
    await db.query('ANALYZE processing_job')

    const total = flags.jobs! + flags.more!
    await sample("another user's POST /jobs", 50, post('other'), 202)
    const deepPost = await sample(
      `the flooding user's POST /jobs with ${fmt(total)} of theirs queued`,
      50,
      post('flood'),
      202,
    )
    console.log(
      `  ${fmt(deepPost / emptyPost, 2)}x the empty queue's (target at most 1.5x: ${deepPost / emptyPost <= 1.5 ? 'met' : 'NOT met'})`,
    )
    await sample("the flooding user's GET /jobs?limit=20", 50, get('/jobs?limit=20', auth('flood')))
    await sample(
      `the flooding user's GET /jobs?limit=20&offset=${total / 2}`,
      50,
      get(`/jobs?limit=20&offset=${total / 2}`, auth('flood')),
    )
    // The page a `next` link half-way down would give (the cursor names the job before it).
    const {
      rows: [mid],
    } = await db.query(
      `SELECT id, created_at FROM processing_job WHERE user_id = 'flood' ORDER BY created_at DESC, id DESC OFFSET $1 LIMIT 1`,
      [total / 2],
    )
    const cursor = Buffer.from(`${(mid.created_at as Date).toISOString()} ${mid.id}`).toString('base64url')
    await sample(
      `the flooding user's next page ${fmt(total / 2)} jobs deep (cursor)`,
      50,
      get(`/jobs?limit=20&cursor=${cursor}`, auth('flood')),
    )
    await sample('GET /stats (admin)', 100, get('/stats', auth('root', true)))
    await sample('GET /metrics', 100, get('/metrics', { authorization: `Bearer ${METRICS_TOKEN}` }))
  } finally {
    await db.end()
    await server.stop()
  }
} finally {
  await bench.close()
  rmSync(dataDir, { recursive: true, force: true })
}
