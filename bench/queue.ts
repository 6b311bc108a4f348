// npm run bench:queue [-- --jobs 20000 --latency 200 --concurrency 2 --graphile 1 --named 0]
//
// Queue throughput and latency, against DATABASE_URL's server when set, else an embedded
// PostgreSQL (a fresh database per system, dropped afterwards):
//  1. <jobs> no-op jobs inserted at once, timed from the insert to the last one COMPLETED,
//     each one claimed, run in a worker thread and recorded on its own;
//  2. enqueue-to-start latency of <latency> sequential jobs: from the call that adds the job
//     to the first line of its processor (clock shared by the threads of this process);
//  3. the same two figures for graphile-worker 0.18, measured in the same run on the same
//     server, unless --graphile 0, configured as its documentation says for throughput:
//     concurrency 10 with a pool of 12 (its docs: "10 or concurrentJobs + 2, whichever is
//     larger"; the pool's default of 10 left its workers waiting for connections), one job per
//     handler call ("per-job"), then batched (localQueue of 200, completeJobBatchDelay 0);
//  4. with --named 1, faena again with DATABASE_PREPARED_STATEMENTS=true (the queue's statements
//     as named prepared statements, for direct connections only), against the default (unnamed,
//     safe behind a transaction-mode pooler), in turns: unnamed, named, unnamed, named.
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { EventEmitter } from 'node:events'
import { Logger, makeWorkerUtils, run, type WorkerEvents } from 'graphile-worker'
import { pino } from 'pino'
import { loadConfig } from '../src/config/load-config.js'
import { jobTypes } from '../src/job-types/index.js'
import { startFaena } from '../src/runtime.js'
import { graphileRunOptions, type GraphileMode } from './peers/graphile-options.js'
import * as probe from './processors/probe.js'
import { openBenchServer } from './support/database.js'
import { fmt, now, parseFlags, percentile } from './support/stats.js'

const flags = parseFlags({ jobs: 20_000, latency: 200, concurrency: 2, graphile: 1, named: 0 })

interface Figures {
  jobsPerSec: number
  seconds: number
  p50: number
  p95: number
}

async function waitUntil(check: () => Promise<boolean> | boolean): Promise<void> {
  while (!(await check())) await delay(10)
}

function latencyFigures(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b)
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95) }
}

async function benchFaena(url: string, named = false): Promise<Figures> {
  const dataDir = mkdtempSync(join(tmpdir(), 'faena-bench-data-'))
  const config = loadConfig({}, {
    DATABASE_URL: url,
    DATA_DIR: dataDir,
    JWT_SECRET: 'bench-secret-bench-secret-bench-secret-0000',
    LOG_LEVEL: 'silent',
    WORKER_CONCURRENCY: flags.concurrency!,
    DATABASE_PREPARED_STATEMENTS: named,
    PORT: 0,
  })
  const faena = await startFaena({
    config,
    logger: pino({ level: 'silent' }),
    jobTypes: { ...jobTypes, probe: { parameters: probe.parameters, processor: new URL('./processors/probe.js', import.meta.url) } },
  })
  const { pool } = faena.db
  const completed = async () => (await pool.query(`SELECT count(*)::int AS n FROM processing_job WHERE status = 'COMPLETED'`)).rows[0].n as number
  try {
    // Warm-up: threads started, processors loaded, statements prepared.
    await pool.query(`INSERT INTO processing_job (id, type, user_id) SELECT 'w' || g, 'noop', 'bench' FROM generate_series(1, 200) g`)
    await waitUntil(async () => (await completed()) === 200)

    const t0 = now()
    await pool.query(`INSERT INTO processing_job (id, type, user_id) SELECT 'b' || g, 'noop', 'bench' FROM generate_series(1, $1::int) g`, [flags.jobs])
    await waitUntil(async () => (await completed()) === flags.jobs! + 200)
    const seconds = (now() - t0) / 1000

    const started = new Map<number, (at: number) => void>()
    const channel = new BroadcastChannel(probe.PROBE_CHANNEL)
    channel.onmessage = (m: MessageEvent) => started.get((m.data as { seq: number }).seq)?.((m.data as { at: number }).at)
    const samples: number[] = []
    const caller = { userId: 'bench', admin: false }
    for (let seq = 0; seq < flags.latency!; seq++) {
      const began = new Promise<number>((ok) => started.set(seq, ok))
      const t = now()
      await faena.jobs.create(caller, { type: 'probe', parameters: { seq } })
      samples.push((await began) - t)
    }
    channel.close()
    return { jobsPerSec: flags.jobs! / seconds, seconds, ...latencyFigures(samples) }
  } finally {
    await faena.stop()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

/**
 * graphile-worker as its users run it and as its standalone cross-check does: the jobs are in
 * the table before its workers start, timed from run() to the last success.
 */
async function benchGraphile(url: string, mode: GraphileMode): Promise<Figures> {
  const logger = new Logger(() => () => {})
  let done = 0
  const started = new Map<number, (at: number) => void>()
  const events = new EventEmitter() as WorkerEvents
  events.on('job:success', () => done++)
  const utils = await makeWorkerUtils({ connectionString: url, logger })
  await utils.migrate()
  await utils.addJobs(Array.from({ length: flags.jobs! }, () => ({ identifier: 'noop', payload: {} })))
  const t0 = now()
  const runner = await run({
    ...graphileRunOptions(url, mode),
    logger,
    events,
    taskList: {
      noop: async () => {},
      probe: async (payload) => {
        started.get((payload as { seq: number }).seq)?.(now())
      },
    },
  })
  try {
    await waitUntil(() => done === flags.jobs!)
    const seconds = (now() - t0) / 1000
    const samples: number[] = []
    for (let seq = 0; seq < flags.latency!; seq++) {
      const began = new Promise<number>((ok) => started.set(seq, ok))
      const t = now()
      await utils.addJob('probe', { seq })
      samples.push((await began) - t)
    }
    return { jobsPerSec: flags.jobs! / seconds, seconds, ...latencyFigures(samples) }
  } finally {
    await utils.release()
    await runner.stop()
  }
}

/** graphile-worker in a process of its own (bench/peers/graphile-standalone.ts): jobs/s. */
async function standaloneGraphile(url: string, mode: GraphileMode): Promise<number> {
  const script = fileURLToPath(new URL('./peers/graphile-standalone.js', import.meta.url))
  const { stdout } = await promisify(execFile)(process.execPath, [script, url, mode, String(flags.jobs)], { maxBuffer: 1 << 20 })
  return Number(stdout.trim().split('\n').at(-1))
}

function report(name: string, f: Figures): void {
  console.log(`${name}: ${fmt(f.jobsPerSec)} jobs/s (${fmt(flags.jobs!)} no-op jobs in ${fmt(f.seconds, 2)} s)`)
  console.log(`${name}: enqueue-to-start p50 ${fmt(f.p50, 2)} ms, p95 ${fmt(f.p95, 2)} ms (${flags.latency} sequential jobs)`)
}

const server = await openBenchServer()
try {
  const faena = await benchFaena(await server.newDatabase())
  report(`faena per-job`, faena)
  if (flags.graphile) {
    const graphile = await benchGraphile(await server.newDatabase(), 'per-job')
    report('graphile-worker per-job', graphile)
    const batched = await benchGraphile(await server.newDatabase(), 'batched')
    report('graphile-worker batched', batched)
    // Cross-check: the same peer on its own (its own process, jobs inserted before it starts).
    for (const [mode, inBench] of [['per-job', graphile], ['batched', batched]] as const) {
      const alone = await standaloneGraphile(await server.newDatabase(), mode)
      console.log(`graphile-worker ${mode}, standalone process: ${fmt(alone)} jobs/s; this bench's figure / standalone = ${fmt(inBench.jobsPerSec / alone, 2)}x`)
    }
    console.log(`faena per-job / graphile-worker per-job: throughput ${fmt(faena.jobsPerSec / graphile.jobsPerSec, 2)}x, p50 enqueue-to-start ${fmt(faena.p50 / graphile.p50, 2)}x`)
    console.log(`faena per-job / graphile-worker batched: throughput ${fmt(faena.jobsPerSec / batched.jobsPerSec, 2)}x`)
  }
  if (flags.named) {
    const runs: { named: boolean; f: Figures }[] = []
    for (const named of [true, false, true]) {
      const f = await benchFaena(await server.newDatabase(), named)
      report(`faena, ${named ? 'named' : 'unnamed'} statements`, f)
      runs.push({ named, f })
    }
    const unnamed = [faena, ...runs.filter((r) => !r.named).map((r) => r.f)]
    const named = runs.filter((r) => r.named).map((r) => r.f)
    const mean = (fs: Figures[], k: keyof Figures) => fs.reduce((a, f) => a + f[k], 0) / fs.length
    console.log(
      `unnamed / named statements (means of ${unnamed.length} and ${named.length} runs): throughput ${fmt(mean(unnamed, 'jobsPerSec') / mean(named, 'jobsPerSec'), 2)}x, ` +
        `p50 latency ${fmt(mean(unnamed, 'p50') / mean(named, 'p50'), 2)}x`,
    )
  }
} finally {
  await server.close()
}
