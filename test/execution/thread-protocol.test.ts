// The thread protocol on a real worker pool (no dispatcher): progress comes up named by its job,
// an abort stops the run it names even when it reaches the thread before that run starts, and
// never a later run of the same job.
import t from 'tap'
import type { ToMain } from '../../src/execution/thread-protocol.js'
import { createWorkerPool } from '../../src/execution/worker-pool.js'
import { openGates } from '../support/gates.js'

const gate = new URL('../processors/gate.js', import.meta.url).href
const task = (jobId: string, parameters: Record<string, unknown>) => ({
  processorUrl: gate,
  jobId,
  jobType: 'gate',
  userId: 'u',
  attempt: 1,
  parameters,
})
const noKill = () => new AbortController().signal

t.test('progress comes up named by its job', async (t) => {
  const gates = openGates(t)
  const pool = createWorkerPool(1)
  t.teardown(() => pool.close())
  const heard: ToMain[] = []
  pool.onMessage((m) => heard.push(m))
  const run = pool.run(task('job-p', { key: 'p', progressAt: 40 }), noKill())
  await gates.next('p', 'started')
  gates.finish('p')
  t.match(await run, { ok: true, last: { percent: 40 } })
  t.match(heard, [{ type: 'progress', jobId: 'job-p', percent: 40 }])
})

t.test('an abort that reaches the thread before its run starts stops that run, and only that run', async (t) => {
  const gates = openGates(t)
  const pool = createWorkerPool(1)
  t.teardown(() => pool.close())
  const first = pool.run(task('job-1', { key: 'first' }), noKill())
  await gates.next('first', 'started')
  // One thread: the second waits behind the first, and its abort arrives while the first runs.
  const second = pool.run(task('job-2', { key: 'second' }), noKill())
  pool.abort('job-2', 'cancel')
  pool.abort('job-1', 'cancel')
  t.match(await first, { ok: false, aborted: 'cancel', error: { code: 'ABORTED' } })
  t.match(await second, { ok: false, aborted: 'cancel', error: { code: 'ABORTED' } }, 'stopped as it started')

  const again = pool.run(task('job-2', { key: 'again' }), noKill())
  await gates.next('again', 'started')
  gates.finish('again')
  t.match(await again, { ok: true }, 'the same job run again is not stopped by the earlier abort')
})
