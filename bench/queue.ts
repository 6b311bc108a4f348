// npm run bench:queue [-- --jobs 20000 --latency 200 --concurrency 2 --peers 1 --named 0 --unbuffered 0 --traces 0]
//
// Queue throughput and latency, against DATABASE_URL's server when set, else an embedded
// PostgreSQL (a fresh database per system, dropped afterwards):
//  1. <jobs> no-op jobs inserted at once, timed from the insert's commit (the moment the
//     running dispatchers can see them, as the peers are timed from run() with their jobs in the
//     table) to the last one COMPLETED, with faena's default configuration: each job run in a worker thread, claimed ahead of
//     idle threads while jobs are short (WORKER_PREFETCH), completions written in batches;
//     with --unbuffered 1, also with WORKER_PREFETCH=0 (claims only for idle threads);
//  2. enqueue-to-start latency of <latency> sequential jobs: from the call that adds the job
//     to the first line of its processor (clock shared by the threads of this process);
//  3. the same two figures for the peers, measured in the same run on the same server, each in a
//     fresh database of its own, configured as their documentation says for throughput
//     (bench/peers/graphile.ts, bench/peers/pg-boss.ts): graphile-worker 0.18 one job per
//     handler call ("per-job") and batched; pg-boss 12 with batch fetching ("batched");
//     unless --peers 0. Each peer's throughput is cross-checked, right after and printed beside
//     it, against a standalone run of it (its own process, the same configuration:
//     bench/peers/standalone.ts), and faena's ratios are given against both figures;
//  Every system is measured on a settled server: a fresh database, no autovacuum running, a
//  checkpoint just made, and the database dropped once measured (onFreshDatabase).
//  4. with --named 1, faena again with DATABASE_PREPARED_STATEMENTS=true (the queue's statements
//     as named prepared statements, for direct connections only), against the default (unnamed,
//     safe behind a transaction-mode pooler), in turns: unnamed, named, unnamed, named.
//  5. with --traces 1, faena per-job again with OpenTelemetry traces on (http/protobuf to a local
//     receiver that reads and drops them), in turns with traces off: off, on, off, on. Jobs
//     inserted by SQL have no job span (no request made them): their runs are traces of their own.
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { pino } from 'pino'
import { loadConfig } from '../src/config/load-config.js'
import { startFaena } from '../src/runtime.js'
import { graphileLatency, graphileThroughput, type PeerMode } from './peers/graphile.js'
import { pgBossLatency, pgBossThroughput } from './peers/pg-boss.js'
import * as probe from './processors/probe.js'
import { openBenchServer } from './support/database.js'
import { fmt, now, parseFlags, percentile } from './support/stats.js'

/**
 * faena's batched mode: a deeper buffer of jobs claimed ahead (WORKER_PREFETCH,
 * WORKER_PREFETCH_WINDOW_MS), given to the threads up to 32 at a time (WORKER_BATCH).
 */
const BATCHED = { max: 256, windowMs: 100, batch: 32 }

const flags = parseFlags({ jobs: 20_000, latency: 200, concurrency: 2, peers: 1, named: 0, unbuffered: 0, traces: 0 })

interface Figures {
  jobsPerSec: number
  seconds: number
  p50: number
  p95: number
}

async function waitUntil(check: () => Promise<boolean> | boolean, everyMs = 10): Promise<void> {
  while (!(await check())) await delay(everyMs)
}

function latencyFigures(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b)
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95) }
}

async function benchFaena(
  url: string,
  named = false,
  prefetch?: { max: number; windowMs?: number; batch?: number },
  traceTo?: string,
): Promise<Figures> {
  const dataDir = mkdtempSync(join(tmpdir(), 'faena-bench-data-'))
  const config = loadConfig(
    {},
    {
      DATABASE_URL: url,
      DATA_DIR: dataDir,
      JWT_SECRET: 'bench-secret-bench-secret-bench-secret-0000',
      LOG_LEVEL: 'silent',
      WORKER_CONCURRENCY: flags.concurrency!,
      DATABASE_PREPARED_STATEMENTS: named,
      ...(prefetch === undefined
        ? {}
        : {
            WORKER_PREFETCH: prefetch.max,
            ...(prefetch.windowMs ? { WORKER_PREFETCH_WINDOW_MS: prefetch.windowMs } : {}),
            ...(prefetch.batch ? { WORKER_BATCH: prefetch.batch } : {}),
          }),
      PORT: 0,
      ...(traceTo ? { OTEL_EXPORTER_OTLP_ENDPOINT: traceTo } : {}),
    },
  )
  const faena = await startFaena({
    config,
    logger: pino({ level: 'silent' }),
    jobTypes: [
      { name: 'probe', parameters: probe.parameters, processor: new URL('./processors/probe.js', import.meta.url) },
    ],
  })
  const { pool } = faena.db
  // Done when no job is left queued or running, looked at every 50 ms; the end is the last
  // completion's own time (completed_at), so the look's period does not count, and looking
  // rarely leaves the measured system its CPU (a count every 10 ms took a third of a core).
  const done = async () =>
    !(await pool.query(`SELECT EXISTS (SELECT 1 FROM processing_job WHERE status IN ('QUEUED', 'PROCESSING')) AS busy`))
      .rows[0].busy
  const completed = async () =>
    (await pool.query(`SELECT count(*)::int AS n FROM processing_job WHERE status = 'COMPLETED'`)).rows[0].n as number
  try {
    // Warm-up: threads started, processors loaded, statements prepared.
    await pool.query(
      `INSERT INTO processing_job (id, type, user_id) SELECT 'w' || g, 'noop', 'bench' FROM generate_series(1, 200) g`,
    )
    await waitUntil(async () => (await completed()) === 200)

    await pool.query(
      `INSERT INTO processing_job (id, type, user_id) SELECT 'b' || g, 'noop', 'bench' FROM generate_series(1, $1::int) g`,
      [flags.jobs],
    )
    const t0 = now()
    await waitUntil(done, 50)
    const end = (
      await pool.query(
        `SELECT count(*)::int AS n, extract(epoch FROM max(completed_at)) * 1000 AS at FROM processing_job WHERE status = 'COMPLETED'`,
      )
    ).rows[0]
    if (end.n !== flags.jobs! + 200) throw new Error(`faena: ${end.n - 200} of ${flags.jobs} jobs COMPLETED`)
    const seconds = (Number(end.at) - t0) / 1000

    const started = new Map<number, (at: number) => void>()
    const channel = new BroadcastChannel(probe.PROBE_CHANNEL)
    channel.onmessage = (m: MessageEvent) =>
      started.get((m.data as { seq: number }).seq)?.((m.data as { at: number }).at)
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
 * A fresh database for `measure`, on a settled server (no autovacuum of the last system's
 * database running, a checkpoint just made), dropped after: each system is measured in
 * nobody's wake, and leaves nothing behind for the next.
 */
async function onFreshDatabase<T>(measure: (url: string) => Promise<T>): Promise<T> {
  const url = await server.newDatabase()
  await server.settle()
  try {
    return await measure(url)
  } finally {
    await server.dropDatabase(url)
  }
}

/** A peer's figures in this process: throughput, then enqueue-to-start on a fresh database. */
async function benchPeer(peer: Peer, mode: PeerMode): Promise<Figures> {
  const seconds = await onFreshDatabase((url) =>
    peer === 'pg-boss' ? pgBossThroughput(url, flags.jobs!) : graphileThroughput(url, mode, flags.jobs!),
  )
  const samples = await onFreshDatabase((url) =>
    peer === 'pg-boss' ? pgBossLatency(url, flags.latency!) : graphileLatency(url, mode, flags.latency!),
  )
  return { jobsPerSec: flags.jobs! / seconds, seconds, ...latencyFigures(samples) }
}

/** The same peer in a process of its own (bench/peers/standalone.ts): jobs/s. */
async function standalone(peer: Peer, mode: PeerMode): Promise<number> {
  const script = fileURLToPath(new URL('./peers/standalone.js', import.meta.url))
  const { stdout } = await onFreshDatabase((url) =>
    promisify(execFile)(process.execPath, [script, peer, url, mode, String(flags.jobs)], { maxBuffer: 1 << 20 }),
  )
  return Number(stdout.trim().split('\n').at(-1))
}

type Peer = 'graphile-worker' | 'pg-boss'

function report(name: string, f: Figures): void {
  console.log(`${name}: ${fmt(f.jobsPerSec)} jobs/s (${fmt(flags.jobs!)} no-op jobs in ${fmt(f.seconds, 2)} s)`)
  console.log(
    `${name}: enqueue-to-start p50 ${fmt(f.p50, 2)} ms, p95 ${fmt(f.p95, 2)} ms (${flags.latency} sequential jobs)`,
  )
}

const server = await openBenchServer()
try {
  const faena = await onFreshDatabase((url) => benchFaena(url))
  report('faena per-job', faena)
  const faenaBatched = await onFreshDatabase((url) => benchFaena(url, false, BATCHED))
  report('faena batched', faenaBatched)
  if (flags.traces) {
    // A collector that reads every request and answers 200.
    const sink = createServer((req, res) => req.resume().on('end', () => res.writeHead(200).end()))
    await new Promise<void>((ok) => sink.listen(0, '127.0.0.1', ok))
    const endpoint = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`
    for (const on of [false, true, false, true])
      report(
        `faena per-job, traces ${on ? 'on' : 'off'}`,
        await onFreshDatabase((url) => benchFaena(url, false, undefined, on ? endpoint : undefined)),
      )
    sink.close()
  }
  if (flags.unbuffered)
    report('faena per-job, WORKER_PREFETCH=0', await onFreshDatabase((url) => benchFaena(url, false, { max: 0 })))
  if (flags.peers) {
    const peers = [
      ['graphile-worker', 'per-job'],
      ['graphile-worker', 'batched'],
      ['pg-boss', 'batched'],
    ] as const
    const figures = new Map<string, Figures>()
    const alone = new Map<string, number>()
    for (const [peer, mode] of peers) {
      const f = await benchPeer(peer, mode)
      report(`${peer} ${mode}`, f)
      figures.set(`${peer} ${mode}`, f)
      // Cross-check, side by side: the same peer in a process of its own, right after.
      const standaloneJobsPerSec = await standalone(peer, mode)
      alone.set(`${peer} ${mode}`, standaloneJobsPerSec)
      console.log(
        `${peer} ${mode}: ${fmt(f.jobsPerSec)} jobs/s in this process, ${fmt(standaloneJobsPerSec)} standalone: ${fmt(f.jobsPerSec / standaloneJobsPerSec, 2)}x`,
      )
    }
    const compare = (name: string, mine: Figures, peer: string) => {
      const f = figures.get(peer)!
      console.log(
        `${name} / ${peer}: throughput ${fmt(mine.jobsPerSec / f.jobsPerSec, 2)}x (${fmt(mine.jobsPerSec / alone.get(peer)!, 2)}x its standalone figure), p50 enqueue-to-start ${fmt(mine.p50 / f.p50, 2)}x`,
      )
    }
    compare('faena per-job', faena, 'graphile-worker per-job')
    compare('faena batched', faenaBatched, 'pg-boss batched')
    compare('faena batched', faenaBatched, 'graphile-worker batched')
  }
  if (flags.named) {
    const runs: { named: boolean; f: Figures }[] = []
    for (const named of [true, false, true]) {
      const f = await onFreshDatabase((url) => benchFaena(url, named))
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
