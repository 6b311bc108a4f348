// Short jobs given to a thread several at a time (WORKER_BATCH): each still ends once, on its
// own terms. A cancel reaches a job of a batch before or while it runs; a job that ignores its
// cancel takes its thread down, and the batch's other jobs go back to the queue (attempt
// refunded) and run again; at shutdown the batch's unfinished jobs go back too. A window of ten
// minutes makes any job "short", so the node holds and batches the gates it is given.

import type { Test } from 'tap'
import t from 'tap'
import { startTestFaena } from '../support/faena.js'
import { openGates } from '../support/gates.js'
import { jobRow, waitForStatus } from '../support/jobs.js'
import { waitFor } from '../support/wait.js'

/** One thread, held by gate "block", with `keys` claimed ahead behind it; `config` on top. */
async function batchBehindBlock(t: Test, keys: string[], config: Record<string, unknown> = {}) {
  const gates = openGates(t)
  const node = await startTestFaena(t, {
    config: {
      WORKER_CONCURRENCY: 1,
      WORKER_PREFETCH: 16,
      WORKER_PREFETCH_WINDOW_MS: 600_000,
      WORKER_BATCH: 8,
      ...config,
    },
    stopOnTeardown: false,
  })
  t.teardown(() => node.faena.stop())
  const post = async (body: object) => (await node.as('alice').post('/jobs', body)).json().jobId as string
  // Finished jobs: the node has seen how long jobs take.
  await waitForStatus(node.faena, await post({ type: 'noop' }), 'COMPLETED')
  const block = await post({ type: 'gate', parameters: { key: 'block' } })
  await gates.next('block', 'started')
  const ids: Record<string, string> = {}
  for (const key of keys)
    ids[key] = await post({ type: 'gate', parameters: key.startsWith('stubborn') ? { key, stubborn: true } : { key } })
  const dispatcher = node.faena.dispatcher!
  await waitFor('the jobs claimed ahead', async () => keys.every((k) => dispatcher.heldJobIds().includes(ids[k]!)))
  return { gates, node, ids, block }
}

const starts = (gates: { seen: { key: string; event: string }[] }, key: string) =>
  gates.seen.filter((e) => e.key === key && e.event === 'started').length

t.test('a batch runs its jobs one after the other, each recorded once', async (t) => {
  const { gates, node, ids } = await batchBehindBlock(t, ['a', 'b', 'c'])
  gates.finish('block')
  for (const key of ['a', 'b', 'c']) {
    await gates.next(key, 'started')
    t.match(
      await jobRow(node.faena, ids.c!),
      { status: 'PROCESSING', lockedBy: node.faena.workerId },
      "the batch's jobs are ours while it runs",
    )
    gates.finish(key)
  }
  for (const key of ['a', 'b', 'c'])
    t.match(await waitForStatus(node.faena, ids[key]!, 'COMPLETED'), { attempts: 1, result: { key } })
  t.same(
    ['a', 'b', 'c'].map((k) => starts(gates, k)),
    [1, 1, 1],
  )
})

t.test('a job of a batch cancelled before its turn is CANCELLED; the others complete', async (t) => {
  const { gates, node, ids } = await batchBehindBlock(t, ['a', 'b', 'c'])
  gates.finish('block')
  await gates.next('a', 'started')
  t.equal((await node.as('alice').delete(`/jobs/${ids.b}`)).statusCode, 204)
  gates.finish('a')
  await gates.next('c', 'started')
  gates.finish('c')
  t.match(await waitForStatus(node.faena, ids.b!, 'CANCELLED'), { error: { code: 'CANCELLED' } })
  t.match(await waitForStatus(node.faena, ids.a!, 'COMPLETED'), { attempts: 1 })
  t.match(await waitForStatus(node.faena, ids.c!, 'COMPLETED'), { attempts: 1 })
})

t.test('a cancel of a job waiting its turn in a batch never kills the job running before it', async (t) => {
  const { gates, node, ids } = await batchBehindBlock(t, ['a', 'b'], { CANCEL_GRACE_MS: 100 })
  gates.finish('block')
  await gates.next('a', 'started')
  const cancelledAt = performance.now()
  t.equal((await node.as('alice').delete(`/jobs/${ids.b}`)).statusCode, 204)
  // The grace period is what is tested: let it run out three times over while "a" runs on.
  await waitFor('three cancel graces to pass', async () => performance.now() - cancelledAt > 300)
  t.equal((await jobRow(node.faena, ids.a!)).status, 'PROCESSING', 'still running')
  gates.finish('a')
  t.match(await waitForStatus(node.faena, ids.a!, 'COMPLETED'), { attempts: 1 })
  t.match(await waitForStatus(node.faena, ids.b!, 'CANCELLED'), { error: { code: 'CANCELLED' } })
  t.equal(starts(gates, 'a'), 1, 'its thread was not killed: it ran once')
})

t.test("a job that ignores its cancel takes its batch's thread down; the others go back and run again", async (t) => {
  const { gates, node, ids } = await batchBehindBlock(t, ['a', 'stubborn', 'c'], { CANCEL_GRACE_MS: 200 })
  gates.finish('block')
  await gates.next('a', 'started')
  gates.finish('a')
  await gates.next('stubborn', 'started')
  t.equal((await node.as('alice').delete(`/jobs/${ids.stubborn}`)).statusCode, 204)
  t.match(
    await waitForStatus(node.faena, ids.stubborn!, 'CANCELLED'),
    { error: { code: 'CANCELLED' } },
    'the one running takes the blame',
  )
  // "a" finished before the thread went down, but its outcome went with it: it runs again.
  await waitFor('"a" to run again', async () => starts(gates, 'a') === 2)
  gates.finish('a')
  await gates.next('c', 'started')
  gates.finish('c')
  t.match(
    await waitForStatus(node.faena, ids.a!, 'COMPLETED'),
    { attempts: 1 },
    'handed back with its attempt refunded',
  )
  t.match(await waitForStatus(node.faena, ids.c!, 'COMPLETED'), { attempts: 1 })
  t.equal(starts(gates, 'c'), 1, 'the one not started ran once')
})

t.test('at shutdown the unfinished jobs of a batch go back to the queue, attempts refunded', async (t) => {
  const { gates, node, ids, block } = await batchBehindBlock(t, ['a', 'b'], { SHUTDOWN_TIMEOUT_MS: 50 })
  gates.finish('block')
  await waitForStatus(node.faena, block, 'COMPLETED')
  await gates.next('a', 'started')
  await node.faena.stop()
  const other = await startTestFaena(t, { databaseUrl: node.url, config: { WORKER_CONCURRENCY: 0 } })
  for (const key of ['a', 'b'])
    t.match(
      await jobRow(other.faena, ids[key]!),
      { status: 'QUEUED', attempts: 0, lockedBy: null },
      `${key} handed back`,
    )
})
