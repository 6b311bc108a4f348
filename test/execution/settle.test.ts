// The settle policy, without a database: which transition each way a run can end leads to, and
// the one queue call that writes it (a fake WorkerQueue that records its calls).
import t from 'tap'
import { type FilesAtEnd, record, type SettleContext, settlement } from '../../src/execution/settle.js'
import type { RunJobOutcome } from '../../src/execution/thread-protocol.js'
import type { WorkerQueue } from '../../src/queue/index.js'

const job = { attempts: 1, maxAttempts: 3, timeoutMs: 1000 }
const ctx: SettleContext = {
  abortedFor: null,
  databaseGone: false,
  retryBaseMs: 100,
  retryMaxMs: 1000,
  random: () => 1,
}
const ok: RunJobOutcome = {
  ok: true,
  result: { n: 1 },
  last: { percent: 100, message: 'done', processedItems: 5, totalItems: 5 },
}
const failed = (retryable: boolean, code = 'BOOM'): RunJobOutcome => ({
  ok: false,
  error: { code, message: code },
  retryable,
  aborted: null,
  last: null,
})

t.test('a run that returned completes, with its last counts and message', async (t) => {
  t.same(settlement(job, ok, ctx), {
    to: 'completed',
    completion: { result: { n: 1 }, processedItems: 5, totalItems: 5, message: 'done' },
  })
  t.same(
    settlement(job, ok, { ...ctx, abortedFor: 'shutdown' }).to,
    'completed',
    'even when it finished during the shutdown',
  )
})

t.test('a retryable failure is retried while attempts remain, with the backoff; then it fails', async (t) => {
  t.same(settlement(job, failed(true), ctx), { to: 'retry', error: { code: 'BOOM', message: 'BOOM' }, delayMs: 100 })
  t.same(
    settlement({ ...job, attempts: 2 }, failed(true), ctx),
    { to: 'retry', error: { code: 'BOOM', message: 'BOOM' }, delayMs: 200 },
    'doubling',
  )
  t.same(
    settlement({ ...job, attempts: 3 }, failed(true), ctx),
    { to: 'failed', error: { code: 'BOOM', message: 'BOOM' } },
    'no attempt left',
  )
  t.same(settlement(job, failed(false), ctx).to, 'failed', 'a final error is not retried')
})

t.test('why the run was stopped decides before the outcome does', async (t) => {
  t.same(settlement(job, failed(true), { ...ctx, abortedFor: 'cancel' }), {
    to: 'cancelled',
    error: { code: 'CANCELLED', message: 'cancelled by the user' },
  })
  t.same(
    settlement(job, failed(true), { ...ctx, abortedFor: 'shutdown' }),
    { to: 'queued' },
    'the shutdown hands it back',
  )
  t.same(
    settlement(job, ok, { ...ctx, abortedFor: 'lost' }),
    { to: 'nothing', why: 'lost' },
    'a lost lease writes nothing, even a success',
  )
  t.same(settlement(job, ok, { ...ctx, databaseGone: true }), { to: 'nothing', why: 'database-gone' })
  const timedOut = settlement(job, failed(true, 'WORKER_TERMINATED'), { ...ctx, abortedFor: 'timeout' })
  t.same(
    timedOut,
    {
      to: 'failed',
      error: {
        code: 'TIMEOUT',
        message: 'the job ran longer than its 1000 ms timeout and was stopped (its thread was terminated)',
      },
    },
    'a timeout is final',
  )
})

t.test('record() makes the one queue call of each settlement, with the files the job owns at its end', async (t) => {
  const calls: unknown[][] = []
  const queue = {
    complete: async (...a: unknown[]) => {
      calls.push(['complete', ...a])
      return true
    },
    cancelled: async (...a: unknown[]) => {
      calls.push(['cancelled', ...a])
      return true
    },
    retry: async (...a: unknown[]) => {
      calls.push(['retry', ...a])
      return false
    },
    fail: async (...a: unknown[]) => {
      calls.push(['fail', ...a])
      return true
    },
    giveBack: async (...a: unknown[]) => {
      calls.push(['giveBack', ...a])
      return 1
    },
  } as unknown as WorkerQueue
  const error = { code: 'E', message: 'e' }
  // The type's declaration, evaluated at the job's end with its final status, result and error.
  const filesAtEnd: FilesAtEnd = (end) => [
    {
      key: `${end.status}:${JSON.stringify(end.result)}:${(end.error as { code?: string } | null)?.code ?? ''}`,
      kind: 'k',
    },
  ]
  t.equal(await record(queue, 'j', { to: 'nothing', why: 'lost' }, filesAtEnd), null)
  t.equal(await record(queue, 'j', { to: 'queued' }, filesAtEnd), true)
  t.equal(
    await record(
      queue,
      'j',
      { to: 'completed', completion: { result: 1, processedItems: null, totalItems: null, message: null } },
      filesAtEnd,
    ),
    true,
  )
  t.equal(await record(queue, 'j', { to: 'cancelled', error }, filesAtEnd), true)
  t.equal(
    await record(queue, 'j', { to: 'retry', error, delayMs: 5 }, filesAtEnd),
    false,
    'false: the job was no longer ours',
  )
  t.equal(await record(queue, 'j', { to: 'failed', error }, filesAtEnd), true)
  t.equal(await record(queue, 'j', { to: 'failed', error }), true, 'a type that declares no files')
  t.same(calls, [
    ['giveBack', ['j']],
    [
      'complete',
      'j',
      { result: 1, processedItems: null, totalItems: null, message: null },
      [{ key: 'COMPLETED:1:', kind: 'k' }],
    ],
    ['cancelled', 'j', error, [{ key: 'CANCELLED:null:E', kind: 'k' }]],
    ['retry', 'j', error, 5],
    ['fail', 'j', error, null, [{ key: 'FAILED:null:E', kind: 'k' }]],
    ['fail', 'j', error, null, null],
  ])
})
