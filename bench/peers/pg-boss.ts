// pg-boss 12 as bench:queue runs it, the same in the bench's process and in its standalone
// cross-check (standalone.ts), configured as its documentation says for throughput: batch
// fetching (batchSize 100) by 4 local workers (localConcurrency), fetching again at once while
// fetches come back full (burstWhenBatchFull), LISTEN/NOTIFY on (useListenNotify and a queue
// with notify) so new jobs wake the workers. The jobs are in the table before its workers
// start, timed from work() to the last one completed in the database: looked for every 50 ms as
// "none of the queue's jobs left created, retried or active", the end read from the last one's
// completed_on (so the look's period does not count), as bench/queue.ts does for faena. A first, untimed round of
// WARM_UP_JOBS warms the process's JIT, in both places alike.
import { setTimeout as delay } from 'node:timers/promises'
import pg from 'pg'
import { PgBoss } from 'pg-boss'
import { now } from '../support/stats.js'
import { WARM_UP_JOBS } from './graphile.js'

const BATCHED = { batchSize: 100, localConcurrency: 4, burstWhenBatchFull: true, pollingIntervalSeconds: 0.5 }

async function openBoss(url: string): Promise<PgBoss> {
  const boss = new PgBoss({ connectionString: url, useListenNotify: true })
  boss.on('error', (err) => console.error('pg-boss:', err))
  await boss.start()
  return boss
}

/** Seconds from work() to the last of `jobs` no-op jobs COMPLETED. */
async function timedRound(url: string, queue: string, jobs: number): Promise<number> {
  const boss = await openBoss(url)
  const db = new pg.Pool({ connectionString: url, max: 1 })
  try {
    await boss.createQueue(queue, { notify: true })
    for (let i = 0; i < jobs; i += 10_000)
      await boss.insert(
        queue,
        Array.from({ length: Math.min(10_000, jobs - i) }, () => ({ data: {} })),
      )
    const busy = async () =>
      (
        await db.query(`SELECT EXISTS (SELECT 1 FROM pgboss.job WHERE name = $1 AND state < 'completed') AS busy`, [
          queue,
        ])
      ).rows[0].busy as boolean
    const t0 = now()
    await boss.work(queue, BATCHED, async () => {})
    while (await busy()) await delay(50)
    const end = (
      await db.query(
        `SELECT count(*)::int AS n, extract(epoch FROM max(completed_on)) * 1000 AS at FROM pgboss.job WHERE name = $1 AND state = 'completed'`,
        [queue],
      )
    ).rows[0]
    if (end.n !== jobs) throw new Error(`pg-boss: ${end.n} of ${jobs} jobs completed`)
    return (Number(end.at) - t0) / 1000
  } finally {
    await boss.stop({ graceful: false, close: true })
    await db.end()
  }
}

export async function pgBossThroughput(url: string, jobs: number): Promise<number> {
  await timedRound(url, 'warm-up', WARM_UP_JOBS)
  return timedRound(url, 'noop', jobs)
}

/** Enqueue-to-start of `count` sequential jobs (ms): from send() to the handler's first line. */
export async function pgBossLatency(url: string, count: number): Promise<number[]> {
  const boss = await openBoss(url)
  const started = new Map<number, (at: number) => void>()
  try {
    await boss.createQueue('probe', { notify: true })
    await boss.work<{ seq: number }>('probe', BATCHED, async (jobs) => {
      for (const job of jobs) started.get(job.data.seq)?.(now())
    })
    const samples: number[] = []
    for (let seq = 0; seq < count; seq++) {
      const began = new Promise<number>((ok) => started.set(seq, ok))
      const t = now()
      await boss.send('probe', { seq })
      samples.push((await began) - t)
    }
    return samples
  } finally {
    await boss.stop({ graceful: false, close: true })
  }
}
