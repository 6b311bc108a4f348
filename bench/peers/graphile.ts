// graphile-worker 0.18 as bench:queue runs it, the same in the bench's process and in its
// standalone cross-check (standalone.ts): its documented throughput settings (concurrency 10 and
// a pool of concurrency + 2; batched: a local queue of 200 and completions batched at once), the
// jobs in the table before its workers start, timed from run() to the last success. A first,
// untimed round of WARM_UP_JOBS warms the process's JIT, in both places alike.
import { EventEmitter } from 'node:events'
import { Logger, makeWorkerUtils, type RunnerOptions, run, type WorkerEvents } from 'graphile-worker'
import { now } from '../support/stats.js'

export type PeerMode = 'per-job' | 'batched'
export const WARM_UP_JOBS = 1000

const logger = new Logger(() => () => {})

const runOptions = (connectionString: string, mode: PeerMode) =>
  ({
    connectionString,
    concurrency: 10,
    maxPoolSize: 12,
    ...(mode === 'batched' ? { preset: { worker: { localQueue: { size: 200 }, completeJobBatchDelay: 0 } } } : {}),
    noHandleSignals: true,
    pollInterval: 2000,
    logger,
  }) satisfies RunnerOptions

/** Seconds from run() to the last of `jobs` no-op jobs done. */
async function timedRound(url: string, mode: PeerMode, jobs: number): Promise<number> {
  const utils = await makeWorkerUtils({ connectionString: url, logger })
  await utils.migrate()
  await utils.addJobs(Array.from({ length: jobs }, () => ({ identifier: 'noop', payload: {} })))
  await utils.release()
  let done = 0
  let finished = () => {}
  const all = new Promise<void>((ok) => (finished = ok))
  // Listening before the workers start: a job may succeed before run() resolves.
  const events = new EventEmitter() as WorkerEvents
  events.on('job:success', () => ++done === jobs && finished())
  const t0 = now()
  const runner = await run({ ...runOptions(url, mode), events, taskList: { noop: async () => {} } })
  await all
  const seconds = (now() - t0) / 1000
  await runner.stop()
  return seconds
}

export async function graphileThroughput(url: string, mode: PeerMode, jobs: number): Promise<number> {
  await timedRound(url, mode, WARM_UP_JOBS)
  return timedRound(url, mode, jobs)
}

/** Enqueue-to-start of `count` sequential jobs (ms): from addJob() to the task's first line. */
export async function graphileLatency(url: string, mode: PeerMode, count: number): Promise<number[]> {
  const utils = await makeWorkerUtils({ connectionString: url, logger })
  await utils.migrate()
  const started = new Map<number, (at: number) => void>()
  const runner = await run({
    ...runOptions(url, mode),
    taskList: { probe: async (payload) => started.get((payload as { seq: number }).seq)?.(now()) },
  })
  try {
    const samples: number[] = []
    for (let seq = 0; seq < count; seq++) {
      const began = new Promise<number>((ok) => started.set(seq, ok))
      const t = now()
      await utils.addJob('probe', { seq })
      samples.push((await began) - t)
    }
    return samples
  } finally {
    await utils.release()
    await runner.stop()
  }
}
