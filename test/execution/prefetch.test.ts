// Jobs claimed ahead of idle threads (claim-ahead.ts) keep the queue's promises: handed back at
// shutdown, dropped when their lease is lost, cancelled at once, and overtaken by a more urgent
// job claimed later. A window of ten minutes makes any job "short", so that the node always
// claims ahead while both of its threads are held by gates.

import type { Test } from 'tap'
import t from 'tap'
import { startTestFaena } from '../support/faena.js'
import { openGates } from '../support/gates.js'
import { jobRow, waitForStatus } from '../support/jobs.js'
import { waitFor } from '../support/wait.js'

async function nodeWithHeldJob(t: Test, config: Record<string, unknown> = {}) {
  const gates = openGates(t)
  const node = await startTestFaena(t, {
    config: { WORKER_CONCURRENCY: 2, WORKER_PREFETCH: 8, WORKER_PREFETCH_WINDOW_MS: 600_000, ...config },
    stopOnTeardown: false,
  })
  t.teardown(() => node.faena.stop())
  const post = async (body: object) => (await node.as('alice').post('/jobs', body)).json().jobId as string
  // One finished job: the node has seen how long jobs take.
  await waitForStatus(node.faena, await post({ type: 'noop' }), 'COMPLETED')
  const blockers = [
    await post({ type: 'gate', parameters: { key: 'block-1' } }),
    await post({ type: 'gate', parameters: { key: 'block-2' } }),
  ]
  await gates.next('block-1', 'started')
  await gates.next('block-2', 'started')
  const held = await post({ type: 'gate', parameters: { key: 'held' } })
  const dispatcher = node.faena.dispatcher!
  await waitFor('the job claimed ahead', async () => dispatcher.heldJobIds().includes(held))
  t.match(
    await jobRow(node.faena, held),
    { status: 'PROCESSING', lockedBy: node.faena.workerId, attempts: 1 },
    "claimed, under this node's lease",
  )
  return { gates, node, post, blockers, held, dispatcher }
}

const startedKeys = (gates: { seen: { key: string; event: string }[] }) =>
  gates.seen.filter((e) => e.event === 'started').map((e) => e.key)

t.test('a job claimed ahead runs when a thread frees up', async (t) => {
  const { gates, node, held } = await nodeWithHeldJob(t)
  gates.finish('block-1')
  await gates.next('held', 'started')
  gates.finish('held')
  gates.finish('block-2')
  t.match(await waitForStatus(node.faena, held, 'COMPLETED'), { attempts: 1 })
})

t.test('shutdown hands a job claimed ahead back to the queue, its attempt refunded', async (t) => {
  const { gates, node, held, blockers } = await nodeWithHeldJob(t, { SHUTDOWN_TIMEOUT_MS: 50 })
  await node.faena.stop()
  const other = await startTestFaena(t, { databaseUrl: node.url, config: { WORKER_CONCURRENCY: 0 } })
  const back = await jobRow(other.faena, held)
  t.match(back, { status: 'QUEUED', attempts: 0, lockedBy: null, startedAt: null, error: null })
  t.match(back.message, /handed back/)
  for (const id of blockers)
    t.match(await jobRow(other.faena, id), { status: 'QUEUED', attempts: 0 }, 'the running ones too')
  t.notOk(startedKeys(gates).includes('held'), 'it never started')
})

t.test('a job claimed ahead and cancelled is CANCELLED at once, without running', async (t) => {
  const { gates, node, held, dispatcher } = await nodeWithHeldJob(t)
  t.equal((await node.as('alice').delete(`/jobs/${held}`)).statusCode, 204)
  const row = await waitForStatus(node.faena, held, 'CANCELLED')
  t.match(row, { error: { code: 'CANCELLED' }, lockedBy: null, completedAt: Date })
  t.notOk(dispatcher.heldJobIds().includes(held))
  gates.finish('block-1')
  gates.finish('block-2')
  const { jobId: after } = (await node.as('alice').post('/jobs', { type: 'noop' })).json()
  await waitForStatus(node.faena, after, 'COMPLETED')
  t.notOk(startedKeys(gates).includes('held'), 'it never started')
})

t.test('a job claimed ahead whose lease was lost is dropped, not run', async (t) => {
  const { gates, node, held, dispatcher, blockers } = await nodeWithHeldJob(t, { LEASE_RENEW_MS: 100 })
  // What a rescuer and another node's claim leave: the job is someone else's now.
  await node.faena.db.pool.query(`UPDATE processing_job SET locked_by = 'elsewhere', attempts = 2 WHERE id = $1`, [
    held,
  ])
  await waitFor('the heartbeat to drop it', async () => !dispatcher.heldJobIds().includes(held))
  gates.finish('block-1')
  gates.finish('block-2')
  for (const id of blockers) await waitForStatus(node.faena, id, 'COMPLETED')
  t.match(
    await jobRow(node.faena, held),
    { status: 'PROCESSING', lockedBy: 'elsewhere', attempts: 2 },
    'left to its new owner',
  )
  t.notOk(startedKeys(gates).includes('held'), 'it never started here')
})

t.test('a more urgent job claimed after a held one starts first', async (t) => {
  const { gates, node, post, held, dispatcher } = await nodeWithHeldJob(t)
  const urgent = await post({ type: 'gate', parameters: { key: 'urgent' }, priority: 'HIGH' })
  await waitFor('both claimed ahead', async () => dispatcher.heldJobIds().includes(urgent))
  gates.finish('block-1')
  const first = await Promise.race([gates.next('urgent', 'started'), gates.next('held', 'started')])
  t.equal(first.key, 'urgent', 'the HIGH job took the free thread')
  gates.finish('urgent')
  await gates.next('held', 'started')
  gates.finish('held')
  gates.finish('block-2')
  await waitForStatus(node.faena, held, 'COMPLETED')
})
