// npm run bench:retention [-- --finished 5000000 --recent 100000 --samples 50]
//
// Retention at depth, against DATABASE_URL's server when set, else an embedded PostgreSQL.
// <finished> jobs that ended 31 to 90 days ago (RETENTION_DAYS is 30), <recent> that ended in
// the last days with as many expired idempotency keys, and 1,000 QUEUED, of 1,000 users. Then
// one retention sweep, the one every node runs each RETENTION_SWEEP_MS, while an API server
// beside it answers listings one after the other:
// - every statement of the sweep is timed: each runs alone in its transaction, so the longest
//   is the longest any lock it takes is held (issue 30: under 1 s);
// - a user's first page and an operator's page of all jobs, idle and during the sweep (issue
//   30: under 50 ms).
import pg from 'pg'
import { pino } from 'pino'
import { createTokenService } from '../src/auth/tokens.js'
import type { Queryable } from '../src/queue/types.js'
import { createRetentionSweeper } from '../src/retention/retention-sweeper.js'
import { createLocalStorage } from '../src/storage/local-storage.js'
import { openBenchServer } from './support/database.js'
import { BENCH_SECRET, startBenchFaenaOn } from './support/server.js'
import { fmt, now, parseFlags, percentile } from './support/stats.js'

const flags = parseFlags({ finished: 5_000_000, recent: 100_000, samples: 50 })
const USERS = 1000
const tokens = createTokenService(BENCH_SECRET)
const auth = (user: string, admin = false) => ({ authorization: `Bearer ${tokens.sign(user, { admin })}` })

/** $1 jobs ended between 31 and 90 days ago (ids o...), oldest first. */
const OLD = `
INSERT INTO processing_job (id, type, user_id, parameters, status, created_at, started_at, completed_at, attempts, progress)
SELECT 'o' || lpad(g::text, 10, '0'), 'noop', 'u' || (g % ${USERS}), '{}',
       (CASE WHEN g % 100 < 4 THEN 'FAILED' WHEN g % 100 = 4 THEN 'CANCELLED' ELSE 'COMPLETED' END)::"JobStatus",
       c, c, c + interval '1 second', 1, 100
  FROM generate_series(1, $1::int) g,
       LATERAL (SELECT now() - interval '90 days' + (g::float8 / $1) * interval '59 days' AS c) t`

/** $1 jobs ended in the last 3 days, each with an idempotency key that has expired; 1,000 QUEUED. */
const RECENT = `
INSERT INTO processing_job (id, type, user_id, parameters, status, created_at, started_at, completed_at, attempts, progress)
SELECT 'r' || g, 'noop', 'u' || (g % ${USERS}), '{}', 'COMPLETED', c, c, c + interval '1 second', 1, 100
  FROM generate_series(1, $1::int) g, LATERAL (SELECT now() - (g::float8 / $1) * interval '3 days' AS c) t;
INSERT INTO idempotency_key (user_id, key, job_id, request_hash, expires_at)
SELECT 'u' || (g % ${USERS}), 'k' || g, 'r' || g, 'h', now() - interval '1 hour'
  FROM generate_series(1, $1::int) g;
INSERT INTO processing_job (id, type, user_id, parameters)
SELECT 'q' || g, 'noop', 'u' || (g % ${USERS}), '{}' FROM generate_series(1, 1000) g`

const bench = await openBenchServer()
try {
  // Its server never sweeps (RETENTION_DAYS=0): the sweep below is the one measured.
  const server = await startBenchFaenaOn(bench, 'retention', { WORKER_CONCURRENCY: '0' })
  const { url, dataDir } = server
  const pool = new pg.Pool({ connectionString: url, max: 2 })
  try {
    const t0 = now()
    await pool.query(OLD, [flags.finished])
    for (const sql of RECENT.split(';')) await pool.query(sql, sql.includes('$1') ? [flags.recent] : [])
    await pool.query('VACUUM ANALYZE processing_job')
    await pool.query('VACUUM ANALYZE idempotency_key')
    console.log(
      `${fmt(flags.finished!)} jobs ended 31-90 days ago, ${fmt(flags.recent!)} in the last 3 days (with expired keys), 1,000 queued: ${fmt((now() - t0) / 1000, 1)} s to load`,
    )
    await bench.settle()

    const listings = [
      { what: "a user's first page", path: '/jobs?limit=20', headers: auth('u7') },
      { what: "an operator's first page of all jobs", path: '/jobs?limit=50', headers: auth('root', true) },
    ]
    const get = async (path: string, headers: Record<string, string>) => {
      const start = now()
      const res = await fetch(`${server.base}${path}`, { headers })
      await res.arrayBuffer()
      if (res.status !== 200) throw new Error(`${path}: ${res.status}`)
      return now() - start
    }
    const spread = (ms: number[]) => {
      const sorted = [...ms].sort((a, b) => a - b)
      return `p50 ${fmt(percentile(sorted, 50), 1)} ms, p99 ${fmt(percentile(sorted, 99), 1)} ms, max ${fmt(sorted.at(-1)!, 1)} ms`
    }
    for (const l of listings) {
      for (let i = 0; i < 5; i++) await get(l.path, l.headers)
      const ms: number[] = []
      for (let i = 0; i < flags.samples!; i++) ms.push(await get(l.path, l.headers))
      console.log(`idle: ${l.what}: ${spread(ms)}`)
    }

    // Every statement of the sweep, timed.
    const statements = new Map<string, number[]>()
    const timed: Queryable = {
      query: (async (q: string | { text: string }, values?: unknown[]) => {
        const text = typeof q === 'string' ? q : q.text
        const start = now()
        try {
          return await pool.query(q as string, values)
        } finally {
          const key = text.trim().split(/\s+/).slice(0, 3).join(' ')
          statements.set(key, [...(statements.get(key) ?? []), now() - start])
        }
      }) as Queryable['query'],
    }
    const storage = createLocalStorage({
      root: dataDir,
      publicUrl: server.base,
      signingSecret: BENCH_SECRET,
      defaultExpiresInSeconds: 3600,
    })
    const sweeper = createRetentionSweeper({
      db: timed,
      storage,
      retentionDays: 30,
      intervalMs: 3_600_000,
      abandonedUploadMs: 86_400_000,
      logger: pino({ level: 'silent' }),
    })
    let sweeping = true
    const beside = listings.map((l) => ({ ...l, ms: [] as number[] }))
    const besideLoop = (async () => {
      while (sweeping) for (const l of beside) l.ms.push(await get(l.path, l.headers))
    })()
    const s0 = now()
    const swept = await sweeper.sweepOnce().finally(() => (sweeping = false))
    const sweepSeconds = (now() - s0) / 1000
    await besideLoop
    console.log(
      `one sweep: ${fmt(swept.jobs)} jobs and ${fmt(swept.keys)} keys removed in ${fmt(sweepSeconds, 1)} s (${fmt(swept.jobs / sweepSeconds)} jobs/s)`,
    )
    let longest = 0
    for (const [what, ms] of statements) {
      const sorted = [...ms].sort((a, b) => a - b)
      longest = Math.max(longest, sorted.at(-1)!)
      console.log(`  ${fmt(ms.length)} x "${what} ...": ${spread(ms)}`)
    }
    console.log(
      `  the longest statement, so the longest any lock is held: ${fmt(longest, 1)} ms (target under 1,000 ms: ${longest < 1000 ? 'met' : 'NOT met'})`,
    )
    for (const l of beside) {
      const worst = Math.max(...l.ms)
      console.log(
        `during the sweep: ${l.what}: ${fmt(l.ms.length)} requests, ${spread(l.ms)} (target under 50 ms: ${worst < 50 ? 'met' : 'NOT met'})`,
      )
    }
    const { rows } = await pool.query(
      `SELECT (SELECT count(*) FROM processing_job)::int AS jobs, (SELECT count(*) FROM idempotency_key)::int AS keys`,
    )
    const expected = flags.recent! + 1000
    console.log(
      `left: ${fmt(rows[0].jobs)} jobs (the ${fmt(expected)} recent and queued: ${rows[0].jobs === expected ? 'exact' : 'WRONG'}), ${fmt(rows[0].keys)} keys`,
    )
  } finally {
    await pool.end()
    await server.stop()
  }
} finally {
  await bench.close()
}
