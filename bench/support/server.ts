// A faena server in a child process for a benchmark (dist/src/server.js, started as `npm start`
// starts it), ready once
// /health/ready answers; its peak RSS read from /proc (VmHWM: the whole life of the process).
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { SERVER_ENV, SERVER_NODE_FLAGS } from '../../src/server-node-flags.js'
import type { BenchServer } from './database.js'

export const BENCH_SECRET = 'bench-secret-bench-secret-bench-secret-0000'

export interface BenchFaena {
  child: ChildProcess
  base: string
  /** Peak resident memory of the server process so far, MB. */
  peakRssMb(): number
  stop(): Promise<void>
}

export async function startBenchServer(env: Record<string, string>): Promise<BenchFaena> {
  const port = 3900 + Math.floor(Math.random() * 500)
  const child = spawn(
    process.execPath,
    [...SERVER_NODE_FLAGS, fileURLToPath(new URL('../../src/server.js', import.meta.url))],
    {
      env: {
        ...process.env,
        ...SERVER_ENV,
        PORT: String(port),
        HOST: '127.0.0.1',
        JWT_SECRET: BENCH_SECRET,
        LOG_LEVEL: 'warn',
        ...env,
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  )
  const base = `http://127.0.0.1:${port}`
  for (let i = 0; ; i++) {
    const ok = await fetch(`${base}/health/ready`).then(
      (r) => r.ok,
      () => false,
    )
    if (ok) break
    if (i > 300) throw new Error('server did not start')
    await delay(100)
  }
  return {
    child,
    base,
    peakRssMb: () =>
      Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024,
    stop: async () => {
      child.kill('SIGTERM')
      await new Promise((ok) => child.once('exit', ok))
    },
  }
}

/**
 * A faena server on a new database of `bench`'s server, with a data directory of its own
 * (removed by stop()), and a retention that never sweeps.
 */
export async function startBenchFaenaOn(
  bench: BenchServer,
  name: string,
  env: Record<string, string>,
): Promise<BenchFaena & { url: string; dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), `faena-bench-${name}-`))
  const removeDir = () => rmSync(dataDir, { recursive: true, force: true })
  try {
    const url = await bench.newDatabase()
    const server = await startBenchServer({ DATABASE_URL: url, DATA_DIR: dataDir, RETENTION_DAYS: '0', ...env })
    return { ...server, url, dataDir, stop: () => server.stop().finally(removeDir) }
  } catch (err) {
    removeDir()
    throw err
  }
}

/** Polls a job slowly until it is COMPLETED; the time is taken from its own completedAt. */
export async function completedJob(
  base: string,
  token: string,
  jobId: string,
): Promise<{ completedAt: number; result: Record<string, unknown> }> {
  for (;;) {
    await delay(250)
    const job = (await (
      await fetch(`${base}/jobs/${jobId}`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as { status: string; completedAt: string; result: Record<string, unknown>; error: unknown }
    if (job.status === 'COMPLETED') return { completedAt: Date.parse(job.completedAt), result: job.result }
    if (job.status !== 'QUEUED' && job.status !== 'PROCESSING')
      throw new Error(`job ${jobId} ended ${job.status}: ${JSON.stringify(job.error)}`)
  }
}
